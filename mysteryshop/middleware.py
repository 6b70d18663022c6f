from django.utils import translation


class UserLanguageMiddleware:
    """Use the language a signed-in user chose, on every device they use.

    LocaleMiddleware has already picked one from the cookie or the browser;
    the user's saved choice wins over both.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)
