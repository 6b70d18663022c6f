"""Handing work to the Celery worker when the broker may be away.

Every long job (a contact import, an agents import, an audit pack) is a row
first: the task only carries its id. When the broker does not answer, the row
waits and a periodic sweep sends it again, so nothing is lost and the request
answers at once.
"""

import logging

logger = logging.getLogger(__name__)


def send(task, record_id: int, *, what: str) -> bool:
    """`task.delay(record_id)`; False (logged) when the broker does not answer:
    the row stays waiting and its sweep retries. `what` names the job in the log."""
    try:
        task.delay(record_id)
    except Exception:  # the broker is down or hung past its timeout
        logger.warning(
            "Could not queue %s %s; the sweep will retry.", what, record_id, exc_info=True
        )
        return False
    return True
