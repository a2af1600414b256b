"""The ONNX Runtime encoder gives sentence-transformers' vectors, from the packaged weights."""

from __future__ import annotations

import numpy as np

from bench import reuters
from retrieval.embedding.encoder import ONNX, SENTENCE_TRANSFORMERS, Embedder
from retrieval.ingest.formats import read_articles
from retrieval.settings import SEEDS_DIR
from retrieval.text.sentences import sentence_spans


def real_sentences(limit: int = 200) -> list[str]:
    """Sentences of the seeds, then of Reuters stories: short and long, quoted and not."""
    texts = []
    for path in sorted(SEEDS_DIR.iterdir()):
        for article in read_articles(path, SEEDS_DIR, 10**7).articles:
            texts += [article.text[s:e] for s, e in sentence_spans(article.text)]
    for record in reuters.records(80):
        body = " ".join(record["body"].split())
        texts += [body[s:e] for s, e in sentence_spans(body)][:3]
    return texts[:limit]


def test_onnx_vectors_match_sentence_transformers(tmp_path):
    texts = real_sentences()
    assert len(texts) == 200
    onnx = Embedder(backend=ONNX, cache_dir=tmp_path).embed(texts)
    reference = Embedder(backend=SENTENCE_TRANSFORMERS).embed(texts)
    cosines = (onnx * reference).sum(axis=1)
    assert cosines.min() >= 0.9999
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)
    assert list(tmp_path.glob("*.onnx"))  # exported once, into the cache dir


def test_long_texts_are_truncated_like_the_model(tmp_path):
    long = " ".join(["The minister said the talks had failed again."] * 200)
    onnx = Embedder(backend=ONNX, cache_dir=tmp_path).embed([long, "short"])
    reference = Embedder(backend=SENTENCE_TRANSFORMERS).embed([long, "short"])
    assert ((onnx * reference).sum(axis=1) >= 0.9999).all()
