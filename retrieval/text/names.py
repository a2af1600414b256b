"""Speakers as data: one canonical name per person or body, and the ways it is written.

"Khawaja Asif", "Asif", "Mr Asif", "Defence Minister Khawaja Asif" and "Asif's" are one
speaker. A name is reduced to a *key* (lower-case, titles and possessive gone: `khawaja asif`)
and a *surname* (`asif`), which is what a question most often uses. This module is pure text
work — no spaCy — because the question path resolves names with it too, and a cold `ask`
must not load a parser.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

from retrieval.text.lexicon import lexicon
from retrieval.types import PERSON, Speaker

_POSSESSIVE = re.compile(r"(?:['’]s|['’])$", re.IGNORECASE)
CLOSE_NAME_CUTOFF = 0.75  # difflib ratio: catches "Khawja"/"Khawaja", not "Asif"/"Aziz"


def fold(text: str) -> str:
    """Lower-case, accents dropped: "Zelenskyy" and "Zelenskýy" compare equal."""
    normal = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in normal if not unicodedata.combining(ch)).lower()


def clean_name(name: str) -> str:
    """`Defence Minister Khawaja Asif's` → `Khawaja Asif`: titles, articles, possessive off,
    and marks the parse may take in (`― Jacklyn Ashley` after a pull quote's dash). A
    generational suffix stays: Donald Trump Jr. is not his father."""
    words = [w.strip(_MARKS) for w in name.replace("\n", " ").split() if w.strip(_MARKS)]
    if words:
        words[-1] = _POSSESSIVE.sub("", words[-1])
    titles = lexicon()["titles"]
    while len(words) > 1 and (words[0].lower().rstrip(".") in titles or words[0].lower() == "the"):
        words = words[1:]
    return " ".join(word.strip(",;:") for word in words if word.strip(",;:"))


def _is_suffix(word: str) -> bool:
    return word.rstrip(".,") in lexicon()["name_suffixes"]


def surname_of(key: str) -> str:
    """The surname of a person's key: its last word before a suffix ("donald trump jr" →
    "trump"), which is what a question or a later mention calls him by."""
    words = _without_suffix(key.split())
    return words[-1] if words else ""


def has_suffix(key: str) -> bool:
    """ "donald trump jr": a name a bare surname does not mean (that is the father)."""
    words = key.split()
    return len(words) > 1 and _is_suffix(words[-1])


def name_key(name: str) -> str:
    """The comparable form of a name: `Mr. Khawaja Asif's` → `khawaja asif`."""
    return " ".join(fold(clean_name(name)).replace(".", " ").split())


_MARKS = '―—–-“”"‘'  # dashes and quote marks around a name's words, never part of one


def _body_name(name: str) -> str:
    """ "the federal Securities and Exchange Commission's" → "Securities and Exchange
    Commission": a body's name is its capitalised words, whatever the parse took in."""
    words = [w.strip(_MARKS) for w in name.replace("\n", " ").split() if w.strip(_MARKS)]
    if words:
        words[-1] = _POSSESSIVE.sub("", words[-1])
    capitalised = any(w[:1].isupper() for w in words)  # (a name typed in lower case keeps all)
    while len(words) > 1 and (words[0].lower() == "the" or (capitalised and words[0].islower())):
        words = words[1:]
    return " ".join(words)


def body_key(name: str) -> str:
    """The comparable form of a body's name: `the Agriculture Department's` →
    `agriculture department` (its words are its name: no title is dropped)."""
    return " ".join(fold(_body_name(name)).replace(".", " ").split())


def short_forms(key: str, first_word: bool = False) -> set[str]:
    """What a body is called after its first mention: "mead corp" → "mead"; within one
    article also its first word ("atlas consolidated mining and development corp" → "atlas"),
    unless that is an ordinary noun or title ("bank of japan"). Across the archive a first
    word names too many bodies ("federal"): only the name without its corporate suffix."""
    words = key.split()
    words_list = lexicon()
    while len(words) > 1 and words[-1] in words_list["corporate_suffixes"]:
        words = words[:-1]
    forms = {" ".join(words)}
    ordinary = words_list["organisation_nouns"] | words_list["titles"]
    if first_word and len(words) > 1 and words[0] not in ordinary and len(words[0]) > 2:
        forms.add(words[0])
    return forms - {key}


def make_speaker(name: str, kind: str) -> Speaker:
    """A speaker from a name as written; a body keeps its words ("Agriculture Department"),
    a person loses titles ("Defence Minister Khawaja Asif" → "Khawaja Asif")."""
    display = clean_name(name) if kind == PERSON else _body_name(name)
    key = name_key(display) if kind == PERSON else body_key(display)
    surname = surname_of(key) if kind == PERSON and key else key
    return Speaker(display, key, surname, kind)


def matches(asked: str, speaker: Speaker) -> bool:
    """Does a name as asked ("Asif", "Mr Asif", "Khawaja Asif", "the Bundesbank") mean
    this speaker? A one-word name matches a surname; a longer one the whole name, or its
    first-name initial with the surname ("K. Asif")."""
    if speaker.kind != PERSON:
        asked_key = body_key(asked)
        return asked_key == speaker.key or asked_key in short_forms(speaker.key)
    key = name_key(asked)
    if not key:
        return False
    if key == speaker.key:
        return True
    if len(key.split()) > 1 and has_suffix(speaker.key) != has_suffix(key):
        return False  # "Donald Trump" is not Donald Trump Jr., nor the son his father
    words = _without_suffix(key.split())
    if len(words) == 1:  # "Asif", "Trump Jr."
        return words[0] == speaker.surname
    given = _without_suffix(speaker.key.split())[:-1] or [""]
    first = words[0].rstrip(".")
    # "Marc" is "Jean-Marc"'s too, and "Hugh Liedtke" is "J. Hugh Liedtke"
    given_names = {name for word in given for name in (word, *word.split("-"))}
    return words[-1] == speaker.surname and any(g.startswith(first) for g in given_names)


def _without_suffix(words: list[str]) -> list[str]:
    while len(words) > 1 and _is_suffix(words[-1]):
        words = words[:-1]
    return words


TYPO_MIN_LENGTH = 5  # one edit in a shorter name is another name's spelling ("Ali"/"Alt")


def one_edit_from(asked: str, speakers: Iterable[Speaker]) -> list[Speaker]:
    """The people whose whole name, or surname, is one edit (RapidFuzz's Levenshtein) from
    the name asked: "Khawja Asif" → Khawaja Asif. Names shorter than TYPO_MIN_LENGTH
    never match: one edit there is usually another person."""
    from rapidfuzz.distance import Levenshtein

    wanted = name_key(asked)
    if len(wanted.replace(" ", "")) < TYPO_MIN_LENGTH:
        return []
    single = len(wanted.split()) == 1
    found = []
    for speaker in speakers:
        if speaker.kind != PERSON:
            continue
        target = speaker.surname if single else speaker.key
        if target != wanted and Levenshtein.distance(wanted, target, score_cutoff=1) <= 1:
            found.append(speaker)
    return found


def closest_names(asked: str, names: Iterable[str], limit: int = 3) -> list[str]:
    """Names near `asked` (typos, spelling variants), best first, for "did you mean"."""
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(name_key(name), name)
        surname = name_key(name).split()[-1:] or [""]
        by_key.setdefault(surname[0], name)
    wanted = name_key(asked)
    found = difflib.get_close_matches(wanted, list(by_key), n=limit * 3, cutoff=CLOSE_NAME_CUTOFF)
    return list(dict.fromkeys(by_key[key] for key in found))[:limit]
