"""Answer quality on real news: the development set (`bench/devset.json`) asked of Reuters.

    .venv/bin/python -m bench.answers [--show 20] [--kinds said,not-on-topic]

Ingests the subset the development set was built from (the first 3,000 Reuters-21578
articles, one JSONL file; kept in `bench/.data/answers` so a re-run only asks), asks every
question (follow-ups in a conversation) and prints:

- **answered**: answerable questions whose expected span (or, for a headline question, the
  expected article) is cited — target ≥ 90%;
- **refused**: unanswerable questions answered "not found" — target ≥ 95%; with the precision
  and recall of refusals over the whole set;
- **exact**: citations whose quote is an exact substring of the stored article — target 100%;
- **misattributed**: answers that give one person's words to another — target 0. A cited span
  counts against an answer about X when the index names another speaker for it, when the
  span itself says "<another name> said", or when X is someone the archive never quotes.

`--show N` prints N answers (sampled with a fixed seed) for reading by hand.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections import Counter
from pathlib import Path

from bench import general, reuters
from bench.common import RESULTS, bench_settings, report
from bench.devset import _COMPANY_WORDS, DEVSET
from bot.answer.types import Answer, Conversation
from bot.service import Newsdesk
from retrieval.text.names import make_speaker

DATA = Path(__file__).resolve().parent / ".data" / "answers"
ANSWERABLE = {"said", "fact", "follow-up", "role", "when", "who", "how-many"}
TYPED = ("when", "who", "how-many")
_SAID_BY = re.compile(r"(?P<name>[A-Z][a-z]+(?:\s[A-Z]\.)?\s[A-Z][a-z]+) (?:said|told|added)\b")


def prepare(subset: int) -> Newsdesk:
    articles = DATA / "articles"
    target = articles / "reuters.jsonl"
    if not target.exists():
        reuters.write_jsonl(target, list(reuters.records(subset)))
    desk = Newsdesk(bench_settings(DATA / "store", articles, strip_boilerplate=True))
    started = time.perf_counter()
    result = desk.refresh()
    if result.added or result.updated:
        print(f"ingested {len(result.added) + len(result.updated)} articles, "
              f"{result.chunks_embedded} chunks, {result.quotes_indexed} quotes "
              f"in {time.perf_counter() - started:.0f} s")  # fmt: skip
    return desk


def ask(desk: Newsdesk, item: dict) -> Answer:
    if "follow_up" in item:
        conversation = Conversation()
        desk.ask(item["question"], conversation)
        return desk.ask(item["follow_up"], conversation)
    return desk.ask(item["question"])


def cited_spans(desk: Newsdesk, answer: Answer) -> list[tuple[str, int, int, bool]]:
    """(article, start, end, exact) of every citation."""
    articles = desk.store.get_articles(c.article_id for c in answer.citations)
    spans = []
    for citation in answer.citations:
        text = articles[citation.article_id].text if citation.article_id in articles else ""
        start = text.find(citation.quote)
        spans.append((citation.article_id, start, start + len(citation.quote), start >= 0))
    return spans


def correct(item: dict, answer: Answer, spans: list, expected_texts: list[str]) -> bool:
    if item["kind"] not in ANSWERABLE:
        return not answer.found
    if not answer.found:
        return False
    if item.get("expects_date"):
        expected = item["expected"][0]["article_id"]
        return any(c.article_id == expected for c in answer.citations)
    if item.get("value"):  # the same date, person or number from the article is right too
        value = " ".join(item["value"].split())
        article = item["expected"][0]["article_id"]
        if any(c.article_id == article and value in " ".join(c.quote.split())
               for c in answer.citations):  # fmt: skip
            return True
    for expected in item["expected"]:
        for article_id, start, end, _ in spans:
            if article_id != expected["article_id"]:
                continue
            if "start" not in expected or (start < expected["end"] and expected["start"] < end):
                return True
    # The same words cited from a copy of the story (the wire runs some stories twice).
    return any(text and text in c.quote for text in expected_texts for c in answer.citations)


def expected_texts(desk: Newsdesk, item: dict) -> list[str]:
    spans = [e for e in item["expected"] if "start" in e]
    articles = desk.store.get_articles(e["article_id"] for e in spans)
    return [
        articles[e["article_id"]].text[e["start"] : e["end"]]
        for e in spans
        if e["article_id"] in articles
    ]


def misattributed(item: dict, answer: Answer) -> int:
    """Citations of an answer about a person that are someone else's words."""
    person = item.get("person")
    if not person or not answer.found or item.get("expects_date"):
        return 0
    if item["kind"] == "absent-person":
        return len(answer.citations)
    people = item.get("role_holders") or [person]  # a role: any of its holders, by name
    wrong = 0
    for citation in answer.citations:
        label_ok = citation.speaker is None or any(_same(p, citation.speaker) for p in people)
        named = [m.group("name") for m in _SAID_BY.finditer(citation.quote)]
        text_ok = not named or any(_same(p, name) for p in people for name in named)
        wrong += not (label_ok and text_ok)
    return wrong


def general_row(desk: Newsdesk, item: dict, answer: Answer, spans: list) -> dict:
    """A general question's row (`bench.general`): no person, so no misattribution to count."""
    wanted = [s["article_id"] for s in item["sentences"]]
    texts = {i: a.text for i, a in desk.store.get_articles(wanted).items()}
    return {
        "id": item["id"],
        "set": item["set"],
        "shape": item["shape"],
        "answerable": item["answerable"],
        "kind": item["kind"],
        "question": item["question"],
        "found": answer.found,
        "correct": general.correct(item, answer, spans, texts),
        "exact": all(exact for *_, exact in spans),
        "citations": len(spans),
        "misattributed": 0,
        "answer": answer.text,
        "speakers": [c.speaker for c in answer.citations],
    }


def _same(asked: str, name: str) -> bool:
    """One person, however written ("Leao Franco", "Jorge Luis Leao Franco"): same surname.
    A name ending in a company word ("Bache Securities said") is not a person to compare."""
    if name.split()[-1] in _COMPANY_WORDS:
        return True
    return make_speaker(asked, "PERSON").surname == make_speaker(name, "PERSON").surname


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show", type=int, default=0, help="print N answers to read by hand")
    parser.add_argument(
        "--kinds", default="", help="only kinds starting so (comma-separated; 'general:')"
    )
    parser.add_argument(
        "--tune",
        action="store_true",
        help="vary each ranking weight of bot.answer.said, report each",
    )
    reuters.add_corpus_argument(parser)
    args = parser.parse_args()
    reuters.use(args.corpus)
    if args.tune:
        tune()
        return
    devset = json.loads(DEVSET.read_text())
    items = devset["questions"]
    items += general.load(general.DEVELOPMENT, "general") + general.load(
        (general.UNTOUCHED,), "untouched"
    )
    if args.kinds:
        items = [q for q in items if q["kind"].startswith(tuple(args.kinds.split(",")))]
    desk = prepare(devset["subset"])
    desk.warm_up()
    rows, timings = [], []
    for item in items:
        started = time.perf_counter()
        answer = ask(desk, item)
        timings.append(time.perf_counter() - started)
        spans = cited_spans(desk, answer)
        if "set" in item:
            rows.append(general_row(desk, item, answer, spans))
            continue
        rows.append(
            {
                "id": item["id"],
                "kind": item["kind"],
                "phrasing": item.get("phrasing", "plain"),
                "question": item["question"]
                + (" → " + item["follow_up"] if "follow_up" in item else ""),
                "found": answer.found,
                "correct": correct(item, answer, spans, expected_texts(desk, item)),
                "exact": all(exact for *_, exact in spans),
                "citations": len(spans),
                "misattributed": misattributed(item, answer),
                "answer": answer.text,
                "speakers": [c.speaker for c in answer.citations],
            }
        )
    summarise(rows, timings, devset)
    if args.show:
        for row in random.Random(3).sample(rows, min(args.show, len(rows))):
            print(f"\n#{row['id']} [{row['kind']}] {row['question']}")
            print(f"  found={row['found']} correct={row['correct']} "
                  f"misattributed={row['misattributed']} speakers={row['speakers']}")  # fmt: skip
            print("  " + row["answer"][:500].replace("\n", "\n  "))


TUNED = [
    "W_SIMILARITY", "W_PASSAGE", "W_ARTICLE", "W_TOPIC_IN_ARTICLE", "W_TOPIC_IN_QUOTE",
    "TOPIC_COVERAGE_ON_TOPIC", "SIMILARITY_ON_TOPIC", "KEEP_WITHIN",
]  # fmt: skip
PERSON_KINDS = {"said", "follow-up", "not-on-topic", "absent-topic"}


def tune() -> None:
    """Each of bot.answer.said's weights at 0, half and 1.5 times its value, the others as they are:
    questions about a person answered and refused (the figures the constants cite)."""
    import bot.answer.said as said

    devset = json.loads(DEVSET.read_text())
    items = [q for q in devset["questions"] if q["kind"] in PERSON_KINDS and "person" in q]
    desk = prepare(devset["subset"])
    desk.warm_up()

    def score() -> tuple[int, int]:
        answered = refused = 0
        for item in items:
            answer = ask(desk, item)
            right = correct(item, answer, cited_spans(desk, answer), expected_texts(desk, item))
            if item["kind"] in ANSWERABLE:
                answered += right
            else:
                refused += right
        return answered, refused

    answerable = sum(q["kind"] in ANSWERABLE for q in items)
    base = score()
    rows = [("as set", f"{base[0]}/{answerable} · {base[1]}/{len(items) - answerable}", "")]
    figures = {"as set": base}
    for name in TUNED:
        value = getattr(said, name)
        for factor in (0.0, 0.5, 1.5):
            setattr(said, name, value * factor)
            result = score()
            label = f"{name} = {value * factor:.2f}"
            figures[label] = result
            rows.append(
                (label, f"{result[0]}/{answerable} · {result[1]}/{len(items) - answerable}", "")
            )
        setattr(said, name, value)
    report("tuning", [("weight (answered · refused)", "", ""), *rows], figures)


def summarise(rows: list[dict], timings: list[float], devset: dict) -> None:
    every_row = rows
    general_table, general_figures = general.summarise([r for r in rows if "set" in r])
    rows = [r for r in rows if "set" not in r]
    answerable = [r for r in rows if r["kind"] in ANSWERABLE]
    unanswerable = [r for r in rows if r["kind"] not in ANSWERABLE]
    answered = sum(r["correct"] for r in answerable)
    refused = sum(r["correct"] for r in unanswerable)
    citations = sum(r["citations"] for r in every_row)
    exact = sum(r["citations"] for r in every_row if r["exact"])
    wrong_mouth = sum(r["misattributed"] for r in every_row)
    refusals = [r for r in rows if not r["found"]]
    true_refusals = sum(r["kind"] not in ANSWERABLE for r in refusals)
    precision = true_refusals / len(refusals) if refusals else 1.0
    recall = true_refusals / len(unanswerable) if unanswerable else 1.0
    by_kind = Counter(r["kind"] for r in rows)
    right_by_kind = Counter(r["kind"] for r in rows if r["correct"])
    figures = {
        "questions": len(rows),
        "subset_articles": devset["subset"],
        "answered_correctly": answered,
        "answerable": len(answerable),
        "refused_correctly": refused,
        "unanswerable": len(unanswerable),
        "refusal_precision": round(precision, 3),
        "refusal_recall": round(recall, 3),
        "citations": citations,
        "exact_citations": exact,
        "misattributed_citations": wrong_mouth,
        "by_kind": {k: f"{right_by_kind[k]}/{n}" for k, n in sorted(by_kind.items())},
        "ask_seconds_median": round(sorted(timings)[len(timings) // 2], 3),
        "general": general_figures,
        "rows": every_row,
    }
    pct = _pct
    typed = [r for r in rows if r["kind"] in TYPED]
    figures["typed_answered"] = [sum(r["correct"] for r in typed), len(typed)]
    report(
        "answers",
        [
            ("answered correctly", pct(answered, len(answerable)), "≥ 90%"),
            ("refused correctly", pct(refused, len(unanswerable)), "≥ 95%"),
            ("when / who / how-many", pct(*figures["typed_answered"]), "≥ 85%"),
            ("refusal precision / recall", f"{precision:.2f} / {recall:.2f}", ""),
            ("exact quotes", pct(exact, citations), "100%"),
            ("misattributed citations", str(wrong_mouth), "0"),
            *((f"  {kind}", figures["by_kind"][kind], "") for kind in sorted(by_kind)),
            *general_table,
        ],
        figures,
    )
    by_phrasing(rows)
    print(f"(details per question in {RESULTS / 'answers.json'})")


PERSON_REFUSALS = {"not-on-topic", "absent-person", "absent-topic"}


def by_phrasing(rows: list[dict]) -> None:
    """A row per phrasing of the questions about a person: said answered, refusals held,
    misattributed citations (`bench.phrasings`)."""
    about_person = [r for r in rows if r["kind"] in {"said"} | PERSON_REFUSALS]
    phrasings = list(dict.fromkeys(r["phrasing"] for r in about_person))
    if not phrasings:
        return
    width = max(len(p) for p in phrasings)
    print(f"\n{'phrasing':<{width}}  {'said answered':>16}  {'refused':>16}  misattributed")
    figures = {}
    for phrasing in phrasings:
        mine = [r for r in about_person if r["phrasing"] == phrasing]
        said = [r for r in mine if r["kind"] == "said"]
        refusals = [r for r in mine if r["kind"] in PERSON_REFUSALS]
        answered = sum(r["correct"] for r in said)
        refused = sum(r["correct"] for r in refusals)
        wrong = sum(r["misattributed"] for r in mine)
        figures[phrasing] = {"said": [answered, len(said)], "refused": [refused, len(refusals)],
                             "misattributed": wrong}  # fmt: skip
        print(f"{phrasing:<{width}}  {_pct(answered, len(said)):>16}  "
              f"{_pct(refused, len(refusals)):>16}  {wrong}")  # fmt: skip
    path = RESULTS / "answers_by_phrasing.json"
    path.write_text(json.dumps(figures, indent=2))


def _pct(a: int, b: int) -> str:
    return f"{a}/{b} = {100 * a / max(b, 1):.1f}%" if b else "—"


if __name__ == "__main__":
    main()
