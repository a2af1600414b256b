"""Generative answers through LangChain chat models (filled in by the LLM issue)."""

from __future__ import annotations

from bot.answer import ExtractiveAnswerer
from retrieval.settings import Settings


def answerer_for(settings: Settings, extractive: ExtractiveAnswerer):
    """The configured answerer: extractive unless NEWSDESK_LLM names a chat model."""
    return extractive
