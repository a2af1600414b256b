"""Chunks carry exact offsets and paragraph numbers, sized for the model."""

from retrieval.ingest.chunking import Chunker
from retrieval.ingest.formats import read_articles
from retrieval.settings import SEEDS_DIR


def seed_article(name: str = "002_4d1c700f71ed2180.txt"):
    return read_articles(SEEDS_DIR / name, SEEDS_DIR, 10_000_000).articles[0]


def test_chunk_text_is_the_exact_slice_of_the_article():
    article = seed_article()
    for chunk in Chunker().split(article):
        assert article.text[chunk.char_start : chunk.char_end] == chunk.text
        assert chunk.article_id == article.id and chunk.published == article.published


def test_chunks_fit_the_model_window_and_cover_the_article():
    article = seed_article()
    chunks = Chunker(chunk_size=700).split(article)
    assert all(len(c.text) <= 700 for c in chunks)
    covered = "".join(article.text[c.char_start : c.char_end] for c in chunks)
    assert sum(len(p) for p in article.text.split()) <= len(covered.replace(" ", "")) + 50


def test_paragraph_numbers_point_at_the_right_paragraph():
    article = seed_article()
    chunks = Chunker().split(article)
    holding = [c for c in chunks if "It is definitely a possibility" in c.text]
    assert holding and all(c.paragraph_start <= 6 <= c.paragraph_end for c in holding)


def test_long_paragraph_is_split_on_sentence_boundaries():
    article = seed_article()
    long_text = " ".join(["The minister said the talks had failed again."] * 40)
    article = type(article)(**{**article.__dict__, "text": long_text, "paragraphs": ()})
    from retrieval.ingest.paragraphs import split_paragraphs

    article = type(article)(**{**article.__dict__, "paragraphs": split_paragraphs(long_text)})
    chunks = Chunker(chunk_size=300, chunk_overlap=50).split(article)
    assert len(chunks) > 3
    assert all(c.text.endswith(".") for c in chunks)
    assert all(c.paragraph_start == c.paragraph_end == 1 for c in chunks)


def test_chunk_ids_are_stable_across_runs():
    article = seed_article()
    assert [c.id for c in Chunker().split(article)] == [c.id for c in Chunker().split(article)]
