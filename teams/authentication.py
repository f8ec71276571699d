"""Signing in: API token authentication (teams.tokens), and the lockout after repeated failed
sign-ins (django-axes, docs/security.md "Sign-in")."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from teams.models import roles_for
from teams.tokens import token_for_key, touch


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <key>` against teams.ApiToken (hashed, expiring, revocable),
    then the person's saved language for the rest of the request (their API error messages),
    as teams.middleware.LanguageTokenAuthentication did for DRF's single token."""

    keyword = "Token"

    def authenticate(self, request):
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() != self.keyword.lower().encode():
            return None
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = auth[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        user, token = self.authenticate_credentials(key)
        member = roles_for(user).member
        if member is not None and member.language:
            translation.activate(member.language)
        return user, token

    def authenticate_credentials(self, key: str):
        """(user, token) for a key, as DRF's TokenAuthentication (the idempotency middleware
        calls this); 401 when unknown, revoked, expired or the user is inactive."""
        token = token_for_key(key)
        now = timezone.now()
        if token is None or token.revoked_at is not None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("Token expired: sign in again."))
        touch(token, now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Present, so unauthenticated API calls are 401 rather than 403.
        return self.keyword


class SignInLockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check, first in AUTHENTICATION_BACKENDS. Every sign-in over HTTP (the
    login page, the admin's, the token endpoint) passes its request and is checked; a call
    without a request (the test client's login(), a shell) is not a sign-in attempt from an
    address and is left to the next backend instead of failing."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_message(request: HttpRequest | None = None) -> str:
    cool_off = get_cool_off(request)
    if cool_off:
        minutes = max(1, int(cool_off.total_seconds() // 60))
        return _(
            "Too many failed sign-ins. Try again in %(minutes)d minutes, or ask an admin to "
            "unlock the account."
        ) % {"minutes": minutes}
    return _("Too many failed sign-ins. Ask an admin to unlock the account.")


def retry_after_seconds(request: HttpRequest | None = None) -> int | None:
    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds()) if cool_off else None


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the API answers 429 JSON `{"detail"}`; pages show the sign-in
    form again with the message (429). Either way the answer does not say whether the
    password was right."""
    retry = retry_after_seconds(request)
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": lockout_message(request)}, status=429)
    else:
        username = (credentials or {}).get("username") or request.POST.get("username", "")
        form = AuthenticationForm(request, initial={"username": str(username)[:150]})
        response = render(
            request, "registration/login.html",
            {"form": form, "lockout_message": lockout_message(request),
             "next": request.POST.get("next", "")},
            status=429,
        )  # fmt: skip
    if retry:
        response["Retry-After"] = str(retry)
    return response


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the schema describes ApiTokenAuthentication (as DRF's TokenAuthentication was)."""

    target_class = "teams.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": "Token-based authentication with required prefix \"Token\"",
        }  # fmt: skip
