"""Two app processes sharing one real PostgreSQL: retried events answered once, threads
continued by either replica."""

from __future__ import annotations

import pytest

from bench.postgres_server import PostgresUnavailable
from bench.slack_replicas import run_two_replicas


@pytest.mark.slow
def test_two_replicas_on_postgres_answer_each_mention_exactly_once():
    try:
        figures = run_two_replicas(200)
    except PostgresUnavailable as err:
        pytest.skip(f"PostgreSQL could not start here: {err}")
    assert figures["deliveries"] == 400 and figures["http_statuses"] == {200: 400}
    assert figures["answered"] == 200
    assert figures["lost"] == 0 and figures["duplicated"] == 0
    assert figures["follow_up_continued_on_other_replica"]
