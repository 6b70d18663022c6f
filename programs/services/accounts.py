"""Account services: throttling password-reset e-mails."""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

PASSWORD_RESET_WINDOW = 3600  # seconds: the limits count requests per hour


def _count(key: str) -> int:
    """One more request under `key` in the current window; the count so far."""
    cache.add(key, 0, PASSWORD_RESET_WINDOW)  # starts the window; no-op when it runs
    try:
        return cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, PASSWORD_RESET_WINDOW)
        return 1


def password_reset_allowed(*, email: str, client: str | None) -> bool:
    """Whether a reset mail may go to `email` for a request from `client` (an IP).

    At most PASSWORD_RESET_LIMIT_PER_ADDRESS mails per address and
    PASSWORD_RESET_LIMIT_PER_CLIENT requests per client address an hour (a whole
    contact center may share one address, hence the higher second limit). Every
    request counts, for known and unknown addresses alike, and the page answers
    the same either way, so the throttle tells nobody which addresses exist.
    The cache being away does not stop resets: they are then not throttled.
    """
    address = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    try:
        per_address = _count(f"password-reset:address:{address}")
        per_client = _count(f"password-reset:client:{client or 'unknown'}")
    except Exception:  # Redis down or hung (its socket timeout): fail open, say so
        logger.warning("Password-reset throttle unavailable (cache error)", exc_info=True)
        return True
    allowed = (
        per_address <= settings.PASSWORD_RESET_LIMIT_PER_ADDRESS
        and per_client <= settings.PASSWORD_RESET_LIMIT_PER_CLIENT
    )
    if not allowed:
        logger.warning(
            "Password reset throttled: address %s… (%s this hour), client %s (%s this hour)",
            address[:12],
            per_address,
            client,
            per_client,
        )
    return allowed
