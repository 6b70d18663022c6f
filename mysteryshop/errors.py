"""The 500 page, with the request id a user can quote to the administrators."""

from django.http import HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from mysteryshop import logs


@requires_csrf_token
def server_error(request, template_name="500.html"):
    """Django's server_error, plus the id under which the error was logged.

    The template is rendered without a request context (no database, no
    session), as Django's own is: whatever broke must not break this page too.
    """
    template = loader.get_template(template_name)
    reference = getattr(request, "request_id", None) or logs.request_id.get()
    return HttpResponseServerError(template.render({"request_id": reference}))
