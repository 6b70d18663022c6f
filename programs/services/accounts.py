"""Account services: throttling password-reset e-mails; who a single sign-on
user is and which program roles their provider groups give."""

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from programs.models import Membership, Program, Role, User
from programs.services import people

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


# --- Single sign-on (OpenID Connect; programs.backends) -------------------------


@dataclass(frozen=True)
class GroupRole:
    """One entry of OIDC_GROUP_ROLES: members of `group` get `role` in `program_code`."""

    group: str
    program_code: str
    role: str


def group_roles_parse(text: str) -> list[GroupRole]:
    """OIDC_GROUP_ROLES ("group=PROGRAMCODE:role,...") as entries.

    A group name may itself hold "=" (the last one separates); program codes are
    compared without regard to case. A malformed entry or an unknown role is a
    configuration error, raised when single sign-on is first used.
    """
    entries = []
    for raw in text.split(","):
        raw = raw.strip()
        if not raw:
            continue
        group, _, target = raw.rpartition("=")
        code, _, role = target.partition(":")
        group, code, role = group.strip(), code.strip(), role.strip()
        if not group or not code or not role:
            raise ImproperlyConfigured(
                f"OIDC_GROUP_ROLES: {raw!r} is not group=PROGRAMCODE:role "
                "(e.g. qc-managers=PGD:manager)."
            )
        if role not in Role.values:
            raise ImproperlyConfigured(
                f"OIDC_GROUP_ROLES: {raw!r} names the role {role!r}; "
                f"roles are {', '.join(Role.values)}."
            )
        entries.append(GroupRole(group=group, program_code=code, role=role))
    return entries


def sso_email(claims: dict) -> str:
    """The e-mail address in the provider's claims (OIDC_EMAIL_CLAIM), or ''."""
    value = claims.get(settings.OIDC_EMAIL_CLAIM) or ""
    return value.strip() if isinstance(value, str) and "@" in value else ""


def sso_groups(claims: dict) -> set[str]:
    groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(groups, str):
        groups = [groups]
    return {str(group) for group in groups}


def sso_user_find(*, claims: dict) -> User | None:
    """The account the provider's e-mail names (case-insensitive), or None."""
    email = sso_email(claims)
    return User.objects.filter(email__iexact=email).first() if email else None


def sso_user_create(*, claims: dict) -> User:
    """A new account for a person the provider vouches for (OIDC_CREATE_USERS).

    It has no usable password: it signs in through the provider only.
    """
    email = sso_email(claims)
    if not email:
        raise ValidationError(_("The identity provider gave no e-mail address."))
    name = str(claims.get("name") or "").strip() or email.split("@")[0]
    return User.objects.create_user(email=email, password=None, full_name=name[:150])


@transaction.atomic
def sso_roles_apply(*, user: User, claims: dict) -> list[str]:
    """Give `user` the program roles their provider groups map to (OIDC_GROUP_ROLES),
    through the membership service; with OIDC_GROUP_ROLES_SYNC take away mapped
    roles their groups no longer give. Returns what changed, for the log."""
    mapping = group_roles_parse(settings.OIDC_GROUP_ROLES)
    if not mapping:
        return []
    groups = sso_groups(claims)
    codes = {entry.program_code.lower() for entry in mapping}
    programs = {
        program.code.lower(): program
        for program in Program.objects.all()
        if program.code.lower() in codes
    }
    held = {
        (membership.program_id, membership.role): membership
        for membership in Membership.objects.filter(user=user).select_related("program")
    }
    wanted, mapped, changes = set(), set(), []
    for entry in mapping:
        program = programs.get(entry.program_code.lower())
        if program is None:
            logger.warning("OIDC_GROUP_ROLES names program %s, which does not exist", entry)
            continue
        mapped.add((program.pk, entry.role))
        if entry.group in groups:
            wanted.add((program.pk, entry.role))
    for program_id, role in sorted(wanted - set(held)):
        program = next(p for p in programs.values() if p.pk == program_id)
        people.membership_add(
            program=program, email=user.email, full_name=user.full_name, role=role
        )
        changes.append(f"+{program.code}:{role}")
    if settings.OIDC_GROUP_ROLES_SYNC:
        for key in sorted((mapped & set(held)) - wanted):
            membership = held[key]
            try:
                people.membership_remove(membership=membership)
            except ValidationError:  # the last manager stays; someone must hand it over
                logger.warning("SSO kept %s: the program's last manager", membership)
                continue
            changes.append(f"-{membership.program.code}:{membership.role}")
    if changes:
        logger.info("SSO roles of user %s: %s", user.pk, " ".join(changes))
    return changes
