"""The installable web app (docs/offline.md): the manifest and the service worker, both served
from the site root so that the worker's scope is the whole site.

The worker's source is socialops/static/socialops/sw.js; this view fills in the app shell's
URLs as the static storage names them (hashed in production) and a version derived from them,
so that a deployment that changes an asset installs a new worker and a fresh cache."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

SW_SOURCE = Path(__file__).resolve().parent / "static" / "socialops" / "sw.js"
THEME_COLOUR = "#1f4e5f"
BACKGROUND_COLOUR = "#f4f1ea"
SHELL_ASSETS = (
    "socialops/app.css",
    "socialops/offline.js",
    "socialops/timer.js",
    "django_htmx/htmx-2.min.js",
    "django_htmx/django-htmx.js",
)


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    start = reverse("my-week")
    data = {
        "name": "socialops",
        "short_name": "socialops",
        # The browser fetches the manifest without the session cookie, but with its
        # Accept-Language: LocaleMiddleware picks the language from it (and adds Vary).
        "description": _("Log your week, even offline."),
        "id": start,
        "start_url": start,
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {
                "src": static(f"socialops/icons/icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any",
            }
            for size in (192, 512)
        ],
    }
    response = JsonResponse(data, content_type="application/manifest+json")
    response["Cache-Control"] = "no-cache"
    return response


def service_worker_source() -> str:
    """sw.js with its placeholders filled: the shell's URLs and the cache version."""
    shell = {"page": reverse("my-week"), "assets": [static(name) for name in SHELL_ASSETS]}
    source = SW_SOURCE.read_text(encoding="utf-8")
    version = hashlib.sha256((source + json.dumps(shell)).encode()).hexdigest()[:12]
    return source.replace('"__SHELL__"', json.dumps(shell)).replace("__VERSION__", version)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(service_worker_source(), content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response
