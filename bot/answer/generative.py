"""Generative answers through a LangChain chat model, checked against the passages it was given.

`NEWSDESK_LLM` names the model the LangChain way (`openai:gpt-4o-mini`, `ollama:qwen2.5:7b`);
`NEWSDESK_LLM_BASE_URL` points an OpenAI-compatible provider at a local server. The model sees
numbered, fenced passages and must cite them as `[n]`. Its reply is then checked: citation
numbers that match no passage are removed, uncited sentences are dropped (or flagged, with
`NEWSDESK_STRICT_CITATIONS=false`), and each surviving citation gets an exact quote cut from
the article. If nothing cited survives, or the model is down, slow or talks nonsense, the
extractive answer is returned instead, with a one-line note saying why.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.prompts import PromptTemplate

from bot.answer.citing import best_quote, cite
from bot.answer.extractive import ExtractiveAnswerer
from bot.answer.question import analyse, is_follow_up, question_parts, spell_out
from bot.answer.types import Answer, Answerer, Citation, Conversation
from bot.settings import PROMPTS_DIR, LLMSettings
from retrieval.text.sentences import sentence_spans
from retrieval.types import Hit, SearchFilters

log = logging.getLogger("newsdesk.llm")
NO_EVIDENCE = "NO_EVIDENCE"
_MARKERS = re.compile(r"\[(\d+)\]")
_UNCITED_FLAG = " [uncited]"


class LLMError(RuntimeError):
    """The language model could not give a usable answer (down, slow, or garbage)."""


@cache
def prompt(name: str) -> PromptTemplate:
    return PromptTemplate.from_file(PROMPTS_DIR / f"{name}.txt", encoding="utf-8")


def system_prompt() -> str:
    return (PROMPTS_DIR / "system.txt").read_text(encoding="utf-8")


def answerer_for(settings: LLMSettings, extractive: ExtractiveAnswerer) -> Answerer:
    """The configured answerer: extractive unless NEWSDESK_LLM names a chat model."""
    if not settings.llm:
        return extractive
    return GenerativeAnswerer(settings, extractive)


def make_chat_model(settings: LLMSettings):
    from langchain.chat_models import init_chat_model

    options: dict[str, Any] = {"temperature": 0, "timeout": settings.llm_timeout_s}
    provider = settings.llm.split(":", 1)[0] if settings.llm else ""
    if provider == "openai":
        options["max_retries"] = 0
        if settings.llm_base_url:
            options["base_url"] = settings.llm_base_url
            options["api_key"] = settings.llm_api_key or "not-needed"
        elif settings.llm_api_key:
            options["api_key"] = settings.llm_api_key
    elif settings.llm_base_url:
        options["base_url"] = settings.llm_base_url
    return init_chat_model(settings.llm, **options)


def fence(text: str) -> str:
    """Article text inside <passage> tags can never close the tag itself."""
    return text.replace("<passage", "‹passage").replace("</passage", "‹/passage")


@dataclass(frozen=True)
class Passage:
    """What the model is shown as `<passage n=…>`, and how a citation of it is made."""

    title: str
    published: dt.date | None
    text: str
    cite: Callable[[int, list[str]], Citation]  # (n, the claims made of it) → Citation

    @property
    def date_text(self) -> str:
        return self.published.isoformat() if self.published else "undated"


class GenerativeAnswerer:
    """Answers with a chat model, keeping the extractive answerer's guarantees."""

    def __init__(self, settings: LLMSettings, extractive: ExtractiveAnswerer, model=None) -> None:
        self.settings = settings
        self.extractive = extractive  # the fallback, and the renderer of what was found
        self.router, self.searcher = extractive.router, extractive.searcher
        self._model = model

    @property
    def name(self) -> str:
        return f"llm ({self.settings.llm})"

    @property
    def model(self):
        if self._model is None:
            self._model = make_chat_model(self.settings)
        return self._model

    def answer(
        self,
        question: str,
        conversation: Conversation | None = None,
        filters: SearchFilters | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> Answer:
        try:
            standalone = self.standalone(question, conversation)
            standalone = spell_out(standalone, self.extractive.in_archive)
        except LLMError as err:
            return self._fallback(question, conversation, filters, err)
        parts = question_parts(standalone)
        routes = self.extractive.route_parts(parts, filters) if parts else None
        if routes:  # two questions in one: the passages each part found, phrased together
            whole = self.extractive.answer_parts(question, standalone, routes)
            if whole is not None:
                hits = _distinct([hit for _, routed in routes for hit in routed.hits])
                passages = [self._chunk_passage(hit) for hit in hits]
                return self._generated(
                    question, standalone, passages, on_token, lambda: whole, conversation, filters
                )
        routed = self.router.route(question, analyse(standalone), standalone, filters)
        spoken = routed.spoken
        if spoken is not None:
            if not spoken.found:
                return spoken
            return self._generated(question, standalone, quotations(spoken), on_token,
                                   lambda: spoken, conversation, filters)  # fmt: skip
        if not routed.found:
            return self.extractive.no_evidence(question, standalone)
        composed = self.extractive.compose(question, standalone, routed)
        if not composed.found:  # no sentence answers it: the same refusal as without a model
            return composed
        hits = routed.hits
        if routed.asked:  # a refused speech question: only passages naming the person answer
            hits = _holding(hits, composed.citations)
            if not hits:  # cited across a passage's edge: the extractive answer is the answer
                return composed
        passages = [self._chunk_passage(hit) for hit in hits]
        return self._generated(
            question, standalone, passages, on_token, lambda: composed, conversation, filters
        )

    def _generated(
        self,
        question: str,
        standalone: str,
        passages: list[Passage],
        on_token: Callable[[str], None] | None,
        extractive: Callable[[], Answer],
        conversation: Conversation | None,
        filters: SearchFilters | None,
    ) -> Answer:
        """The model's answer over `passages`, checked; else the extractive one with a note."""
        try:
            reply = self.generate(standalone, passages, on_token)
        except LLMError as err:
            return self._fallback(question, conversation, filters, err)
        if reply.strip() == NO_EVIDENCE or reply.strip().startswith(NO_EVIDENCE):
            return self.extractive.no_evidence(question, standalone)
        checked = self.check(question, standalone, reply, passages)
        if checked is None:
            note = "The language model's answer cited no passage; showing quoted passages instead."
            return _with_note(extractive(), note)
        return checked

    def _chunk_passage(self, hit: Hit) -> Passage:
        def cite_claims(n: int, claims: list[str]) -> Citation:
            article = self.searcher.articles([hit.chunk.article_id])[hit.chunk.article_id]
            start, end = best_quote(article, hit.chunk, " ".join(claims))
            return cite(n, article, start, end)

        return Passage(hit.chunk.title, hit.chunk.published, hit.chunk.text, cite_claims)

    # -- steps -----------------------------------------------------------------------
    def standalone(self, question: str, conversation: Conversation | None) -> str:
        """Rewrite a follow-up into a standalone question with the model's help."""
        previous = conversation.last if conversation else None
        if not previous or not is_follow_up(analyse(question)):
            return question
        history = "\n".join(
            f"User: {turn.question}\nAssistant: {turn.answer.text}"
            for turn in conversation.turns[-3:]
        )
        text = self._invoke(
            [HumanMessage(prompt("condense").format(history=history, question=question))]
        )
        rewritten = text.strip().strip('"').splitlines()[0].strip() if text.strip() else ""
        return rewritten or question

    def messages(self, question: str, passages: list[Passage]) -> list:
        fenced = "\n\n".join(
            f'<passage n="{n}" title="{fence(p.title)}" date="{p.date_text}">\n'
            f"{fence(p.text)}\n</passage>"
            for n, p in enumerate(passages, start=1)
        )
        return [
            SystemMessage(system_prompt()),
            HumanMessage(prompt("answer").format(question=question, passages=fenced)),
        ]

    def generate(
        self, question: str, passages: list[Passage], on_token: Callable[[str], None] | None
    ) -> str:
        messages = self.messages(question, passages)
        if on_token is None:
            return self._invoke(messages)
        parts: list[str] = []
        try:
            for chunk in self.model.stream(messages):
                token = _text_of(chunk.content)
                if token:
                    parts.append(token)
                    on_token(token)
        except Exception as err:
            raise LLMError(_describe(err)) from err
        return _validated("".join(parts))

    def check(
        self, question: str, standalone: str, reply: str, passages: list[Passage]
    ) -> Answer | None:
        """Keep cited sentences (valid numbers only), renumber, attach exact quotes."""
        sentences = [reply[s:e] for s, e in sentence_spans(reply)]
        kept: list[tuple[str, list[int]]] = []
        for sentence in sentences:
            numbers = [int(n) for n in _MARKERS.findall(sentence)]
            valid = [n for n in numbers if 1 <= n <= len(passages)]
            body = _MARKERS.sub("", sentence).strip()
            body = re.sub(r"\s+([.,;:!?])", r"\1", body)
            if not body:
                continue
            if valid:
                kept.append((body, list(dict.fromkeys(valid))))
            elif not self.settings.strict_citations:
                kept.append((body + _UNCITED_FLAG, []))
        if not any(numbers for _, numbers in kept):
            return None
        renumber: dict[int, int] = {}
        claims: dict[int, list[str]] = {}
        for body, numbers in kept:
            for n in numbers:
                renumber.setdefault(n, len(renumber) + 1)
                claims.setdefault(n, []).append(body)
        citations = [passages[n - 1].cite(renumber[n], claims[n]) for n in renumber]
        text = " ".join(
            body + "".join(f" [{renumber[n]}]" for n in numbers) for body, numbers in kept
        )
        return Answer(question, text, True, tuple(citations), standalone)

    # -- helpers ---------------------------------------------------------------------
    def _invoke(self, messages: list) -> str:
        try:
            reply = self.model.invoke(messages)
        except Exception as err:
            raise LLMError(_describe(err)) from err
        return _validated(_text_of(reply.content))

    def _fallback(
        self,
        question: str,
        conversation: Conversation | None,
        filters: SearchFilters | None,
        err: LLMError,
    ) -> Answer:
        log.warning("language model failed, answering extractively: %s", err)
        answer = self.extractive.answer(question, conversation, filters)
        note = f"The language model is unavailable ({err}); showing quoted passages instead."
        return _with_note(answer, note)


def _with_note(answer: Answer, note: str) -> Answer:
    return replace(answer, note=note)


def _text_of(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return ""


def _validated(text: str) -> str:
    """Reject replies that are not prose: empty, or mostly non-text bytes."""
    stripped = text.strip()
    if not stripped:
        raise LLMError("empty reply")
    letters = sum(ch.isalpha() for ch in stripped)
    if letters < 0.4 * len(stripped):
        raise LLMError("unreadable reply")
    return stripped


def _describe(err: Exception) -> str:
    name = type(err).__name__
    if "Timeout" in name:
        return "timed out"
    status = getattr(err, "status_code", None)
    if status:
        return f"HTTP {status}"
    if "Connection" in name:
        return "cannot connect"
    return name


def quotations(spoken: Answer) -> list[Passage]:
    """A person's answer as passages: each is one of their quotations, cited as it stands
    (with its speaker), so the model can only ever cite that person's own words."""
    sources = [*spoken.citations, *spoken.more]
    return [
        Passage(c.title, c.published, c.quote, lambda n, _claims, c=c: replace(c, n=n))
        for c in sources
    ]


def _distinct(hits: list[Hit]) -> list[Hit]:
    """Each passage once, in the order found."""
    seen: set[str] = set()
    return [h for h in hits if not (h.chunk.id in seen or seen.add(h.chunk.id))]


def _holding(hits: list[Hit], citations: tuple[Citation, ...]) -> list[Hit]:
    """The passages that hold a sentence the extractive answer cited: what the model may
    phrase when only some passages may answer (those naming whom the question asked about)."""
    return [h for h in hits if any(c.quote in h.chunk.text for c in citations)]
