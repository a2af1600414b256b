"""Which of the archive's speakers a question asks about, looked up rather than cut out.

People type a person in any form: "Asif", "Mr Asif", "khawaja asif's", a typo ("Khawja
Asif"), or a role the archive binds to someone ("the defence minister", "the Taliban
spokesman"); and in any frame: "What did X say about Y", "any quotes from x on y", "X on Y -
what did they say?", "…, according to X?". A regular expression around the verb takes the
wrong span as often as not ("Asif post on X to"). So every word n-gram of the question is
looked up in the archive's own tables (speaker and surname records, the role table built at
ingest; reads by id), and the mention standing where a question puts its person wins:

- after "according to", after "from" in "quotes from", before a possessive ("X's comments"),
  after the auxiliary of "did X say" or at the head of "X on Y";
- not inside the topic ("What did Asif say about Mujahid?" asks Asif).

The rest of the question is the topic. A role several people held is kept with all of them:
their quotes are ranked on the topic and each is cited under its own name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.answer.question import STOPWORDS, Question, topic_terms
from retrieval.embedding.encoder import is_common_word
from retrieval.text.lexicon import lexicon, speech_verb_forms
from retrieval.text.names import body_key, matches, name_key
from retrieval.types import PERSON, Speaker

MAX_WORDS = 4  # the longest name or role looked up: "Defence Minister Khawaja Asif"
# Where a question puts its person, and how strongly each place says so:
AT_ACCORDING_TO = 4.0  # "…, according to the defence minister?"
AT_SLOT = 3.0  # "did X say", "quotes from X", "X's comments"
AT_HEAD = 1.5  # "X on Y - what did they say?"
IN_TOPIC = -4.0  # after "about"/"on": what is asked about, not who
PER_WORD = 0.5  # "Khawaja Asif" over "Asif"
HOW = {"name": 1.0, "body": 0.8, "role": 0.6, "surname": 0.5, "speaks for": 0.6}

_WORD = re.compile(r"[^\W\d_](?:[\w&-]|\.(?=\w))*\.?|\d[\d,.]*", re.UNICODE)
_POSSESSIVE = re.compile(r"^['’]s?\b")
_AUXILIARIES = lexicon()["auxiliaries"]
_SLOT_NOUNS = lexicon()["slot_nouns"]
_DETERMINERS = lexicon()["determiners"]
TOPIC_MARKERS = lexicon()["topic_markers"]
_SPOKESMAN = tuple(sorted(lexicon()["spokesman_titles"]))
_TELLING_VERBS = lexicon()["telling_verbs"]
# "… - what did they say?": the frame after a topic, not part of it (a headline's own dash is)
_FRAME_AFTER = re.compile(
    r"\s[-–—]\s*(?=(?:what|any|thoughts|quotes|comments|did|how)\b)|[?!]", re.I
)
_QUESTION_WORDS = STOPWORDS | lexicon()["request_words"]
_WEAK_MARKERS = frozenset({"to", "of"})  # topic markers that as often open a clause
_REACTING = lexicon()["reaction_words"]
_NO_ONE_ALONE = lexicon()["bare_roles"] | lexicon()["organisation_nouns"]


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int
    possessive: bool  # "Asif's": the word owns what follows


@dataclass(frozen=True)
class Mention:
    """Words of the question that name speakers of the archive."""

    first: int  # word index
    last: int  # word index, inclusive
    text: str  # as written
    how: str  # "name", "surname", "body" or "role"
    speakers: tuple[Speaker, ...]
    score: float = 0.0


@dataclass(frozen=True)
class Link:
    """The person (or role) a question asks about, resolved against the archive."""

    asked: str  # as written: "Asif", "the defence minister"
    speakers: tuple[Speaker, ...]
    how: str
    topic: str
    read_as: str | None = None  # a typo read as this name: "Khawaja Asif"


def typed_lower_case(words: list[Word]) -> bool:
    """Typed all in lower case (the first word aside): case then says nothing of names."""
    return not any(w.text[:1].isupper() for w in words[1:])


def words_of(text: str) -> list[Word]:
    words = []
    for match in _WORD.finditer(text):
        token = match.group(0)
        if token == "s" and text[match.start() - 1 : match.start()] in ("'", "’"):
            continue  # the "s" of "governor's": part of the possessive, not a word
        possessive = bool(_POSSESSIVE.match(text[match.end() :]))
        words.append(Word(token.rstrip(".") if token.count(".") == 1 else token,
                          match.start(), match.end(), possessive))  # fmt: skip
    return words


def ngrams(words: list[Word]) -> list[tuple[int, int, str]]:
    """(first, last, text) of every run of up to MAX_WORDS words that could be a name: no
    question word in it, but for a leading "the" or title ("the Bundesbank", "Mr Asif");
    a possessive ends it ("Asif's")."""
    runs = []
    for first in range(len(words)):
        lead = words[first].text.lower()
        if lead in _QUESTION_WORDS and lead not in _DETERMINERS:
            continue
        for last in range(first, min(len(words), first + MAX_WORDS)):
            if last > first and words[last].text.lower() in _QUESTION_WORDS:
                break
            if last > first or lead not in _DETERMINERS:
                runs.append((first, last, " ".join(w.text for w in words[first : last + 1])))
            if words[last].possessive:
                break
    return runs


def role_phrases(words: list[Word]) -> list[tuple[int, int, str]]:
    """Runs that may be a role: lower-cased, one to three words ("defence minister"); not
    one word that names no one on its own ("the group", "the minister": the article meant
    someone by it, the question means whoever it asks about)."""
    runs = []
    for first in range(len(words)):
        for last in range(first, min(len(words), first + 3)):
            phrase = " ".join(w.text.lower() for w in words[first : last + 1])
            if words[last].text.lower() in STOPWORDS:
                break
            if last > first or phrase not in _NO_ONE_ALONE:
                runs.append((first, last, phrase))
    return runs


def spoken_for(text: str, words: list[Word]) -> list[tuple[int, int, str]]:
    """ "Who speaks for the Afghan Taliban?" → the roles "afghan taliban spokesman",
    "taliban spokesman" (each over the words they stand for)."""
    match = re.search(r"\bspeaks?\s+for\s+(?:the\s+)?", text, re.I)
    if not match:
        return []
    after = [i for i, w in enumerate(words) if w.start >= match.end()]
    body = []
    for index in after:
        if words[index].text.lower() in STOPWORDS:
            break
        body.append(index)
    runs = []
    for first in body:
        phrase = " ".join(words[i].text.lower() for i in body if i >= first)
        runs += [(first, body[-1], f"{phrase} {title}") for title in _SPOKESMAN]
    return runs


def place_score(words: list[Word], first: int, last: int, lower_case_question: bool) -> float:
    """How strongly the place of words[first:last+1] says "this is who is asked about"."""
    opening = _past_possessor(words, first)  # "did the Fed's Manuel Johnson": from "did"
    before = [w.text.lower() for w in words[max(0, opening - 2) : opening]]
    if before and before[-1] in _DETERMINERS and opening >= 1:
        before = [w.text.lower() for w in words[max(0, opening - 3) : opening - 1]]
    score = 0.0
    if words[last].possessive and _owns_a_name(words, last):
        pass  # "Shell's" in "does Shell's Holmes expect": Holmes stands in the place
    elif before[-2:] == ["according", "to"]:
        score += AT_ACCORDING_TO
    elif (
        (before[-1:] and before[-1] in _AUXILIARIES)
        or (before[-1:] == ["from"] and len(before) >= 2 and before[-2] in _SLOT_NOUNS)
        or words[last].possessive
    ):
        score += AT_SLOT
    elif _heads_x_on_y(words, first, last):
        score += AT_HEAD
    marker = [w for w in words[:first] if w.text.lower() in TOPIC_MARKERS]
    if marker and score < AT_SLOT:
        score += IN_TOPIC
    if not lower_case_question and not any(w.text[:1].isupper() for w in words[first : last + 1]):
        score -= 1.0  # lower-case in a question that capitalises names
    return score


def _owns_a_name(words: list[Word], last: int) -> bool:
    """ "the Fed's Manuel Johnson", "Shell's Holmes": the possessor is where the person works,
    the name after it is the person (not "Asif's comments", "Asif's view")."""
    following = words[last + 1] if last + 1 < len(words) else None
    return following is not None and following.text[:1].isupper()


def _past_possessor(words: list[Word], first: int) -> int:
    """Where the phrase holding words[first] opens: before "the Fed's" in "did the Fed's
    Manuel Johnson say" (the person's place is the possessor's)."""
    at = first
    while at >= 1 and words[at - 1].possessive and _owns_a_name(words, at - 1):
        at -= 1
        while at >= 1 and _in_a_name(words[at - 1]):
            at -= 1
    return at


def _in_a_name(word: Word) -> bool:
    lowered = word.text.lower()
    return word.text[:1].isupper() and not word.possessive and lowered not in _QUESTION_WORDS


def _heads_x_on_y(words: list[Word], first: int, last: int) -> bool:
    """ "White on semiconductors - what did they say?": a name heading the question, right
    before "on" / "about"."""
    at_head = first == 0 or (first == 1 and words[0].text.lower() in _DETERMINERS)
    following = words[last + 1].text.lower() if last + 1 < len(words) else ""
    return at_head and following in ("on", "about", "re")


def plausible(words: list[Word], first: int, last: int, how: str, placed: float) -> bool:
    """A lone ordinary word ("price", "will", "young") names someone only where a question
    puts its person."""
    if how == "role" or last > first or placed >= AT_HEAD:
        return True
    word = words[first].text
    return (word[:1].isupper() and first > 0) or not is_common_word(word.lower())


def candidates(
    words: list[Word], named: list[Speaker], roles: dict[str, list[Speaker]], text: str
) -> list[Mention]:
    """Every n-gram of the question that names speakers of the archive, scored by place."""
    lower_case = typed_lower_case(words)
    found: list[Mention] = []
    for first, last, run in ngrams(words):
        people = tuple(s for s in named if s.kind == PERSON and matches(run, s))
        if people and first == last and given_name_before(words, first):
            continue  # "John Baker" is not James Baker: not a surname match
        bodies = tuple(s for s in named if s.kind != PERSON and body_key(run) == s.key)
        if not people and not bodies:
            continue
        how = _how_named(run) if people else "body"
        placed = place_score(words, first, last, lower_case)
        if not plausible(words, first, last, how, placed):
            continue
        score = placed + HOW[how] + PER_WORD * (last - first)
        found.append(Mention(first, last, run, how, people or bodies, score))
    for first, last, phrase in role_phrases(words) + spoken_for(text, words):
        holders = roles.get(phrase)
        if not holders:
            continue
        speaking_for = phrase.endswith(_SPOKESMAN) and phrase not in " ".join(
            w.text.lower() for w in words
        )
        placed = AT_SLOT if speaking_for else place_score(words, first, last, lower_case)
        score = placed + HOW["role"] + PER_WORD * len(phrase.split())
        how = "speaks for" if speaking_for else "role"
        found.append(Mention(first, last, phrase, how, tuple(holders), score))
    return sorted(found, key=lambda m: (-m.score, m.first))


def given_name_before(words: list[Word], index: int) -> bool:
    """Is the word before words[index] a given name ("John" in "John Baker")? Not a title,
    a question word or a determiner: "Mr Baker", "did baker", "the Bundesbank"."""
    if index == 0:
        return False
    before = words[index - 1].text
    lowered = before.lower().rstrip(".")
    if lowered in _QUESTION_WORDS or lowered in _DETERMINERS or lowered in lexicon()["titles"]:
        return False
    if words[index - 1].possessive or lowered in TOPIC_MARKERS or not before.isalpha():
        return False
    return before[:1].isupper() or typed_lower_case(words)


def surname_of_someone_else(words: list[Word], named: list[Speaker]) -> str | None:
    """ "John Baker" where the archive quotes only James Baker: the full name as written,
    when it stands where the question puts its person."""
    lower_case = typed_lower_case(words)
    for index, word in enumerate(words):
        if not given_name_before(words, index):
            continue
        if any(s.kind == PERSON and matches(word.text, s) for s in named):
            first = index - 1
            if place_score(words, first, index, lower_case) >= AT_HEAD:
                return f"{words[first].text} {word.text}"
    return None


def asked_at_slot(words: list[Word]) -> str | None:
    """The words standing where the question puts its person, whoever they are: "vladimir
    putin" in "any quotes from vladimir putin on errors", "barack obama's comments",
    "Elon Musk on Tesla - what did they say?". None when no such place holds a name."""
    lower_case = typed_lower_case(words)
    for first in range(len(words)):
        for last in range(min(len(words) - 1, first + MAX_WORDS - 1), first - 1, -1):
            run = words[first : last + 1]
            if any(w.text.lower() in _QUESTION_WORDS | TOPIC_MARKERS for w in run):
                continue
            if any(w.possessive for w in run[:-1]):
                continue
            if place_score(words, first, last, lower_case) >= AT_HEAD:
                return " ".join(w.text for w in run)
    return None


def _how_named(run: str) -> str:
    return "surname" if len(name_key(run).split()) == 1 else "name"


def best(mentions: list[Mention]) -> Mention | None:
    """The mention standing where the question puts its person (none in the topic)."""
    if not mentions or mentions[0].score <= 0:
        return None
    top = mentions[0]
    overlapping = [m for m in mentions if m.first <= top.last and top.first <= m.last]
    return max(overlapping, key=lambda m: (m.score, m.last - m.first))


def topic_after(text: str, words: list[Word], mention: Mention) -> str:
    """What the question asks the person about: the words after "about"/"on" following the
    person, else the question without the person and its frame ("" for "who speaks for X
    and what did he say?": anything they said)."""
    if mention.how == "speaks for":
        return ""
    tail = words[mention.last + 1 :]
    for index, word in enumerate(tail):
        if word.text.lower() in TOPIC_MARKERS and index + 1 < len(tail):
            if word.text.lower() in _WEAK_MARKERS and not _marks_topic(tail, index):
                continue  # "say the deficit has to come down": "to" is the clause's
            verbs = [w for w in tail[:index] if w.text.lower() in _TELLING_VERBS]
            begin = verbs[0] if verbs else tail[index + 1]  # "post on X …": how they said it
            rest = text[begin.start :]
            return _trim(_FRAME_AFTER.split(rest)[0])
    kept = [w for i, w in enumerate(words) if not mention.first <= i <= mention.last]
    head = [w for w in kept if w.start < words[mention.first].start]
    if head and [w.text.lower() for w in head[-2:]] == ["according", "to"]:
        kept = [w for w in kept if w not in head[-2:]]
    return _trim(" ".join(w.text for w in kept))


def _marks_topic(tail: list[Word], index: int) -> bool:
    """Does "to" / "of" at tail[index] open what the person is asked about: right after the
    person or a word for speech or reaction ("react to", "comments of"), not inside a
    clause ("has to come down")?"""
    if index == 0:
        return True
    before = tail[index - 1].text.lower()
    return before in _SLOT_NOUNS or before in _REACTING or before in speech_verb_forms()


def _trim(topic: str) -> str:
    topic = re.sub(r"\b(?:what|did|they|he|she|say|said)\b\s*$", "", topic.strip(), flags=re.I)
    return " ".join(topic.split()).strip(" ,.;:-")


def as_linked(question: Question, link: Link) -> Question:
    """The question read with the person the archive names: their name, topic and terms."""
    person_words = {w.lower() for w in re.findall(r"\w+", link.asked)}
    terms = (
        () if link.how == "speaks for" else topic_terms(link.topic or question.text, person_words)
    )
    return replace(question, person_names=(link.asked,), topic=link.topic, terms=terms)
