"""Errors of the API as RFC 9457 problem details (application/problem+json)."""

from http import HTTPStatus

from django.http import JsonResponse

PROBLEM_TYPE = "application/problem+json"
# The type of a problem that is only its HTTP status (RFC 9457, 4.2.1).
BLANK = "about:blank"
# Problems of this API, documented on /api/docs.
INVALID = "urn:mysteryshop:problem:invalid-request"
IMPORT_REJECTED = "urn:mysteryshop:problem:import-rejected"
VALUES_TO_MAP = "urn:mysteryshop:problem:values-to-map"
SCHEDULE_HIDDEN = "urn:mysteryshop:problem:schedule-hidden"


def problem(status: int, detail: str = "", *, type: str = BLANK, title: str = "", **extra) -> dict:
    """The problem document: type, title, status, detail, and members of its type."""
    body = {
        "type": type,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = str(detail)
    body.update(extra)
    return body


def problem_response(status: int, detail: str = "", **kwargs) -> JsonResponse:
    headers = kwargs.pop("headers", None)
    response = JsonResponse(
        problem(status, detail, **kwargs), status=status, content_type=PROBLEM_TYPE
    )
    for key, value in (headers or {}).items():
        response[key] = value
    return response
