"""Who said it, on hand-annotated news: PolNeAR's train or dev split, never its test split.

    .venv/bin/python -m bench.attribution --polnear PATH [--split dev] [--show 20]

PolNeAR (Newell, Margolin & Ruths, LREC 2018; github networkdynamics/PolNeAR) annotates
every attribution of 1,008 US election articles from seven publishers as Source / Cue /
Content spans (brat standoff). Its repository states no licence, so it is read from a
checkout given here and never committed. Its test split stays the untouched check: this
bench refuses to read it.

Each article of the split is ingested as a plain text file (title line, then the body), and
the annotations are compared with the quote index and with `who`:

- **the gold speaker** of an attribution is its Source span, or, for a pronoun or a
  description ("he", "the Democratic nominee"), the name that the article's CoreNLP
  coreference chain (shipped with PolNeAR) gives it; a source with no proper name in its
  chain ("sources", "a campaign aide") is unnamed;
- **kind**: direct (the content is inside quotation marks), mixed (partly), indirect;
- **the quote index**, for direct and mixed attributions with a named source: found (a
  stored quote overlaps the content; exactly when the same words), right speaker, wrong
  speaker, no speaker; its speaker precision over every stored quote that overlaps an
  annotated content; recall reported for indirect ones too;
- **`who`**: each named direct quote of six words or more, pasted: found in its article,
  right speaker, wrong speaker, no speaker given.
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import bench_settings, same_speaker
from bench.general import locate
from bot.answer.who import ABSENT
from bot.service import Newsdesk
from retrieval.text.lexicon import speech_verb_forms

SPLITS = ("train", "dev")
KINDS = ("direct", "mixed", "indirect")
# A source naming its speaker in the span ("Trump said"), or a pronoun or description named
# through CoreNLP's coreference chain ("he said"): the chains are 2016 CoreNLP's and often
# wrong ("he" of a quote by Bobby Scott chained to Bernie Sanders), so the figures are apart.
HOW_NAMED = ("named", "coreference")
DATA = Path(__file__).resolve().parent / ".data"
WHOLE = 0.95  # a quote holding this share of the annotated content found it word for word
MIN_PASTED_WORDS = 6  # `who` needs a few words to look a quote up
_QUOTE_CHARS = '"“”'
_PROPER = {"NNP", "NNPS"}
_NAMED_KINDS = {"PERSON", "ORGANIZATION"}  # a place is not a source: "he" of New Mexico


@dataclass
class Attribution:
    """One annotated attribution: who (the gold speaker, None when unnamed), what, how."""

    article: str
    source: str
    speaker: str | None
    content: str
    kind: str  # direct | mixed | indirect
    spans: list[tuple[int, int]]  # the content's spans in the stored article text
    raw_spans: list[tuple[int, int]] = field(default_factory=list)  # …in PolNeAR's text
    source_span: tuple[int, int] = (0, 0)  # the Source span in PolNeAR's text
    named_in_span: bool = True  # False: a pronoun or description, named by coreference
    # the other names of a source that joins several ("Trump and Clinton", "The New York
    # Times and the Gannett newspaper chain"): a quote given to any of them is theirs
    joint: tuple[str, ...] = ()
    # the speakers of attributions annotated inside this one's content: "“…,” Walker said,
    # according to an Associated Press account" is the AP's content, and Walker's words
    inner: tuple[str, ...] = ()

    def said_by(self, name: str) -> bool:
        """Is `name` the annotated speaker (one of a joint source, or the speaker of an
        attribution the content itself reports)?"""
        golds = (self.speaker, *self.joint, *self.inner)
        return any(same_speaker(gold, name) for gold in golds if gold) or _relayed(
            self.content, name
        )


@dataclass
class Tally:
    """Counts for one kind of attribution."""

    total: int = 0
    found: int = 0
    exact: int = 0
    right: int = 0
    wrong: int = 0
    unnamed_found: int = 0
    several: int = 0  # `who` named more than one person (the gold among them or not)
    misses: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def refuse_test_split(split: str) -> None:
    """The test split is the untouched check of issue 31: never opened, read or scored."""
    if split not in SPLITS:
        raise SystemExit(
            f"--split must be one of {', '.join(SPLITS)}: the test split is never read"
        )


def articles_of(root: Path, split: str) -> list[tuple[Path, Path, Path | None]]:
    """(text, annotation, CoreNLP parse) of each article of the split; one annotator's file
    per article (the first by name) when several annotated it."""
    refuse_test_split(split)
    base = root / "data" / split
    chosen: dict[str, Path] = {}
    for ann in sorted((base / "attributions").glob("*.ann")):
        stem = ann.stem.rsplit("_", 1)[0]
        chosen.setdefault(stem, ann)
    found = []
    for stem, ann in sorted(chosen.items()):
        text = base / "text" / f"{stem}.txt"
        parse = base / "corenlp" / f"{stem}.txt.xml"
        if text.exists():
            found.append((text, ann, parse if parse.exists() else None))
    return found


def read_annotations(path: Path) -> list[dict[str, list[tuple[int, int]]]]:
    """The brat file's attributions: for each, the spans of its Source, Cue and Content."""
    spans: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    relations = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if line.startswith("T") and len(parts) >= 2:
            label, _, offsets = parts[1].partition(" ")
            pieces = [tuple(map(int, p.split())) for p in offsets.split(";")]
            spans[parts[0]] = (label, pieces)
        elif line.startswith("E") and len(parts) >= 2:
            relations.append(dict(arg.split(":") for arg in parts[1].split()))
    result = []
    for relation in relations:
        roles = {role: spans[ref][1] for role, ref in relation.items() if ref in spans}
        if "Content" in roles and "Source" in roles:
            result.append(roles)
    return result


class Coreference:
    """The article's CoreNLP coreference chains, by character span; a mention's chain's
    proper name (its representative mention's proper nouns) names a pronoun source."""

    def __init__(self, parse: Path | None, text: str) -> None:
        self.mentions: list[tuple[int, int, tuple | None]] = []  # (start, end, chain's name)
        self.text = text
        self.proper: list[tuple[int, int, str]] = []  # proper-noun tokens of named kinds
        if parse is not None:
            self._read(ET.parse(parse).getroot())

    def _read(self, root) -> None:
        tokens = {}
        for sentence in root.iter("sentence"):
            if sentence.find("tokens") is None:
                continue
            for token in sentence.find("tokens"):
                start = int(token.findtext("CharacterOffsetBegin"))
                end = int(token.findtext("CharacterOffsetEnd"))
                pos, ner = token.findtext("POS"), token.findtext("NER")
                tokens[(sentence.get("id"), token.get("id"))] = (start, end, pos, ner)
                if pos in _PROPER and ner in _NAMED_KINDS:
                    self.proper.append((start, end, ner))
        chains = root.find("document/coreference")
        for chain in chains if chains is not None else []:
            mentions = [self._span(m, tokens) for m in chain.iter("mention")]
            representative = next(
                (s for m, s in zip(chain.iter("mention"), mentions, strict=True)
                 if m.get("representative") == "true"), None
            )  # fmt: skip
            name = self._name(representative, tokens) if representative else None
            self.mentions += [(s, e, name) for s, e in mentions]

    @staticmethod
    def _span(mention, tokens) -> tuple[int, int]:
        sentence = mention.findtext("sentence")
        first = tokens[(sentence, mention.findtext("start"))]
        last = tokens[(sentence, str(int(mention.findtext("end")) - 1))]
        return first[0], last[1]

    def _name(self, span: tuple[int, int], tokens) -> tuple[int, int] | None:
        words = sorted(t for t in tokens.values() if span[0] <= t[0] and t[1] <= span[1])
        return _name_run([(t[0], t[1], t[3]) for t in words if t[2] in _PROPER], self.text)

    def own_name(self, text: str, span: tuple[int, int]) -> str | None:
        """The name a source span holds itself: the head of its noun phrase, a person's
        before a body's ("Robby Mook" of "Hillary Clinton's campaign manager Robby Mook",
        "Flynn" of "Flynn, a top Trump surrogate", "Dean" of "Dean, a former Democratic
        National Committee chairman", which CoreNLP did not tag)."""
        lead = _capitalised_lead(text, span) or self._named_after_role(text, span)
        if lead is not None:
            return lead
        tokens = [p for p in self.proper if span[0] <= p[0] and p[1] <= span[1]]
        if not tokens:
            return None
        cut = _DESCRIPTION.search(text[tokens[0][1] : span[1]])
        end = tokens[0][1] + cut.start() if cut else span[1]
        own = _name_run([t for t in tokens if t[1] <= end], text, last=True)
        return _clean(text[own[0] : own[1]]) if own else None

    def _named_after_role(self, text: str, span: tuple[int, int]) -> str | None:
        """The name set off after a role: "Clinton's campaign chairman, John Podesta" is
        Podesta, "An Israeli blogger, Tal Schneider" Schneider (the head before the comma is
        a lower-case job, the name its apposition)."""
        head, comma, _ = text[span[0] : span[1]].partition(",")
        words = head.split()
        if not comma or not words or not words[-1].isalpha() or not words[-1].islower():
            return None
        after = span[0] + len(head) + 1
        tokens = [p for p in self.proper if after <= p[0] < span[1] and p[2] == "PERSON"]
        if not tokens or text[after : tokens[0][0]].strip():
            return None
        run = _name_run(tokens, text)
        return _clean(text[run[0] : run[1]]) if run else None

    def joint_names(self, text: str, span: tuple[int, int]) -> tuple[str, ...]:
        """Each name of a source that joins several with "and" ("Mr. Grassley and Mr.
        Leahy"), before any description after them."""
        cut = _DESCRIPTION.search(text[span[0] : span[1]])
        head = (span[0], span[0] + cut.start() if cut else span[1])
        parts = re.split(r"\s+and\s+", text[head[0] : head[1]])
        if len(parts) < 2:
            return ()
        names, start = [], head[0]
        for part in parts:
            start = text.index(part, start)
            tokens = [p for p in self.proper if start <= p[0] and p[1] <= start + len(part)]
            run = _name_run(tokens, text, last=True)
            if run:
                names.append(_clean(text[run[0] : run[1]]))
            start += len(part)
        return tuple(names) if len(names) > 1 else ()

    def chain_name(self, text: str, span: tuple[int, int]) -> str | None:
        """The name CoreNLP's coreference chain gives a pronoun or description source."""
        for start, end, name in self.mentions:
            if name and start < span[1] and span[0] < end:
                return _clean(text[name[0] : name[1]])
        return None


def _name_run(
    tokens: list[tuple[int, int, str]], text: str, last: bool = False
) -> tuple[int, int] | None:
    """The first (or last) run of adjacent person tokens, else of body tokens (only spaces
    or quote marks between them: Robert C. "Bobby" Scott)."""
    for kind in ("PERSON", "ORGANIZATION"):
        runs: list[tuple[int, int]] = []
        for start, end, ner in tokens:
            if ner != kind:
                continue
            if runs and not text[runs[-1][1] : start].strip(" " + _QUOTE_CHARS + "‘’"):
                runs[-1] = (runs[-1][0], end)
            else:
                runs.append((start, end))
        if runs:
            return runs[-1] if last else runs[0]
    return None


_DESCRIPTION = re.compile(r",|\(|\s--\s|\s?[—―]\s?")  # where a description follows a name


def _capitalised_lead(text: str, span: tuple[int, int]) -> str | None:
    """A lone capitalised name before the source's first comma ("Dean, a former…")."""
    head, comma, _ = text[span[0] : span[1]].partition(",")
    words = head.split()
    if not comma or len(words) != 1 or not words[0][:1].isupper():
        return None
    return _clean(words[0]) if words[0].isalpha() and words[0].lower() not in _NOT_NAMES else None


_NOT_NAMES = {"he", "she", "they", "it", "we", "i", "officials", "critics", "others", "but"}


def _clean(name: str) -> str:
    bare = re.sub(r"[\"“”‘]|(?<![A-Za-z])’|’(?![A-Za-z])", "", name)  # O’Malley keeps it
    return re.sub(r"[’']s$", "", " ".join(bare.split())).strip()


def quoted_mask(text: str) -> list[bool]:
    """Which characters stand inside quotation marks (curly by direction, straight paired)."""
    mask = [False] * len(text)
    inside = False
    for i, char in enumerate(text):
        if char == "“" or (char == '"' and not inside):
            inside = True
        elif char == "”" or (char == '"' and inside):
            inside = False
        elif char == "\n" and i + 1 < len(text) and text[i + 1] == "\n":
            inside = False  # a paragraph break ends an unclosed quotation
        else:
            mask[i] = inside
    return mask


def kind_of(mask: list[bool], text: str, pieces: list[tuple[int, int]]) -> str:
    """direct, mixed or indirect, by the share of the content's letters inside quotes."""
    letters = [i for s, e in pieces for i in range(s, e) if text[i].isalnum()]
    if not letters:
        return "indirect"
    share = sum(mask[i] for i in letters) / len(letters)
    return "direct" if share >= 0.9 else "mixed" if share > 0 else "indirect"


def prepare(root: Path, split: str) -> tuple[Newsdesk, dict[str, list[Attribution]]]:
    """Ingest the split's articles (kept in bench/.data/polnear-<split>) and read their
    annotations onto the stored texts."""
    work = DATA / f"polnear-{split}"
    articles_dir = work / "articles"
    articles_dir.mkdir(parents=True, exist_ok=True)
    sources = articles_of(root, split)
    for text, _, _ in sources:
        target = articles_dir / text.name
        if not target.exists():
            shutil.copyfile(text, target)
    desk = Newsdesk(bench_settings(work / "store", articles_dir, strip_boilerplate=False))
    desk.refresh()
    stored = desk.store.get_articles([text.name for text, _, _ in sources])
    gold: dict[str, list[Attribution]] = {}
    for text_path, ann, parse in sources:
        article = stored.get(text_path.name)
        if article is None:
            continue
        gold[article.id] = _attributions(article.id, article.text, text_path, ann, parse)
    return desk, gold


def _attributions(
    article_id: str, stored: str, text_path: Path, ann: Path, parse: Path | None
) -> list[Attribution]:
    raw = text_path.read_text(encoding="utf-8")
    mask = quoted_mask(raw)
    coreference = Coreference(parse, raw)
    found = []
    for roles in read_annotations(ann):
        content = " ".join(raw[s:e] for s, e in roles["Content"])
        source_span = (roles["Source"][0][0], roles["Source"][-1][1])
        source = " ".join(raw[s:e] for s, e in roles["Source"])
        own = coreference.own_name(raw, source_span)
        located = [locate(stored, raw[s:e]) for s, e in roles["Content"]]
        spans = [span for span in located if span is not None]
        raw_spans = [tuple(piece) for piece in roles["Content"]]
        if not spans:
            continue  # the title or a piece the store does not hold
        found.append(
            Attribution(
                article=article_id,
                source=" ".join(source.split()),
                speaker=own or coreference.chain_name(raw, source_span),
                joint=coreference.joint_names(raw, source_span),
                named_in_span=own is not None,
                source_span=source_span,
                content=content,
                kind=kind_of(mask, raw, roles["Content"]),
                spans=spans,
                raw_spans=raw_spans,
            )
        )
    return _with_inner_speakers(found)


def _with_inner_speakers(found: list[Attribution]) -> list[Attribution]:
    """Each attribution with the speakers of those its content reports: whose source lies
    in its content, or (PolNeAR's "X said, according to Y") who share its content."""
    for outer in found:
        inner = [a.speaker for a in found if a is not outer and a.speaker and _reports(outer, a)]
        outer.inner = tuple(dict.fromkeys(inner))
    return found


def _relayed(content: str, name: str) -> bool:
    """The content names `name` as speaking within it ("“…,” Walker said" as an Associated
    Press account's content): the quoted words are Walker's, relayed."""
    surname = name.split()[-1] if name.split() else ""
    if not surname[:1].isupper():
        return False
    words = re.findall(r"[\w’']+", content)
    forms = speech_verb_forms()
    for i, word in enumerate(words):
        if word == surname and any(w.lower() in forms for w in words[max(0, i - 3) : i + 4]):
            return True
    return False


def _reports(outer: Attribution, other: Attribution) -> bool:
    source = other.source_span
    if any(s <= source[0] and source[1] <= e for s, e in outer.raw_spans):
        return True
    mine = {i for s, e in outer.raw_spans for i in range(s, e)}
    theirs = {i for s, e in other.raw_spans for i in range(s, e)}
    return bool(mine) and len(mine & theirs) >= 0.9 * max(len(mine), len(theirs))


def score_index(desk: Newsdesk, gold: dict[str, list[Attribution]]) -> dict[str, Tally]:
    """The quote index against the annotations, per kind; and its speaker precision."""
    tallies = {f"{kind}, {how}": Tally() for how in HOW_NAMED for kind in KINDS}
    precision = Counter()
    for article_id, attributions in gold.items():
        quotes = desk.searcher.quotes(desk.searcher.quote_ids_in([article_id]))
        text = desk.store.get_articles([article_id])[article_id].text
        for attribution in attributions:
            _judge(attribution, quotes, text, tallies[_group(attribution)])
        for quote in quotes:
            if quote.speaker is None:
                continue
            over = [a for a in attributions if _overlaps(quote.start, quote.end, a.spans)]
            if not over:
                continue
            named = [a for a in over if a.speaker and a.named_in_span]
            if not named:
                precision["unnamed"] += 1
            elif any(a.said_by(quote.speaker.name) for a in named):
                precision["right"] += 1
            else:
                precision["wrong"] += 1
    tallies["precision"] = precision  # type: ignore[assignment]
    return tallies


def _judge(attribution: Attribution, quotes: list, text: str, tally: Tally) -> None:
    if attribution.speaker is None:
        return
    tally.total += 1
    over = [q for q in quotes if _overlaps(q.start, q.end, attribution.spans)]
    if not over:
        tally.misses.append(f"not found: {attribution.source} | {attribution.content[:90]}")
        return
    tally.found += 1
    tally.exact += _covered(attribution.spans, over, text) >= WHOLE
    named = [q for q in over if q.speaker is not None]
    if not named:
        tally.unnamed_found += 1
        tally.misses.append(f"no speaker: {attribution.speaker} | {attribution.content[:90]}")
    elif any(attribution.said_by(q.speaker.name) for q in named):
        tally.right += 1
    else:
        tally.wrong += 1
        given = named[0].speaker.name
        tally.errors.append(f"{given} for {attribution.speaker} | {attribution.content[:90]}")


def score_who(desk: Newsdesk, gold: dict[str, list[Attribution]]) -> dict[str, Tally]:
    """Named direct quotes of six words or more, pasted into `who`."""
    tallies = {how: Tally() for how in HOW_NAMED}
    for article_id, attributions in gold.items():
        for attribution in attributions:
            pasted = attribution.content.strip(" ,.\n" + _QUOTE_CHARS)
            if attribution.kind != "direct" or not attribution.speaker:
                continue
            if len(pasted.split()) < MIN_PASTED_WORDS:
                continue
            tally = tallies[HOW_NAMED[0] if attribution.named_in_span else HOW_NAMED[1]]
            tally.total += 1
            checked = desk.who_said(pasted)
            cited = checked.answer.citations[0] if checked.answer.citations else None
            if checked.match == ABSENT or cited is None:
                tally.misses.append(f"not found | {pasted[:90]}")
                continue
            tally.found += cited.article_id == article_id or _bare(pasted) in _bare(cited.quote)
            if checked.speaker is None and len(checked.speakers) > 1:
                tally.several += 1
                tally.misses.append(f"several: {checked.speakers} | {pasted[:90]}")
            elif checked.speaker is None:
                tally.unnamed_found += 1
                tally.misses.append(f"no speaker: {attribution.speaker} | {pasted[:90]}")
            elif attribution.said_by(checked.speaker):
                tally.right += 1
            else:
                tally.wrong += 1
                tally.errors.append(f"{checked.speaker} for {attribution.speaker} | {pasted[:90]}")
    return tallies


def _covered(spans: list[tuple[int, int]], quotes: list, text: str) -> float:
    """The share of the content's letters inside the quotes found for it."""
    letters = [i for s, e in spans for i in range(s, e) if text[i].isalnum()]
    inside = sum(any(q.start <= i < q.end for q in quotes) for i in letters)
    return inside / len(letters) if letters else 0.0


def _group(attribution: Attribution) -> str:
    return f"{attribution.kind}, {HOW_NAMED[0] if attribution.named_in_span else HOW_NAMED[1]}"


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


def _bare(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def half_of(gold: dict[str, list[Attribution]], half: int) -> dict[str, list[Attribution]]:
    """Every other article of the split (1: the first, third…; 2: the second, fourth…), so
    one half can be read for fixes and the other kept as a check on them."""
    ids = sorted(gold)
    return {article_id: gold[article_id] for article_id in ids[half - 1 :: 2]}


def main(root: Path, split: str, show: int, half: int | None = None) -> None:
    """Score the split (or one half of it) and print the figures (written to
    results/attribution_polnear[_<split>_half<n>].json)."""
    refuse_test_split(split)
    desk, gold = prepare(root, split)
    if half:
        gold = half_of(gold, half)
    desk.warm_up()
    tallies = score_index(desk, gold)
    precision = tallies.pop("precision")
    who = score_who(desk, gold)
    named = precision["right"] + precision["wrong"]
    figures: dict = {"split": split, "half": half, "articles": len(gold),
                     "attributions": sum(len(a) for a in gold.values())}  # fmt: skip
    rows = [(f"{split}: articles / attributions", f"{len(gold)} / {figures['attributions']}", "")]
    for group, tally in tallies.items():
        figures[group] = _figures(tally)
        target = "reported" if group.startswith("indirect") else "≥ 90%"
        rows += [
            (f"index, {group}: found", _pct(tally.found, tally.total), ""),
            (f"index, {group}: whole content in the quote", _pct(tally.exact, tally.total), ""),
            (f"index, {group}: right speaker (recall)", _pct(tally.right, tally.total), target),
            (f"index, {group}: wrong speaker", str(tally.wrong), "0"),
            (f"index, {group}: found, no speaker", str(tally.unnamed_found), ""),
        ]
    share = round(_ratio(precision["right"], named), 3)
    figures["index_precision"] = {**precision, "precision": share}
    rows += [
        ("index speaker precision (quotes on a content whose source names its speaker)",
         f"{share:.3f}", "≥ 0.97"),
        ("index: a speaker given where the source names none", str(precision["unnamed"]), ""),
    ]  # fmt: skip
    for how, tally in who.items():
        figures[f"who, {how}"] = _figures(tally)
        rows += [
            (f"who, {how}: direct quotes pasted", str(tally.total), ""),
            (f"who, {how}: found", _pct(tally.found, tally.total), "≥ 97%"),
            (f"who, {how}: right speaker", _pct(tally.right, tally.total), "≥ 92%"),
            (f"who, {how}: wrong speaker", _pct(tally.wrong, tally.total), "≤ 1%"),
            (f"who, {how}: found, no speaker given", str(tally.unnamed_found), ""),
            (f"who, {how}: found, several people named", str(tally.several), ""),
        ]
    if show:
        for kind, tally in [*tallies.items(), *((f"who, {h}", t) for h, t in who.items())]:
            for line in tally.errors[:show]:
                print(f"WRONG {kind}: {line}")
            for line in tally.misses[:show]:
                print(f"miss  {kind}: {line}")
    from bench.common import report

    report("attribution_polnear" + (f"_{split}_half{half}" if half else ""), rows, figures)


def _figures(tally: Tally) -> dict:
    return {k: v for k, v in vars(tally).items() if not isinstance(v, list)}


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def _pct(a: int, b: int) -> str:
    return f"{a}/{b} = {100 * _ratio(a, b):.1f}%"
