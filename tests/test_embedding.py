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


def test_sentence_vectors_are_read_in_their_passage_by_either_backend(tmp_path):
    """`embed_with_spans`: one pass over a passage gives its vector and one per sentence
    (the mean of the sentence's own token states); both backends agree, the passage
    vector is `embed`'s, and the sentence is closer to a question it answers than the
    passage is."""
    passage = " ".join(real_sentences(6)[:6])
    spans = sentence_spans(passage)
    onnx = Embedder(backend=ONNX, cache_dir=tmp_path)
    vectors, per_text = onnx.embed_with_spans([passage], [spans])
    _, reference_spans = Embedder(backend=SENTENCE_TRANSFORMERS).embed_with_spans(
        [passage], [spans]
    )
    assert per_text[0].shape == (len(spans), 384)
    assert ((per_text[0] * reference_spans[0]).sum(axis=1) >= 0.999).all()
    assert float(vectors[0] @ onnx.embed([passage])[0]) >= 0.9999
    assert np.allclose(np.linalg.norm(per_text[0], axis=1), 1.0, atol=1e-5)


def test_a_sentence_past_the_encoders_reach_gets_no_vector(tmp_path):
    long = " ".join(["The minister said the talks had failed again."] * 60)
    spans = sentence_spans(long)
    _, per_text = Embedder(backend=ONNX, cache_dir=tmp_path).embed_with_spans([long], [spans])
    assert per_text[0][0].any() and not per_text[0][-1].any()  # 256 tokens, then nothing
