"""The layering holds: the import-linter contracts of pyproject.toml, checked in every run.

Data flows one way (articles → store → search → answer → interface): `retrieval` never
imports `bot`; inside each, the stages (retrieval: ingest and search over the indexes, the
store, the text tools and types; bot: interfaces over the service over answering) import
downward only; `bot` never talks to Chroma itself, and the store's parts stand on its
records. A change that breaks one fails here with the import chain that breaks it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from importlinter.cli import EXIT_STATUS_SUCCESS
from importlinter.cli import lint_imports as _lint_imports

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def lint_imports(**options) -> int:
    """import-linter in this process, without its side effect on everyone else's logging:
    its `dictConfig` disables every logger that exists by then (the Slack app's among them,
    when an earlier test made one), which later tests of what gets logged rely on."""
    enabled = [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.disabled
    ]
    try:
        return _lint_imports(**options)
    finally:
        for logger in enabled:
            logger.disabled = False


def test_the_import_contracts_are_kept(tmp_path, capsys):
    status = lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert status == EXIT_STATUS_SUCCESS, report
    assert "0 broken" in report and "6 kept" in report


def test_a_broken_layer_is_caught(tmp_path, capsys, monkeypatch):
    """The contracts are live: a config that forbids what the code does is reported broken."""
    broken = tmp_path / "pyproject.toml"
    broken.write_text(
        '[tool.importlinter]\nroot_packages = ["bot", "retrieval"]\n\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "upside down"\ntype = "layers"\nlayers = ["retrieval", "bot"]\n'
    )
    monkeypatch.chdir(PYPROJECT.parent)
    status = lint_imports(config_filename=str(broken), no_cache=True, no_logo=True)
    assert status != EXIT_STATUS_SUCCESS
    assert "BROKEN" in capsys.readouterr().out


def test_no_module_of_bot_builds_a_chroma_filter():
    """`bot/` asks `retrieval` for evidence; how Chroma is filtered ("$in", "$and") is
    retrieval's business, so a change of store never reaches the answerers."""
    import ast

    builders = []
    for path in sorted((PYPROJECT.parent / "bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
                if any(isinstance(k, str) and k.startswith("$") for k in keys):
                    builders.append(f"{path.relative_to(PYPROJECT.parent)}:{node.lineno}")
    assert not builders, f"Chroma filters built in bot/: {builders}"


MAX_MODULE_LINES = 500


def test_no_module_is_too_long_to_read_whole():
    """A module a reader cannot hold at once has more than one idea in it: split it."""
    root = PYPROJECT.parent
    long = [
        f"{path.relative_to(root)}: {lines} lines"
        for package in ("bot", "retrieval")
        for path in sorted((root / package).rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    ]
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_the_public_api_resolves_and_importing_it_loads_nothing_heavy():
    """`import retrieval, bot` names the public API (each name importable) without loading
    spaCy, Chroma or the feeds' HTTP client: a caller pays only for what it uses."""
    import subprocess
    import sys

    script = (
        "import sys, bot, retrieval\n"
        "heavy = [m for m in ('spacy', 'chromadb', 'httpx', 'torch') if m in sys.modules]\n"
        "print(heavy)\n"
        "for package in (bot, retrieval):\n"
        "    for name in package.__all__:\n"
        "        getattr(package, name)\n"
        "print('resolved')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=PYPROJECT.parent
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["[]", "resolved"]
