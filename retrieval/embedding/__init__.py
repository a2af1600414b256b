"""The sentence encoder (all-MiniLM-L6-v2 from its PyPI package): ONNX Runtime by default,
sentence-transformers as the alternative; loaded lazily, once per process."""
