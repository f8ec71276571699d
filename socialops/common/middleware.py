"""Response headers every page and API answer carries (docs/security.md, "Web hardening").

- `NoStoreMiddleware`: `Cache-Control: no-store` (Django's never-cache set) on every response
  to an authenticated request (session or API token) and on every /api/ response, the token
  endpoint's included. Static files never reach it: WhiteNoise answers them earlier in
  MIDDLEWARE.
- `PermissionsPolicyMiddleware`: the browser features the app never uses are switched off.

Both sit after WhiteNoise and before the session and authentication middleware, so that
their `process_response` runs last and sees the user DRF authenticated inside the view (DRF
sets `request.user` on the Django request too).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers

# Every powerful feature off: the app needs none of them. Override with PERMISSIONS_POLICY.
DEFAULT_PERMISSIONS_POLICY = {
    "accelerometer": (),
    "autoplay": (),
    "camera": (),
    "display-capture": (),
    "geolocation": (),
    "gyroscope": (),
    "magnetometer": (),
    "microphone": (),
    "midi": (),
    "payment": (),
    "publickey-credentials-get": (),
    "screen-wake-lock": (),
    "serial": (),
    "usb": (),
    "xr-spatial-tracking": (),
}


def _api_path(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _authenticated(request: HttpRequest) -> bool:
    if "HTTP_AUTHORIZATION" in request.META:
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class NoStoreMiddleware:
    """No browser or shared cache keeps a copy of personal or access data."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if _api_path(request) or _authenticated(request):
            add_never_cache_headers(response)
        return response


def _permissions_policy_header(policy: dict[str, tuple[str, ...] | list[str]]) -> str:
    return ", ".join(f"{feature}=({' '.join(allow)})" for feature, allow in policy.items())


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response
        policy = getattr(settings, "PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY)
        self.header = _permissions_policy_header(policy)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response
