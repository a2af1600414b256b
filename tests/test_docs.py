"""The docs keep up with the code: every setting and every command is in the configuration
reference, the README stays a short guide, and every relative link lands on a file (and a
heading, when it names one)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import typer.main
from pydantic_settings import BaseSettings

from bot.interfaces import cli
from bot.interfaces.commands import CLI, COMMANDS, REPL, SLACK

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
DOCS = REPO / "docs"
CONFIGURATION = DOCS / "configuration.md"
PAGES = [README, *sorted(DOCS.glob("*.md"))]

README_MAX_BYTES = 12_000  # issue 34: the README is a short guide; the rest lives in docs/
SETTINGS_MODULES = ("retrieval.settings", "bot.settings")
SOURCE_DIRS = ("bot", "retrieval")
SETTING_NAME = re.compile(r"\bNEWSDESK_[A-Z][A-Z0-9_]*[A-Z0-9]\b")
# How a command is written on each surface, as the configuration reference shows it.
SURFACE_FORMS = {CLI: "`newsdesk {}", REPL: "`/{}", SLACK: "`/newsdesk {}"}

FENCED_BLOCK = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def settings_classes() -> set[type[BaseSettings]]:
    """Every pydantic-settings class the settings modules define or combine."""
    found = set()
    for module_name in SETTINGS_MODULES:
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseSettings):
                found.add(value)
    return found - {BaseSettings}


def setting_names_of(settings: type[BaseSettings]) -> set[str]:
    """The environment variable of each field: its alias, else the class's prefix + name."""
    prefix = settings.model_config.get("env_prefix", "")
    names = set()
    for field_name, field in settings.model_fields.items():
        alias = field.validation_alias or field.alias
        names.add((alias if isinstance(alias, str) else prefix + field_name).upper())
    return names


def setting_names_in_source() -> set[str]:
    """`NEWSDESK_*` names written out in the code (messages, docstrings, bench environments)."""
    names = set()
    for folder in SOURCE_DIRS:
        for path in (REPO / folder).rglob("*.py"):
            names |= set(SETTING_NAME.findall(path.read_text(encoding="utf-8")))
    return names


def cli_commands() -> list[str]:
    """Every command of the `newsdesk` CLI as typed, subcommands included: `feeds add`."""
    found = []

    def walk(group, words: list[str]) -> None:
        for name, command in getattr(group, "commands", {}).items():
            if getattr(command, "commands", None):
                walk(command, [*words, name])
            else:
                found.append(" ".join([*words, name]))

    walk(typer.main.get_command(cli.app), [])
    return found


def prose(text: str) -> str:
    """The text without code blocks and code spans, where brackets are not links."""
    return INLINE_CODE.sub("", FENCED_BLOCK.sub("", text))


def slug(heading: str) -> str:
    """A heading's anchor the way GitHub makes it: lower case, punctuation dropped, spaces
    to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "").lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    for heading in HEADING.findall(FENCED_BLOCK.sub("", page.read_text(encoding="utf-8"))):
        base = slug(heading)
        anchor, n = base, 0
        while anchor in found:
            n += 1
            anchor = f"{base}-{n}"
        found.add(anchor)
    return found


def relative_links(page: Path) -> list[tuple[str, Path, str]]:
    """(link as written, the file it names, its #anchor or "") for each relative link."""
    links = []
    for target in LINK.findall(prose(page.read_text(encoding="utf-8"))):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        links.append((target, (page.parent / path).resolve() if path else page, anchor))
    return links


def test_every_setting_is_in_the_configuration_reference():
    classes = settings_classes()
    assert {"StoreSettings", "AnswerSettings", "LLMSettings", "SlackSettings"} <= {
        c.__name__ for c in classes
    }
    names = set().union(*map(setting_names_of, classes)) | setting_names_in_source()
    reference = CONFIGURATION.read_text(encoding="utf-8")
    missing = sorted(name for name in names if f"`{name}`" not in reference)
    assert not missing, f"settings missing from docs/configuration.md: {', '.join(missing)}"


def test_every_command_is_in_the_configuration_reference():
    reference = CONFIGURATION.read_text(encoding="utf-8")
    missing = [
        SURFACE_FORMS[surface].format(command.name) + "`"
        for command in COMMANDS.values()
        for surface in sorted(command.surfaces)
        if SURFACE_FORMS[surface].format(command.name) not in reference
    ]
    assert not missing, f"commands missing from docs/configuration.md: {', '.join(missing)}"


def test_every_cli_command_is_in_the_configuration_reference():
    reference = CONFIGURATION.read_text(encoding="utf-8")
    commands = cli_commands()
    assert "feeds add" in commands
    missing = [f"newsdesk {c}" for c in commands if f"`newsdesk {c}" not in reference]
    assert not missing, f"CLI commands missing from docs/configuration.md: {', '.join(missing)}"


def test_readme_is_a_short_guide():
    size = README.stat().st_size
    assert size <= README_MAX_BYTES, (
        f"README.md is {size:,} bytes, over {README_MAX_BYTES:,}: move the detail to docs/"
    )


def test_relative_links_land_on_files():
    broken = [
        f"{page.relative_to(REPO)}: {target}"
        for page in PAGES
        for target, path, _ in relative_links(page)
        if not path.exists()
    ]
    assert not broken, "links to missing files:\n" + "\n".join(broken)


def test_links_to_a_heading_name_one_that_exists():
    broken = [
        f"{page.relative_to(REPO)}: {target}"
        for page in PAGES
        for target, path, anchor in relative_links(page)
        if anchor and path.suffix == ".md" and path.exists() and anchor not in anchors(path)
    ]
    assert not broken, "links to missing headings:\n" + "\n".join(broken)


def test_every_docs_page_links_back_to_the_readme():
    orphans = [
        page.name
        for page in DOCS.glob("*.md")
        if not any(path == README for _, path, _ in relative_links(page))
    ]
    assert not orphans, f"docs pages with no link to the README: {', '.join(orphans)}"
