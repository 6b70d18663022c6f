"""Pages of the API app: the program's API tokens (made and revoked by its
manager) and the interactive API documentation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from api import selectors, services
from api.forms import TokenForm
from api.models import ApiToken
from mysteryshop.history import NOT_SHOWN, history_entries, model_fields
from programs.access import EDIT_RULES, get_program_for

# Tokens act as the program: only its manager makes and revokes them.
TOKEN_ROLES = EDIT_RULES
HISTORY_LIMIT = 20


def token_history(program):
    """Who made and revoked the program's tokens (never the hash of a secret)."""
    return history_entries(
        ApiToken.history.filter(program_id=program.pk),
        related=("created_by", "revoked_by"),
        limit=HISTORY_LIMIT,
        fields=model_fields(ApiToken.history.model, exclude=NOT_SHOWN | {"secret_hash"}),
        describe=lambda record: f"{record.prefix}… ({record.name})",
    )


@never_cache  # the page that shows a new secret is never kept by a cache
@login_required
@require_http_methods(["GET", "POST"])
def api_token_list(request, code):
    program = get_program_for(request.user, code, roles=TOKEN_ROLES)
    form = TokenForm(request.POST or None)
    created, secret = None, ""
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = services.token_create(
                program=program, user=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form = TokenForm()
    return render(
        request,
        "api/tokens.html",
        {
            "program": program,
            "form": form,
            "tokens": selectors.tokens_of(program),
            "created": created,
            "secret": secret,  # shown on this response only; only its hash is stored
            "history": token_history(program),
            "docs_url": reverse("api_docs"),
        },
    )


@login_required
@require_POST
def api_token_revoke(request, code, pk):
    program = get_program_for(request.user, code, roles=TOKEN_ROLES)
    token = get_object_or_404(ApiToken, program=program, pk=pk)
    try:
        services.token_revoke(token=token, user=request.user)
    except ValidationError as exc:
        messages.info(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The token %(prefix)s… (%(name)s) is revoked: it no longer opens the API.")
            % {"prefix": token.prefix, "name": token.name},
        )
    return redirect("api_token_list", program.code)


@require_GET
def api_docs(request):
    """Swagger UI on the OpenAPI document, from our own static files (no CDN)."""
    return render(request, "api/docs.html", {"schema_url": reverse("api:openapi-json")})
