"""Answering: question → route (speech or passages) → evidence or refusal → an answer whose
every claim cites an exact quote."""
