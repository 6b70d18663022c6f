"""Writes of the API app: tokens made, revoked and used."""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken, TokenScope
from programs.models import Program, User

SECRET_PREFIX = "mst_"  # tells a mysteryshop token apart in a secret scanner or a log
PREFIX_LENGTH = len(SECRET_PREFIX) + 8  # what the token list shows of the secret
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(*, program: Program, name: str, scope: str, user: User) -> tuple[ApiToken, str]:
    """Make a token for `program`; returns it and its secret, which is stored only
    as a hash: the caller shows it once."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Name the token after what will use it.")})
    if scope not in TokenScope.values:
        raise ValidationError({"scope": _("Choose read, or read and push contact data.")})
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        program=program,
        name=name,
        scope=scope,
        prefix=secret[:PREFIX_LENGTH],
        secret_hash=secret_hash(secret),
        created_by=user,
    )
    token.full_clean()
    token._history_user = user
    token.save()
    return token, secret


@transaction.atomic
def token_revoke(*, token: ApiToken, user: User) -> ApiToken:
    """Revoke a token for good (it stays listed with who revoked it and when)."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise ValidationError(_("This token was revoked already."))
    token.revoked_at = timezone.now()
    token.revoked_by = user
    token._history_user = user
    token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def token_for_secret(secret: str) -> ApiToken | None:
    """The active token whose secret this is, with its program. One query."""
    if not secret.startswith(SECRET_PREFIX):
        return None
    return (
        ApiToken.objects.select_related("program__organization", "created_by")
        .filter(secret_hash=secret_hash(secret), revoked_at=None)
        .first()
    )


def token_touch(*, token: ApiToken, now=None) -> bool:
    """Record that the token was used: one conditional UPDATE at most once a
    minute (so a busy client does not write on every request, and two requests
    at once write once). Not in the history. Returns whether it wrote."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return False
    written = ApiToken.objects.filter(
        Q(last_used_at=None) | Q(last_used_at__lt=now - TOUCH_EVERY), pk=token.pk
    ).update(last_used_at=now)
    token.last_used_at = now
    return bool(written)
