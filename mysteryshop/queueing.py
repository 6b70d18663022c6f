"""Handing work to the Celery worker when the broker may be away.

Every long job (a contact import, an agents import, an audit pack, a report's
documents) is a row first: the task only carries its id. When the broker does
not answer, the row waits and a periodic sweep sends it again, so nothing is
lost and the request answers at once.
"""

import logging

from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def send(task, *args, what: str) -> bool:
    """`task.delay(*args)`; False (logged) when the broker does not answer: the
    row stays waiting and its sweep retries. Only the broker's errors are
    caught (down, refused, timed out): a task run eagerly (tests) raises its own.
    `what` names the job in the log."""
    try:
        task.delay(*args)
    except (OperationalError, OSError, TimeoutError):  # the broker is away: the sweep retries
        logger.warning("Could not queue %s %s; the sweep will retry.", what, args, exc_info=True)
        return False
    return True
