"""The person's saved language wins over the browser's (docs/architecture.md "Languages")."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from rest_framework.authentication import TokenAuthentication

from teams.models import roles_for


class PersonLanguageMiddleware:
    """After LocaleMiddleware (Accept-Language) and authentication: a signed-in person's saved
    `language` replaces the browser's choice for this request. Token-authenticated API calls
    are signed in later, by DRF; `LanguageTokenAuthentication` applies it there."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        activate_person_language(request)
        return self.get_response(request)


def activate_person_language(request) -> None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    member = roles_for(user).member  # cached on the user for the request
    if member is not None and member.language:
        translation.activate(member.language)
        request.LANGUAGE_CODE = member.language


class LanguageTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, then the person's saved language for the rest of the
    request (their API error messages)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            member = roles_for(result[0]).member
            if member is not None and member.language:
                translation.activate(member.language)
        return result
