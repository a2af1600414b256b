"""The speaker directory: who is quoted, under which names and roles, found by id.

One record per distinct speaker, one per surname (the speakers bearing it; a body also
under its short forms: "mead" for Mead Corp) and one per role phrase (the speakers articles
bind it to, with counts and the latest date). A question resolves its names in one or two
reads by id, however often the people are quoted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from retrieval.store.client import IDS_PER_CALL, batches, explained_errors, get_all
from retrieval.store.records import (
    DUMMY_VECTOR,
    ROLE_PREFIX,
    SPEAKER_PREFIX,
    SPEAKERS_MARKER,
    SURNAME_PREFIX,
    speaker_from_meta,
)
from retrieval.text.names import short_forms, surname_of
from retrieval.types import PERSON, Speaker


@dataclass(frozen=True)
class RoleHolder:
    """A speaker an archive's articles call by a role, in how many articles, latest when."""

    speaker_key: str
    articles: int
    latest: str | None  # ISO date of the latest such article (None: all undated)

    def plus(self, other: RoleHolder | None) -> RoleHolder:
        """Both counts of one speaker's articles under a role, and the later date."""
        if other is None:
            return self
        latest = max(filter(None, [self.latest, other.latest]), default=None)
        return RoleHolder(self.speaker_key, self.articles + other.articles, latest)


@explained_errors
class SpeakerDirectory:
    """Speaker, surname and role records of the articles collection."""

    def __init__(self, articles, location: str, quote_metadata: Callable[[], list[dict]]):
        self.articles = articles
        self.location = location
        self._quote_metadata = quote_metadata  # every quote's metadata: an old store's fill
        self._ready = False

    def named(self, keys: Sequence[str]) -> list[Speaker]:
        """Distinct speakers whose whole name is one of `keys`, or whose surname is the last
        word of one: two reads by id (surname records name their bearers), however often
        they are quoted, and no filter over the manifest (~140 ms at 700,000 articles).
        A record may outlive its speaker's last article: check the quote lookup."""
        keys = [key for key in keys if key]
        if not keys:  # a pronoun with nothing before it ("when did he say it?")
            return []
        self._ensure_records()
        surnames = {surname_of(key) for key in keys} | set(keys)  # "best buy" too
        bearers = self.articles.get(ids=[SURNAME_PREFIX + s for s in surnames],
                                    include=["metadatas"])  # fmt: skip
        wanted = set(keys).union(*(_keys_of(meta) for meta in bearers["metadatas"]))
        return self.keyed(sorted(wanted))

    def keyed(self, keys: Sequence[str]) -> list[Speaker]:
        """The speakers of exactly these keys (a role table's holders): one read by id."""
        wanted = list(dict.fromkeys(k for k in keys if k))
        if not wanted:
            return []
        records = self.articles.get(ids=[SPEAKER_PREFIX + k for k in wanted],
                                    include=["metadatas"])  # fmt: skip
        return [speaker_from_meta(m) for m in records["metadatas"] if m.get("kind") == "speaker"]

    def everyone(self) -> list[Speaker]:
        """Every speaker ever recorded (some may no longer be quoted: check before use)."""
        self._ensure_records()
        records = get_all(self.articles, ["metadatas"], where={"kind": "speaker"})
        return [speaker_from_meta(meta) for meta in records["metadatas"]]

    def roles_named(self, phrases: Sequence[str]) -> dict[str, list[RoleHolder]]:
        """Role phrase → the speakers articles bind it to ("defence minister" → Khawaja
        Asif), most often bound first: one read by id, for every phrase of a question."""
        wanted = list(dict.fromkeys(p for p in phrases if p))
        if not wanted:
            return {}
        records = self.articles.get(ids=[ROLE_PREFIX + p for p in wanted], include=["metadatas"])
        return {
            record_id.removeprefix(ROLE_PREFIX): _holders_of(meta)
            for record_id, meta in zip(records["ids"], records["metadatas"], strict=True)
        }

    def save(self, quote_metas: Iterable[dict]) -> None:
        quote_metas = [m for m in quote_metas if m.get("speaker_key")]
        self._save_roles(quote_metas)
        speakers = {m["speaker_key"]: m for m in quote_metas}
        self._save_surnames(speakers.values())
        for batch in batches(list(speakers.values()), IDS_PER_CALL):
            self.articles.upsert(
                ids=[SPEAKER_PREFIX + meta["speaker_key"] for meta in batch],
                embeddings=[DUMMY_VECTOR] * len(batch),
                metadatas=[
                    {"kind": "speaker", "speaker_key": meta["speaker_key"],
                     "surname": meta["surname"], "speaker": meta["speaker"],
                     "speaker_kind": meta["speaker_kind"]}
                    for meta in batch
                ],
            )  # fmt: skip

    def _save_roles(self, quote_metas: list[dict]) -> None:
        """Count, per role, the articles binding it to each speaker (read, merged, written)."""
        bound: dict[str, dict[str, RoleHolder]] = {}
        seen: set[tuple[str, str, str]] = set()
        for meta in quote_metas:
            for role in filter(None, meta.get("roles", "").split("\t")):
                once = (role, meta["speaker_key"], meta["article_id"])
                if once in seen:
                    continue
                seen.add(once)
                holders = bound.setdefault(role, {})
                one = RoleHolder(meta["speaker_key"], 1, meta.get("published"))
                holders[one.speaker_key] = one.plus(holders.get(one.speaker_key))
        for batch in batches(sorted(bound), IDS_PER_CALL):
            ids = [ROLE_PREFIX + role for role in batch]
            known = self.articles.get(ids=ids, include=["metadatas"])
            merged = {i: _holders_of(m) for i, m in zip(known["ids"], known["metadatas"],
                                                        strict=True)}  # fmt: skip
            self.articles.upsert(
                ids=ids,
                embeddings=[DUMMY_VECTOR] * len(ids),
                metadatas=[
                    {"kind": "role",
                     "holders": _holders_json(merged.get(i, []), bound[role].values())}
                    for i, role in zip(ids, batch, strict=True)
                ],
            )  # fmt: skip

    def _save_surnames(self, speakers: Iterable[dict]) -> None:
        """Add each speaker's key to the record of its surname (read, merged, written)."""
        by_surname: dict[str, set[str]] = {}
        for meta in speakers:
            by_surname.setdefault(meta["surname"], set()).add(meta["speaker_key"])
            if meta["speaker_kind"] != PERSON:  # "Best Buy" and "Mead" find their bodies
                for form in short_forms(meta["speaker_key"]):
                    by_surname.setdefault(form, set()).add(meta["speaker_key"])
        for batch in batches(sorted(by_surname), IDS_PER_CALL):
            ids = [SURNAME_PREFIX + surname for surname in batch]
            known = self.articles.get(ids=ids, include=["metadatas"])
            merged = {i: _keys_of(m) for i, m in zip(known["ids"], known["metadatas"], strict=True)}
            self.articles.upsert(
                ids=ids,
                embeddings=[DUMMY_VECTOR] * len(ids),
                metadatas=[
                    {"kind": "surname",
                     "keys": "\t".join(sorted(merged.get(i, set()) | by_surname[s]))}
                    for i, s in zip(ids, batch, strict=True)
                ],
            )  # fmt: skip

    def _ensure_records(self) -> None:
        """A store indexed before speaker records existed gets them once, from its quotes."""
        if self._ready:
            return
        if not self.articles.get(ids=[SPEAKERS_MARKER], include=[])["ids"]:
            self.save(self._quote_metadata())
            self.articles.upsert(ids=[SPEAKERS_MARKER], embeddings=[DUMMY_VECTOR],
                                 metadatas=[{"kind": "marker"}])  # fmt: skip
        self._ready = True


def _holders_of(role_meta: dict) -> list[RoleHolder]:
    rows = json.loads(role_meta.get("holders", "[]"))
    holders = [RoleHolder(key, count, latest) for key, count, latest in rows]
    return sorted(holders, key=lambda h: (-h.articles, h.speaker_key))


def _holders_json(old: list[RoleHolder], new: Iterable[RoleHolder]) -> str:
    merged = {h.speaker_key: h for h in old}
    for holder in new:
        merged[holder.speaker_key] = holder.plus(merged.get(holder.speaker_key))
    return json.dumps([[h.speaker_key, h.articles, h.latest] for h in merged.values()])


def _keys_of(surname_meta: dict) -> set[str]:
    return set(surname_meta["keys"].split("\t"))
