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


def test_initials_before_a_capitalised_name_do_not_end_a_sentence():
    """Reuters writes "R.J. Reynolds" and "the N.Z. Dollar": a split there cut a speaker's
    name from the sentence it speaks in (the quote index then missed the speaker)."""
    text = (
        "R.J. Reynolds spokesman David Fishel said the company would comply. "
        "The taxes would lower the value of the N.Z. Dollar, he said. Shares rose."
    )
    assert sentences(text) == [
        "R.J. Reynolds spokesman David Fishel said the company would comply.",
        "The taxes would lower the value of the N.Z. Dollar, he said.",
        "Shares rose.",
    ]


def test_a_sentence_after_an_abbreviation_that_ends_one_still_stands_alone():
    text = "Wang said the business grew in the U.S. He said Europe remains firm."
    assert sentences(text) == [
        "Wang said the business grew in the U.S.",
        "He said Europe remains firm.",
    ]


def test_spans_of_a_slice_stay_inside_it():
    text = "Before. Inside one. Inside two. After."
    start, end = text.index("Inside one"), text.index(" After")
    spans = sentence_spans(text, start, end)
    assert [text[s:e] for s, e in spans] == ["Inside one.", "Inside two."]
    assert all(start <= s < e <= end for s, e in spans)
