"""Derived indexes kept per machine and synced from the store's change log: the lexical
index (tantivy), the quote lookup (SQLite), and boilerplate segment counts."""
