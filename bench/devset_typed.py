"""Development-set questions that ask for a fact or a role, made from Reuters by rules.

- **when / who / how-many**: a sentence whose event has a subject and holds a date, a person
  or a count becomes "When did the Bundesbank raise its discount rate?", "Who was named
  president of Acme?", "How many jobs will the company cut?". The expected answer is that
  sentence, or a sentence of the same article holding the same date, person or number.
- **role**: "Finance Minister Kiichi Miyazawa said …" becomes "What did the finance minister
  say about …?". The people the subset writes with that role are kept with the question:
  an answer may quote any of them under their own name, and no one else.

The rules read spaCy's parse of the sentence (bench only; never on the question path) and
are independent of newsdesk's quote index and answerers.
"""

from __future__ import annotations

import re
from collections import defaultdict

from retrieval.text.sentences import body_sentence_spans

_SPECIFIC_DATE = re.compile(
    r"\b(?:Jan|Feb|March|April|May|June|July|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.?\b|\b(?:Mon|Tues|"
    r"Wednes|Thurs|Fri|Satur|Sun)day\b|\b19\d\d\b"
)
_SPEECH = {"say", "tell", "add", "announce", "report", "state", "note", "expect"}
_ROLE_WORDS = (
    r"\b(?P<role>(?:[A-Z][a-z]+ ){0,2}(?:Minister|Secretary|Chairman|Governor|Chancellor|"
    r"Spokesman|President))"
)
_ROLE_SAID = re.compile(
    rf"{_ROLE_WORDS}\s+(?P<name>[A-Z][a-z]+(?:\s[A-Z]\.)?\s[A-Z][a-z]+)\s(?:said|told)\b"
)
_ROLE = re.compile(rf"{_ROLE_WORDS}\s+(?P<name>[A-Z][a-z]+(?:\s[A-Z]\.)?\s[A-Z][a-z]+)\b")
_NOT_ROLE_WORDS = {"The", "A", "But", "And", "In", "Vice", "Former", "Deputy", "Acting"}
_NO_EVENT = {"be", "have", "total", "include", "compare"}
_MODALS = {"could", "would", "may", "might", "should", "must", "can"}
_UNITS = {"mln", "dlrs", "dlr", "pct", "cts", "billion", "stg", "yen", "marks", "francs"}
_COMPANY_WORDS = {"Inc", "Corp", "Co", "Ltd", "Plc", "Group", "Bank", "SA", "AG", "NV", "Webber"}
MAX_WORDS = 9  # a subject or object longer than this makes an unreadable question


def body_sentences(article, limit: int = 8) -> list[tuple[int, int]]:
    return body_sentence_spans(article.text, article.paragraphs)[:limit]


def typed_questions(articles, nlp, rng, want: int = 20) -> list[dict]:
    """Up to `want` questions of each type (when, who, how-many), one per article."""
    found: dict[str, list[dict]] = defaultdict(list)
    pool = list(articles)
    rng.shuffle(pool)
    for article in pool:
        if all(len(found[kind]) >= want for kind in ("when", "who", "how-many")):
            break
        for start, end in body_sentences(article):
            doc = nlp(article.text[start:end])
            made = _question(doc)
            if made is None or len(found[made[0]]) >= want:
                continue
            kind, question, value = made
            found[kind].append(
                {
                    "kind": kind,
                    "question": question,
                    "value": value,
                    "expected": [{"article_id": article.id, "start": start, "end": end}],
                }
            )
            break
    return [item for kind in ("when", "who", "how-many") for item in found[kind]]


def _question(doc) -> tuple[str, str, str] | None:
    words = [t for t in doc if t.is_alpha]
    if len(words) < 8 or any(t.lower_ in ("vs", "shr") for t in doc):
        return None  # a table row, not a sentence
    event = _event(doc)
    if event is None or event[0].lemma_ in _NO_EVENT:
        return None
    verb, subject = event
    if any(c.dep_ == "aux" and c.lower_ in _MODALS for c in verb.children):
        return None  # "could take weeks": no event to date or count
    subject_text = _text(subject)
    obj = next((c for c in verb.children if c.dep_ in ("dobj", "attr", "oprd")), None)
    if subject.ent_type_ == "PERSON" and verb.lemma_ not in _SPEECH:
        person = next(e for e in doc.ents if e.start <= subject.i < e.end)
        rest = _predicate(verb)
        firm = set(person.text.split()) & _COMPANY_WORDS
        if rest and len(person.text.split()) >= 2 and len(rest.split()) >= 3 and not firm:
            return "who", f"Who {rest}?", person.text
    if subject.pos_ == "PRON" or len(subject_text.split()) > MAX_WORDS:
        return None
    aux = "will" if any(c.lemma_ == "will" for c in verb.children) else "did"
    if obj is not None:
        number = next(
            (c for c in obj.children if c.dep_ == "nummod" and c.ent_type_ == "CARDINAL"), None
        )
        if number is not None and not re.fullmatch(r"19\d\d|one|.*/.*", number.lower_):
            words = [t.text for t in obj.subtree if t.i > number.i and t.dep_ != "punct"]
            first = words[0].lower() if words else ""
            countable = first.isalpha() and first not in _UNITS and first not in ("and", "or")
            if countable and len(words) <= 4:
                noun = " ".join(words)
                question = f"How many {noun} {aux} {subject_text} {verb.lemma_}?"
                return "how-many", question, _number_text(number)
    dates = [e for e in doc.ents if e.label_ == "DATE" and _SPECIFIC_DATE.search(e.text)]
    inside = obj is not None and any(d.text in _text(obj) for d in dates)
    if dates and obj is not None and not inside and len(_text(obj).split()) <= MAX_WORDS:
        passive = any(c.dep_ == "auxpass" for c in verb.children)
        if not passive:
            return "when", f"When {aux} {subject_text} {verb.lemma_} {_text(obj)}?", dates[0].text
    return None


def _event(doc):
    """(verb, subject) of the sentence's event: its root, or what a speech root reports
    ("Acme said it acquired Beta" → acquired, Acme)."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.pos_ not in ("VERB", "AUX"):
        return None
    subject = next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if root.lemma_ in _SPEECH:
        clause = next((c for c in root.children if c.dep_ == "ccomp" and c.pos_ == "VERB"), None)
        if clause is None:
            return None
        inner = next((c for c in clause.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if inner is None:
            return None
        if inner.pos_ == "PRON" and subject is not None and inner.lower_ == "it":
            return clause, subject
        return clause, inner
    return (root, subject) if subject is not None else None


def _predicate(verb) -> str | None:
    """ "was named president of Acme", "succeeds Jones": the verb and what follows it."""
    words = [verb]
    for child in verb.children:
        if child.dep_ in ("auxpass", "aux") and child.i < verb.i:
            words.append(child)
        if child.i > verb.i and child.dep_ in ("dobj", "attr", "oprd", "prep", "xcomp"):
            words.extend(child.subtree)
            break
    words.sort(key=lambda t: t.i)
    text = " ".join(t.text for t in words if t.dep_ != "punct")
    return text if 2 <= len(text.split()) <= MAX_WORDS + 2 else None


def _text(token) -> str:
    words = [t for t in token.subtree if t.dep_ != "punct"]
    text = " ".join(t.text for t in words)
    return text[0].lower() + text[1:] if words and words[0].lower_ == "the" else text


def _number_text(token) -> str:
    return " ".join(t.text for t in token.subtree if t.dep_ in ("nummod", "quantmod", "compound")
                    or t.i == token.i)  # fmt: skip


def role_questions(articles, topic_of, want: int = 20) -> list[dict]:
    """Sentences "Finance Minister Kiichi Miyazawa said …" asked by the role: "What did the
    finance minister say about …?"; the people the subset gives that role are kept with the
    question (an answer may quote any of them, under their own names)."""
    holders: dict[str, set[str]] = defaultdict(set)
    golds = []
    for article in articles:
        text = " ".join(article.text.split())
        for match in _ROLE.finditer(text):
            role = _role_phrase(match.group("role"))
            if role:
                holders[role].add(match.group("name"))
        for start, end in body_sentences(article, limit=40):
            sentence = article.text[start:end]
            said = _ROLE_SAID.search(" ".join(sentence.split()))
            role = _role_phrase(said.group("role")) if said else None
            if role and len(sentence.split()) >= 8:
                golds.append((article.id, start, end, role, said.group("name"), sentence))
    items, people = [], set()
    for article_id, start, end, role, name, sentence in golds:
        if len(items) >= want or name in people:
            continue
        topic = topic_of(sentence, name)
        if not topic or set(topic.lower().split()) & set(role.split()):
            continue  # "the prime minister … about Deputy Prime Minister": no topic
        people.add(name)
        items.append(
            {
                "kind": "role",
                "question": f"What did the {role} say about {topic}?",
                "person": name,
                "role_holders": sorted(holders[role] | {name}),
                "expected": [{"article_id": article_id, "start": start, "end": end}],
            }
        )
    return items


def _role_phrase(raw: str) -> str | None:
    words = raw.split()
    while words and words[0] in _NOT_ROLE_WORDS:
        words = words[1:]
    if not words or (len(words) == 1 and words[0] in ("President", "Chairman")):
        return None
    return " ".join(words).lower()
