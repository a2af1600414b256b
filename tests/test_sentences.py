from retrieval.text.sentences import sentence_spans


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def test_sentence_ending_inside_closing_quote():
    text = "“We will conduct strikes,” Asif said. “It is definitely a possibility.” He left."
    assert sentences(text) == [
        "“We will conduct strikes,” Asif said.",
        "“It is definitely a possibility.”",
        "He left.",
    ]


def test_abbreviations_and_initials_do_not_end_sentences():
    text = "After the skirmish on Oct. 11 the U.S. envoy met Gen. J. Smith. Talks resumed."
    assert sentences(text) == [
        "After the skirmish on Oct. 11 the U.S. envoy met Gen. J. Smith.",
        "Talks resumed.",
    ]


def test_spans_are_offsets_into_the_original_text():
    text = "  First one.   Second one!  "
    for start, end in sentence_spans(text):
        assert text[start:end].strip() == text[start:end]
