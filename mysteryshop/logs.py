"""Logs: a request id on every record, JSON in production.

RequestIdMiddleware (mysteryshop.middleware) sets the id of each request in a
context variable; RequestIdFilter copies it onto every log record, so one
request's lines can be found together, and the response carries it in
X-Request-ID. A task queued during a request takes the id along in its message
headers and logs it while it runs; a task queued by beat logs its own task id.
"""

import contextvars
import logging
import re
import uuid

from celery.signals import before_task_publish, task_postrun, task_prerun
from django.core.signals import request_finished
from django.dispatch import receiver

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# What an X-Request-ID from the proxy may look like: a UUID, a hex or base64-ish
# token of a sane length. Anything else is replaced, so a log line never carries
# a client's newline, quote or megabyte.
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@+/=-]{8,128}$")
TASK_HEADER = "mysteryshop_request_id"


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(header: str | None) -> str:
    """The proxy's request id when it is a valid one, else a new one."""
    if header and VALID_REQUEST_ID.match(header):
        return header
    return new_request_id()


class RequestIdFilter(logging.Filter):
    """Puts the current request (or task) id on the record as `request_id`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


@receiver(request_finished, weak=False)
def _request_done(**kwargs):
    request_id.set("-")


@before_task_publish.connect(weak=False)
def _send_request_id(headers=None, **kwargs):
    current = request_id.get()
    if headers is not None and current != "-":
        headers.setdefault(TASK_HEADER, current)


_task_tokens: dict[str, contextvars.Token] = {}


@task_prerun.connect(weak=False)
def _task_request_id(task_id=None, task=None, **kwargs):
    carried = getattr(task.request, TASK_HEADER, None) if task is not None else None
    if carried is None and task is not None:
        carried = (getattr(task.request, "headers", None) or {}).get(TASK_HEADER)
    # An eager task (tests, CELERY_TASK_ALWAYS_EAGER) keeps its request's id.
    current = request_id.get()
    if task_id:
        fallback = current if current != "-" else task_id
        _task_tokens[task_id] = request_id.set(request_id_from(carried or fallback))


@task_postrun.connect(weak=False)
def _task_request_id_done(task_id=None, **kwargs):
    token = _task_tokens.pop(task_id, None) if task_id else None
    if token is not None:
        try:
            request_id.reset(token)
        except ValueError:  # set in another context (eager tasks inside a request)
            request_id.set("-")
