"""Language choice: Vietnamese unless the person chose English.

Browsers in a center are often set to English; a citizen-facing screen must still speak
Vietnamese. So pages follow only the language cookie set by the switch. API clients may also
ask with ``Accept-Language`` (a kiosk written in English, an integration).
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def choose(self, request: HttpRequest) -> str:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if chosen in self.supported:
            return chosen
        if request.path.startswith("/api/"):
            accepted = translation.get_language_from_request(request)
            if accepted in self.supported:
                return accepted
        return settings.LANGUAGE_CODE

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = self.choose(request)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        # Scoped to this request: the thread serves the next request in its own language.
        with translation.override(language):
            response = self.get_response(request)
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        response.headers.setdefault("Content-Language", language)
        return response
