"""Configuration: NEWSDESK_* variables and an optional .env; Slack secrets only from the env."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.interfaces.slack_app import SlackSecrets
from bot.settings import Settings


def test_env_file_and_path_lists(tmp_path: Path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "NEWSDESK_TOP_K=3\nNEWSDESK_ARTICLES_DIRS=/srv/a:/srv/b\nNEWSDESK_SLACK_ADMINS=U1, U2\n"
    )
    monkeypatch.delenv("NEWSDESK_TOP_K", raising=False)
    settings = Settings(_env_file=env_file)
    assert settings.top_k == 3
    assert settings.articles_dirs == [Path("/srv/a"), Path("/srv/b")]
    assert settings.slack_admins == ["U1", "U2"]


def test_environment_wins_over_env_file(tmp_path: Path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("NEWSDESK_TOP_K=3\n")
    monkeypatch.setenv("NEWSDESK_TOP_K", "5")
    assert Settings(_env_file=env_file).top_k == 5


def test_short_collection_name_is_refused_with_the_rule(monkeypatch):
    with pytest.raises(ValidationError, match="3 characters"):
        Settings(_env_file=None, collection="ab")


def test_slack_tokens_come_only_from_the_environment_and_never_print(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\n")
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    assert SlackSecrets().slack_bot_token is None
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-secret-value")
    secrets = SlackSecrets()
    assert secrets.slack_bot_token.get_secret_value() == "xoxb-secret-value"
    assert "xoxb-secret-value" not in repr(secrets) and "xoxb-secret-value" not in str(secrets)
