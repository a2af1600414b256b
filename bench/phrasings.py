"""The ways people type one "what did X say about Y?" question, for the development set.

A question about a person is asked in many forms in chat: possessives, "any quotes from",
lower case, no question mark. The development set asks each of its person questions in every
form below, so `bench.answers` shows whether one phrasing answers worse than the plain one.
"""

from __future__ import annotations

PLAIN = "plain"

# name → how the question reads; "{x}" is the person as asked, "{y}" the topic.
PHRASINGS: dict[str, str] = {
    PLAIN: "What did {x} say about {y}?",
    "has said": "What has {x} said about {y}?",
    "comments on": "{x}'s comments on {y}",
    "react to": "How did {x} react to {y}?",
    "anything about": "Did {x} say anything about {y}?",
    "tell reporters": "What did {x} tell reporters about {y}?",
    "quotes from (lower case)": "any quotes from {x} on {y}",
    "give me quotes": "Give me {x}'s quotes on {y}",
    "X on Y": "{x} on {y} - what did they say?",
    "were comments (lower case)": "what were {x}'s comments on {y}",
}


def phrase(phrasing: str, person: str, topic: str) -> str:
    """The question in one phrasing; the lower-case ones are typed all in lower case."""
    text = PHRASINGS[phrasing].format(x=person, y=topic)
    return text.lower() if "lower case" in phrasing else text
