"""The product's public address (SITE_URL): every link that leaves a request —
e-mails, the worker's messages, the calendar feed — is built from it, never from
the Host header of whoever happened to ask."""

from urllib.parse import urlsplit

from django.conf import settings


def site_url(path: str = "") -> str:
    """SITE_URL joined with an absolute path ("/p/PGD/"); the bare address for ""."""
    base = settings.SITE_URL.rstrip("/")
    return f"{base}{path}" if path else base


def site_parts() -> tuple[str, str]:
    """(scheme, host[:port]) of SITE_URL, for templates that take them apart."""
    parts = urlsplit(settings.SITE_URL)
    return parts.scheme, parts.netloc
