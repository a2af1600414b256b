"""Quote marks and quotations: which sentences stand inside a quotation, and which of them a
cue (`retrieval.ingest.attribution`) or the paragraph before gives a speaker.

Curly marks say which way they face; straight ones are read by their neighbours; a
quotation runs over sentences and, by the newsroom convention of a paragraph that opens
with a quote mark, over paragraphs.
"""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.ingest.doc_index import entity_of, once
from retrieval.text.sentences import DASHES, NAMED_AFTER_DASH, sentence_spans
from retrieval.types import BODY_KINDS, PERSON, Quote, Speaker

OPEN_QUOTES = "“‘«"


CLOSE_QUOTES = "”’»"


STRAIGHT = '"'


DASH_CHARS = DASHES + "-"


PULL_QUOTE_CUE = "—"  # the cue of "“…” ― Jacklyn Ashley": a signed quotation, never carried


@dataclass
class Sentence:
    start: int
    end: int
    inside_at_start: bool
    inside_at_end: bool
    has_marks: bool
    colon: bool  # ends with ":" — introduces a quotation in the next paragraph
    opens_quote: bool  # starts with a quote mark
    named_after: bool = False  # a pull quote's "”― Name": its own speaker, or no one
    cue: tuple[Speaker | None, str, str] | None = None  # (speaker, mention, cue lemma)


def sentences_of(text: str, start: int, end: int, continues: bool) -> list[Sentence]:
    """The paragraph's sentences with their quotation state (inside quote marks or not).

    A paragraph continues an open quotation only when it opens with a quote mark — the
    newsroom convention for a quotation that runs over several paragraphs.
    """
    opening = text[start:end].lstrip()[:1] in OPEN_QUOTES + STRAIGHT
    inside = continues and opening
    skip_first_mark = inside  # the mark that re-opens a continued quotation toggles nothing
    result = []
    for s, e in sentence_spans(text, start, end):
        piece = text[s:e]
        at_start = inside
        for index, ch in enumerate(piece):
            if skip_first_mark and ch in OPEN_QUOTES + STRAIGHT:
                skip_first_mark = False
                continue
            if ch == "’" and inside and piece.endswith("’"):
                inside = False  # ’ is an apostrophe too: it closes only at the sentence's end
            elif ch == STRAIGHT:
                before, after = text[s + index - 1 : s + index], text[s + index + 1 : s + index + 2]
                inside = _after_straight(inside, _spaced(before), _spaced(after, closing=True))
            else:
                inside = _after_mark(inside, ch)
        marks = any(ch in OPEN_QUOTES + STRAIGHT + "”" for ch in piece)
        colon = piece.rstrip().endswith(":")
        opens = piece[:1] in OPEN_QUOTES + STRAIGHT
        named_after = bool(NAMED_AFTER_DASH.search(piece))
        result.append(
            Sentence(s, e, at_start, inside, marks or at_start, colon, opens, named_after)
        )
    return result


def attribute(sentences: list[Sentence], carried: Carried | None) -> list[Quote]:
    """Quotes of one paragraph: cue sentences, and the quotation sentences around them.

    `carried` is the previous paragraph's quoting speaker, given when this paragraph opens
    with a quote mark: its first quotation, unattributed, is that speaker's (the newsroom
    convention for a quotation over several paragraphs, or one more quote from the same
    person).
    """
    quotes: list[Quote] = []
    runs = _quotation_runs(sentences)
    previous: tuple | None = None  # the speaker of the paragraph's last attributed run
    for index, run in enumerate(runs):
        speaker = next((s.cue for s in run if s.cue and s.has_marks), None)
        if speaker is None and any(s.named_after for s in run):
            previous = None  # "“…” ― Pamela Padilla": hers, never the last speaker's
            continue
        if speaker is None and index == 0 and carried is not None:
            speaker = (carried.speaker, carried.mention, "")
        opens_with_quote = run[0].has_marks and run[0].inside_at_start is False and _opens(run[0])
        signed = previous is not None and previous[2] == PULL_QUOTE_CUE  # "“…” ― Name"
        if speaker is None and index > 0 and previous is not None and opens_with_quote:
            speaker = None if signed else previous  # "X said … . “More of X's words.”"
        own_cue = next((s.cue for s in run if s.cue), None)
        previous = speaker or own_cue
        for sentence in run:
            if sentence.cue:
                who, mention, cue = sentence.cue
                kind = "direct" if sentence.has_marks else "reported"
                quotes.append(Quote(sentence.start, sentence.end, who, mention, cue, kind))
            elif speaker and sentence.has_marks:
                who, mention, _ = speaker
                quotes.append(Quote(sentence.start, sentence.end, who, mention, "", "continued"))
    return quotes


def _opens(sentence: Sentence) -> bool:
    return sentence.opens_quote


def _quotation_runs(sentences: list[Sentence]) -> list[list[Sentence]]:
    """Sentences grouped so that one quotation (open → close) is one group."""
    runs: list[list[Sentence]] = []
    for sentence in sentences:
        if runs and runs[-1][-1].inside_at_end and sentence.inside_at_start:
            runs[-1].append(sentence)
        else:
            runs.append([sentence])
    return runs


@dataclass(frozen=True)
class Carried:
    speaker: Speaker | None
    mention: str
    open: bool  # the quotation is still open at the paragraph's end


def carried_over(
    sentences: list[Sentence], quotes: list[Quote], carried: Carried | None
) -> Carried | None:
    """What the next paragraph may continue: a quotation still open at this paragraph's end,
    one introduced by a colon ("Asif said:"), or a last sentence quoting a named speaker."""
    if not sentences or sentences[-1].named_after:
        return None  # "“…” ― Christina N Luis Olidem": signed, so the next one is not hers
    last = sentences[-1]
    own = [q for q in quotes if q.start >= sentences[0].start and q.speaker is not None]
    last_quoted = bool(own) and own[-1].start == last.start and last.has_marks
    if last.inside_at_end or (last.cue is not None and last.colon) or last_quoted:
        if own:
            return Carried(own[-1].speaker, own[-1].mention, last.inside_at_end)
        if carried is not None and last.inside_at_end and sentences[0].inside_at_start:
            return Carried(carried.speaker, carried.mention, True)
    return None


def named_after_dash(doc, offset: int, sentence: Sentence) -> list:
    """The name signing a pull quote, `“…this low?” ― Jacklyn Ashley` (readers' reactions,
    interview transcripts): the parse's person or body right after the dash, as its root
    token (the parse may take the dash into the name)."""
    start = sentence.start - offset
    text = doc.text[start : sentence.end - offset]
    found = []
    for match in NAMED_AFTER_DASH.finditer(text):
        at = start + match.end()
        name = doc.char_span(at, at + 1, alignment_mode="expand")
        entity = entity_of(name[0]) if name is not None and len(name) else None
        if entity is not None and (entity.label_ == PERSON or entity.label_ in BODY_KINDS):
            found.append(entity.root)
    return found


SIGNATURE_MAX_WORDS = 10  # "Norman Ornstein, American Enterprise Institute"


def signature_of(pieces: list, text: str, context) -> Speaker | None:
    """A line that only names who spoke the quotation above it: `Norman Ornstein, American
    Enterprise Institute` (pull quotes, transcripts): short, no quote marks, opening with a
    person's name (after a dash, if any) and holding no verb."""
    if len(pieces) != 1:
        return None
    piece, doc = pieces[0]
    line = text[piece.start : piece.end]
    if len(line.split()) > SIGNATURE_MAX_WORDS or any(c in line for c in OPEN_QUOTES + STRAIGHT):
        return None
    if any(token.pos_ in ("VERB", "AUX") for token in doc):
        return None
    first = doc.ents[0] if doc.ents else None
    lead = line[: first.start_char].strip(DASH_CHARS + " ") if first is not None else line
    if first is None or first.label_ != PERSON or lead:
        return None
    return context.person(first.text)


def inside_quote_marks(doc, token) -> bool:
    """Is `token` between quote marks within its paragraph (a speaker inside a quotation)?"""
    return once(doc, "inside_quote_marks", _quotation_states)[token.i]


def _quotation_states(doc) -> list[bool]:
    """Inside a quotation or not before each token of the doc, read in one pass."""
    states, inside = [], False
    for other in doc:
        states.append(inside)
        if other.text == STRAIGHT:
            before = other.i == 0 or bool(doc[other.i - 1].whitespace_)
            after = bool(other.whitespace_) or other.i + 1 == len(doc)
            after = after or _spaced(doc[other.i + 1].text[:1], closing=True)
            inside = _after_straight(inside, before, after)
        else:
            inside = _after_mark(inside, other.text)
    return states


def _spaced(char: str, closing: bool = False) -> bool:
    """Is a straight mark's neighbour a gap: the text's edge, a space, or (after the mark)
    punctuation that ends a clause?"""
    return not char or char.isspace() or (closing and char in ",.;:!?)]")


def _after_straight(inside: bool, gap_before: bool, gap_after: bool) -> bool:
    """A straight mark faces the way its neighbours say: ` "We` opens, `it," he` closes;
    written solid on both sides or spaced on both, it turns the state over. Reuters copy
    often drops the opening mark of a quotation's last paragraph ("…takeovers," Ward said):
    read by its neighbours, that mark closes and does not open a quotation that never ends."""
    if gap_before and not gap_after:
        return True
    if gap_after and not gap_before:
        return False
    return not inside


def _after_mark(inside: bool, mark: str) -> bool:
    """Inside a quotation after `mark`? Curly marks say which way they face (’ is left alone:
    it is mostly an apostrophe); a straight one turns the state over."""
    if mark in OPEN_QUOTES:
        return True
    if mark in CLOSE_QUOTES and mark != "’":
        return False
    return not inside if mark == STRAIGHT else inside
