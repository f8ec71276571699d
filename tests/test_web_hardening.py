"""Web hardening (issue 12, items 2 and 7; docs/security.md): no-store on personal and access
data, the Content-Security-Policy and the other security headers, no server banner, JSON
for every API error (500 included), and JSON size and depth checked before parsing."""

import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path
from rest_framework.test import APIClient

from socialops.common.parsers import json_depth_exceeds
from tests.factories import PASSWORD, BurnoutScoreFactory, TaskLogFactory
from tests.test_deploy import dockerfile_instructions

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "socialops" / "static" / "socialops"

NEVER_CACHE = ("no-store", "no-cache", "must-revalidate", "private", "max-age=0")


def _no_store(response) -> bool:
    parts = {p.strip() for p in response.get("Cache-Control", "").split(",")}
    return set(NEVER_CACHE) <= parts


@pytest.fixture
def data(personas):
    TaskLogFactory(member=personas.member)
    BurnoutScoreFactory(member=personas.member)
    return personas


def _session(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _token(client: APIClient, username: str) -> str:
    response = client.post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    assert _no_store(response), response.get("Cache-Control")
    return response.json()["token"]


# --- Cache-Control: no-store ---------------------------------------------------------------


def test_the_token_endpoint_and_token_authenticated_api_answers_are_not_stored(data):
    client = APIClient()
    token = _token(client, "ada")  # the token endpoint's own answer: asserted in _token
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    for url in (
        "/api/v1/me/", "/api/v1/grants/", "/api/v1/audit-events/", "/api/v1/members/",
    ):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert _no_store(response), (url, response.get("Cache-Control"))
    member = APIClient()
    member.credentials(HTTP_AUTHORIZATION=f"Token {_token(member, 'maya')}")
    for url in ("/api/v1/scores/", "/api/v1/pulse/", "/api/v1/task-logs/", "/api/v1/me/"):
        response = member.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert _no_store(response), (url, response.get("Cache-Control"))


def test_every_page_csv_and_api_answer_to_a_signed_in_person_is_not_stored(data):
    p = data
    urls = {
        p.member: [
            "/log/", "/pulse/", "/me/", "/me/csv/trend/", "/api/v1/me/", "/api/v1/scores/",
            "/api/v1/pulse/", "/api/v1/task-logs/",
        ],
        p.leader: [
            "/dashboard/", f"/dashboard/teams/{p.team.pk}/",
            f"/dashboard/teams/{p.team.pk}/csv/members/", f"/dashboard/members/{p.member.pk}/",
            f"/dashboard/members/{p.member.pk}/csv/trend/", "/dashboard/org/",
            "/dashboard/org/csv/teams/",
        ],
        p.admin: [
            "/governance/", "/governance/grants/", "/governance/audit/", "/api/v1/grants/",
            "/api/v1/audit-events/",
        ],
    }  # fmt: skip
    for person, person_urls in urls.items():
        client = _session(person.user)
        for url in person_urls:
            response = client.get(url, follow=False)
            assert response.status_code == 200, (person, url, response.status_code)
            assert _no_store(response), (person, url, response.get("Cache-Control"))
    # Errors for a signed-in person are not stored either (a 403 names what exists).
    assert _no_store(_session(p.member.user).get("/governance/"))


def test_anonymous_api_answers_are_not_stored_and_static_files_keep_their_caching(
    personas, settings
):
    assert _no_store(APIClient().get("/api/v1/me/"))  # 401
    # WhiteNoise answers static files before NoStoreMiddleware, signed in or not.
    settings.WHITENOISE_USE_FINDERS = settings.WHITENOISE_AUTOREFRESH = True
    static = _session(personas.member.user).get("/static/socialops/app.css")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")


# --- Content-Security-Policy and the other headers -------------------------------------------


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_pages_carry_a_strict_content_security_policy(data):
    client = _session(data.member.user)
    for url in ("/log/", "/me/", "/login/"):
        response = client.get(url)
        csp = _csp(response)
        header = response["Content-Security-Policy"]
        assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header, header
        assert csp["default-src"] == ["'self'"]
        assert csp["script-src"][0] == "'self'"
        assert csp["style-src"] == ["'self'"]
        assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
        assert csp["frame-ancestors"] == ["'none'"] and csp["form-action"] == ["'self'"]


def test_the_api_docs_page_runs_under_the_same_policy(data):
    client = _session(data.member.user)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    header = page["Content-Security-Policy"]
    assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header
    body = page.content.decode()
    assert "<style" not in body
    for script in re.findall(r"<script\b[^>]*>", body):
        assert "src=" in script, script
    init = re.search(r'<script src="([^"]*script=[^"]*)"', body)
    assert init, "the split view's start-up script is a separate file"
    script = client.get(init.group(1).replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_security_headers_on_every_response(data):
    for response in (
        _session(data.member.user).get("/log/"),
        Client().get("/login/"),
        APIClient().get("/api/v1/me/"),
    ):
        policy = response["Permissions-Policy"]
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert f"{feature}=()" in policy, policy
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "Server" not in response, "Django adds no banner; gunicorn's: below"


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def test_no_template_has_inline_script_style_or_handlers():
    """What the policy would block: every script and style is a static file."""
    found = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for pattern in (INLINE_SCRIPT, INLINE_STYLE, INLINE_HANDLER):
            found += [f"{template.relative_to(ROOT)}: {m.group()}" for m in pattern.finditer(text)]
    assert not found, "\n".join(found)


def test_scripts_set_no_inline_style_or_markup_handlers():
    found = []
    for script in STATIC.glob("*.js"):
        text = script.read_text()
        for pattern in (
            r"setAttribute\(\s*['\"](style|on\w+)['\"]", r"\beval\(", r"new Function\(",
            r"innerHTML\s*=.*(style|on\w+=)",
        ):  # fmt: skip
            found += [f"{script.name}: {m.group()}" for m in re.finditer(pattern, text)]
    assert not found, "\n".join(found)


def test_htmx_injects_no_indicator_style(data):
    body = _session(data.member.user).get("/log/").content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", body)
    assert config, "base.html configures htmx"
    assert json.loads(config.group(1))["includeIndicatorStyles"] is False
    assert ".htmx-indicator" in (STATIC / "app.css").read_text()


# --- No server banner: gunicorn with gunicorn.conf.py ----------------------------------------

WSGI_APP = """
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _raw_get(port: int) -> bytes:
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                chunks = []
                while chunk := s.recv(65536):
                    chunks.append(chunk)
                return b"".join(chunks)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.parametrize("config", [True, False], ids=["gunicorn.conf.py", "control"])
def test_gunicorn_with_the_repo_config_sends_no_server_header(tmp_path, config):
    (tmp_path / "probe_app.py").write_text(WSGI_APP)
    port = _free_port()
    args = [sys.executable, "-m", "gunicorn", "--chdir", str(tmp_path)]
    # The control names an empty config file: gunicorn would otherwise load ./gunicorn.conf.py.
    empty = tmp_path / "empty.conf.py"
    empty.write_text("")
    args += ["--config", str(ROOT / "gunicorn.conf.py") if config else str(empty)]
    args += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "probe_app:app"]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        head = _raw_get(port).split(b"\r\n\r\n", 1)[0].decode().lower()
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert head.startswith("http/1.1 200")
    has_server = any(line.startswith("server:") for line in head.split("\r\n"))
    assert has_server is (not config), head


def test_the_image_and_compose_run_gunicorn_with_the_config():
    cmd = json.loads([args for keyword, args in dockerfile_instructions() if keyword == "CMD"][-1])
    assert "--config" in cmd and cmd[cmd.index("--config") + 1] == "/app/gunicorn.conf.py"
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "--config=/app/gunicorn.conf.py" in compose


# --- API errors are JSON ----------------------------------------------------------------------


def _boom(request):
    raise RuntimeError("boom")


def _fine(request):
    return HttpResponse("fine")


urlpatterns = [
    path("api/v1/boom/", _boom),
    path("page/boom/", _boom),
    path("page/fine/", _fine),
    path("", include("socialops.urls")),
]
handler400 = "socialops.common.error_views.bad_request"
handler403 = "socialops.common.error_views.permission_denied"
handler404 = "socialops.common.error_views.page_not_found"
handler500 = "socialops.common.error_views.server_error"


def test_the_project_urlconf_names_the_json_aware_handlers():
    import socialops.urls

    for code in (400, 403, 404, 500):
        handler = getattr(socialops.urls, f"handler{code}")
        assert handler.__module__ == "socialops.common.error_views", code


@pytest.mark.urls("tests.test_web_hardening")
def test_an_api_500_is_json_and_a_page_500_is_html(data, settings):
    settings.DEBUG = False
    client = APIClient(raise_request_exception=False)
    client.force_login(data.member.user)
    response = client.get("/api/v1/boom/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Server error."}
    page = client.get("/page/boom/")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


def test_an_unknown_api_url_is_a_json_404_and_an_unknown_page_html(db, settings):
    settings.DEBUG = False
    client = APIClient()
    for url in ("/api/v1/no-such-thing/", "/api/nothing/", "/api/v1/members/1/nope/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json", url
        assert response.json() == {"detail": "Not found."}
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


# --- JSON: size and depth before parsing -----------------------------------------------------


def test_the_depth_count_skips_strings_and_escapes():
    assert not json_depth_exceeds('{"a": "[[[[[[[[[[[[[[[[[[[["}', 3)
    assert not json_depth_exceeds('["\\"[[[[[[[[", "\\\\"]', 1)
    assert json_depth_exceeds("[[[[]]]]", 3)
    assert not json_depth_exceeds("[[[]]]", 3)
    assert not json_depth_exceeds('"' + '\\"' * 10_000, 3), "an unclosed string is text"
    # Linear on a full-size body whatever it holds (no regex backtracking).
    start = time.perf_counter()
    json_depth_exceeds('"\\"' * 350_000, 32)
    json_depth_exceeds("[]" * 500_000, 32)
    assert time.perf_counter() - start < 2


class _Hashes:
    """Counts the password hashing the token endpoint would do (check or dummy encode)."""

    def __init__(self):
        self.calls = 0

    def __enter__(self):
        verify, encode = MD5PasswordHasher.verify, MD5PasswordHasher.encode

        def counted(original):
            def wrapper(*args, **kwargs):
                self.calls += 1
                return original(*args, **kwargs)

            return wrapper

        self._patches = [
            mock.patch.object(MD5PasswordHasher, "verify", counted(verify)),
            mock.patch.object(MD5PasswordHasher, "encode", counted(encode)),
        ]
        for patch in self._patches:
            patch.start()
        return self

    def __exit__(self, *exc):
        for patch in self._patches:
            patch.stop()


def _nested(depth: int) -> str:
    return '{"username": "maya", "password": "x", "deep": ' + "[" * depth + "]" * depth + "}"


def test_json_nested_1000_deep_is_a_400_before_any_password_is_checked(personas):
    client = APIClient()
    with _Hashes() as hashes:
        response = client.post(
            "/api/v1/auth/token/", _nested(1000), content_type="application/json"
        )
    assert response.status_code == 400, response.content
    assert "nested deeper than 32" in response.json()["detail"]
    assert hashes.calls == 0
    # The control: at 31 levels (32 with the object) the body parses and the password is
    # checked (and refused).
    with _Hashes() as hashes:
        response = client.post("/api/v1/auth/token/", _nested(31), content_type="application/json")
    assert response.status_code == 400, response.content
    assert hashes.calls >= 1


def test_json_nested_1000_deep_is_a_400_for_a_signed_in_writer(personas):
    client = APIClient()
    client.force_login(personas.member.user)
    response = client.post(
        "/api/v1/task-logs/", "[" * 1000 + "]" * 1000, content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "nested deeper" in response.json()["detail"]


def test_a_json_body_over_the_size_limit_is_a_413_before_parsing(personas, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = APIClient()
    body = json.dumps({"username": "maya", "password": "x" * 2000})
    with _Hashes() as hashes:
        response = client.post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 413, response.content
    assert response.json() == {"detail": "Request body too large."}
    assert hashes.calls == 0
