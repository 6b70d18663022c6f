"""Query-count checks: every page issues a constant number of SQL queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def page_queries(client, url: str, *, status: int = 200) -> list[str]:
    """GET `url` and return the SQL it ran."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return [q["sql"] for q in ctx.captured_queries]


def assert_same_query_count(small: list[str], large: list[str]) -> None:
    """Fail, printing the SQL of both runs, when the counts differ."""
    if len(small) != len(large):
        listing = "\n".join(["-- small data:", *small, "", "-- large data:", *large])
        raise AssertionError(
            f"query count grows with data: {len(small)} -> {len(large)}\n{listing}"
        )
