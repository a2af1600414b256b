"""Ingest: article files and feeds → articles → boilerplate stripped → chunks, quotes and
entities → vectors → the store (`pipeline.Ingestor`; the write side in `writer`)."""
