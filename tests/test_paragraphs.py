"""Paragraphs as readers count them, whatever the layout: blank lines, one per line, wire wrap."""

from __future__ import annotations

from retrieval.ingest.paragraphs import layout, reflow
from retrieval.settings import SEEDS_DIR

# The first lines of Reuters article 1 (hard-wrapped at ~65 columns, indented paragraphs).
WIRE = (
    "Showers continued throughout the week in\n"
    "the Bahia cocoa zone, alleviating the drought since early\n"
    "January and improving prospects for the coming temporao,\n"
    "although normal humidity levels have not been restored,\n"
    "Comissaria Smith said in its weekly review.\n"
    "    The dry period means the temporao will be late this year.\n"
    "    Arrivals for the week ended February 22 were 155,221 bags\n"
    "of 60 kilos making a cumulative total for the season of 5.93\n"
    "mln against 5.81 at the same stage last year.\n"
)


def paragraph_texts(body: str) -> list[str]:
    text, paragraphs = layout(body)
    return [text[p.start : p.end] for p in paragraphs if not p.heading]


def test_hard_wrapped_wire_copy_is_reflowed_into_indented_paragraphs():
    paragraphs = paragraph_texts(WIRE)
    assert len(paragraphs) == 3
    assert paragraphs[0].startswith("Showers continued throughout the week in the Bahia cocoa")
    assert paragraphs[0].endswith("Comissaria Smith said in its weekly review.")
    assert paragraphs[1] == "The dry period means the temporao will be late this year."
    assert all("\n" not in p for p in paragraphs)


def test_one_paragraph_per_line_is_not_joined():
    body = (
        "The ceasefire held overnight, officials said on Monday morning.\n"
        "Talks are due to resume in Istanbul later this week, diplomats said.\n"
        "Neither side has commented on the proposal so far."
    )
    assert paragraph_texts(body) == body.split("\n")


def test_blank_line_paragraphs_and_the_seeds_are_unchanged():
    for path in SEEDS_DIR.iterdir():
        text = path.read_text(encoding="utf-8")
        assert reflow(text.strip()) == text.strip()


def test_a_table_of_short_rows_is_paragraphs_not_a_stack_of_headings():
    body = (
        "Shr loss four cts vs loss one ct\n    Net loss 413,021 vs loss 163,932\n    Revs 600,971"
    )
    _, paragraphs = layout(body)
    assert [p.number for p in paragraphs] == [1, 2, 3]
    assert not any(p.heading for p in paragraphs)


def test_a_lone_short_line_between_paragraphs_is_a_heading():
    body = "First paragraph of the story.\n\nTalks collapse\n\nSecond paragraph of the story."
    text, paragraphs = layout(body)
    assert [(text[p.start : p.end], p.number) for p in paragraphs] == [
        ("First paragraph of the story.", 1),
        ("Talks collapse", None),
        ("Second paragraph of the story.", 2),
    ]
