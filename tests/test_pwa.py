"""The installable web app: the manifest and the service worker (docs/offline.md)."""

import json

import pytest
from django.contrib.staticfiles import finders

from socialops.pwa import SHELL_ASSETS

pytestmark = pytest.mark.django_db


def test_manifest_is_valid_json_whose_icons_exist(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "socialops"
    assert manifest["short_name"]
    assert manifest["start_url"] == "/log/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"].startswith("#")
    assert manifest["background_color"].startswith("#")
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert sizes == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert icon["type"] == "image/png"
        assert icon["src"].startswith("/static/")
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon["src"]
        with open(path, "rb") as png:
            head = png.read(24)
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(head[16:20]), int.from_bytes(head[20:24])
        assert f"{width}x{height}" == icon["sizes"]


def test_service_worker_is_served_from_the_root_with_its_shell_filled_in(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    source = response.content.decode()
    assert "__SHELL__" not in source and "__VERSION__" not in source
    assert '"page": "/log/"' in source
    for name in SHELL_ASSETS:
        assert f'"/static/{name}"' in source
        assert finders.find(name), name


def test_both_are_public_and_get_only(client):
    # The browser fetches them without asking anyone to sign in (update checks included).
    assert client.get("/sw.js").status_code == 200
    assert client.post("/sw.js").status_code == 405
    assert client.post("/manifest.webmanifest").status_code == 405


def test_pages_link_the_manifest_and_load_offline_js(client):
    html = client.get("/login/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert 'src="/static/socialops/offline.js" defer' in html
