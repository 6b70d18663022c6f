import logging
import unicodedata

from django.core.exceptions import BadRequest
from django.db import DatabaseError, IntegrityError
from django.http import Http404
from django.shortcuts import render
from django.utils import translation

from mysteryshop import logs

logger = logging.getLogger(__name__)


class RequestIdMiddleware:
    """Every request gets an id: the proxy's X-Request-ID when it is a valid one,
    else a new one. It is on every log line of the request (mysteryshop.logs),
    in the response's X-Request-ID header and on the 500 page, so a user's
    report, the proxy's access log and the app's logs point at the same request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = logs.request_id_from(request.headers.get("X-Request-ID"))
        # Not reset on the way out: Django logs a 4xx/5xx after the middleware
        # has returned; logs clears it when the request is finished.
        logs.request_id.set(request.request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class UserLanguageMiddleware:
    """Use the language a signed-in user chose, on every device they use.

    LocaleMiddleware has already picked one from the cookie or the browser;
    the user's saved choice wins over both.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        try:
            language = user.language if user is not None and user.is_authenticated else ""
        except DatabaseError:
            # The database is down: keep LocaleMiddleware's choice and let the
            # view answer (/healthz reports the outage as JSON, not a 500 page).
            language = ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


def _has_control_character(text: str) -> bool:
    return any(unicodedata.category(char) == "Cc" for char in text)


class RejectBadPathMiddleware:
    """A path with a NUL byte or another control character is a 404, before any view.

    No address of ours has such characters, and PostgreSQL refuses a NUL in a
    text parameter (DataError → 500), so a path parameter such as a program
    code, a month or a calendar token never carries one to the database. The
    same goes for a NUL in a query-string value (400): views may read those
    directly. Forms already refuse NULs in submitted fields.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_control_character(request.path_info):
            raise Http404("control character in the path")
        if any(
            "\x00" in key or any("\x00" in v for v in values)
            for key, values in request.GET.lists()
        ):
            raise BadRequest("NUL in the query string")
        return self.get_response(request)


class ConcurrentWriteMiddleware:
    """A unique constraint that a concurrent request won is a calm 409 page.

    Forms check uniqueness before saving, but two people pressing the same
    button at once both pass that check, and the database's named constraint
    stops the second (IntegrityError). Services catch the cases they can answer
    better (a plan made meanwhile opens that plan); this is the net for the
    rest: nothing was written (the transaction rolled back), the user is told
    so and the error is logged.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, IntegrityError):
            return None
        # Logged with its traceback: a constraint hit without any concurrency is a bug.
        logger.error(
            "Unique constraint hit on %s %s (concurrent write?): %s",
            request.method,
            request.path,
            exception,
            exc_info=exception,
        )
        back = request.path if request.method == "POST" else ""
        return render(request, "409.html", {"back": back}, status=409)
