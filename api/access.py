"""Who calls the API, and the program they may read: a program's token, or a
signed-in user through the same gate as the pages (programs.access)."""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth

from api.models import ApiToken
from api.services import token_for_secret, token_touch
from programs.access import get_program_for, schedule_hidden
from programs.models import Program, Role

# What a token may read: what the program's manager and analyst read on the pages
# (tokens are made by managers), so plans and planned shops included.
TOKEN_ROLES: frozenset[str] = frozenset({Role.MANAGER, Role.QC_ANALYST})


class ProgramToken(HttpBearer):
    """`Authorization: Bearer mst_…`: an active token of a program."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = token_for_secret(token)
        if found is not None:
            token_touch(token=found)
        return found


class Session(SessionAuth):
    """A signed-in user of the product (CSRF checked on writes, as on the pages)."""

    openapi_description = "The product's session cookie, for signed-in users."

    def authenticate(self, request: HttpRequest, key):
        # A request that sends a token is judged by it alone: a revoked or wrong
        # token is refused even from a browser that is signed in.
        if request.headers.get("Authorization"):
            return None
        return super().authenticate(request, key)


def program_for(
    request: HttpRequest, code: str, *, roles: Iterable[str] | None = None, push: bool = False
) -> Program:
    """The program `code` with `user_roles` set, for the caller of `request`.

    A token reads its own program only (another program is 404, as for a
    non-member) with TOKEN_ROLES; `push` needs a read-write token. A user goes
    through programs.access.get_program_for: 404 to a non-member, 403 without
    one of `roles`.
    """
    caller = request.auth
    if isinstance(caller, ApiToken):
        if caller.program.code != code:
            raise Http404
        if push and not caller.can_push:
            raise PermissionDenied(
                _("This token may only read: pushing needs a read-write token.")
            )
        program = caller.program
        program.user_roles = TOKEN_ROLES
        if roles is not None and not program.user_roles & frozenset(roles):
            raise PermissionDenied
        return program
    return get_program_for(caller, code, roles=roles)


def acting_user(request: HttpRequest):
    """Who the write is made as: the user, or the manager who made the token."""
    caller = request.auth
    return caller.created_by if isinstance(caller, ApiToken) else caller


def hides_schedule(program: Program, month: date, today: date) -> bool:
    """programs.access.schedule_hidden for the caller (a token reads plans)."""
    return schedule_hidden(program.user_roles, month, today)
