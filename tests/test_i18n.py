"""English, Italian and Indonesian (docs/i18n.md).

- The catalogues are complete: every string marked in the code is in both, translated, not
  fuzzy, with the same placeholders, and the compiled .mo matches (`manage.py catalogues
  --check`, which extracts afresh with makemessages).
- Every page of the demo, for every role, renders in `it` and `id`: `<html lang>` says so,
  and no sentence of English is left on it, apart from what people typed (names, notes,
  reasons), which the check reads from the database.
- API errors come in the caller's language; dates and numbers are localised.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import models
from django.template import Context, Template
from django.utils import translation

from socialops.management.commands.catalogues import catalogue_dir, check
from socialops.management.commands.seed_demo import OPERATOR
from teams.models import Member
from tests.test_pages_phone_and_axe import STATUS, _pages
from workload.dates import day_label

# Words that are English and neither Italian nor Indonesian: two of them in one piece of
# text on an Italian or Indonesian page mean a sentence was left untranslated.
ENGLISH = frozenset(
    re.findall(
        r"\w+",
        "the and of to is are for with your you this that from by has have was were will be "
        "been can an on at or all what who when which there their they than into only yet "
        "each every not no its it our we how why",
    )
)
SHOWN_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt", "hx-confirm")
USERS = ["maya", "mei", "leo", "ravi", "ada", OPERATOR]


class _Text(HTMLParser):
    """The text a person reads or hears: text nodes and the shown attributes, without
    scripts, styles and the <head>."""

    def __init__(self) -> None:
        super().__init__()
        self.pieces: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self._skip += 1
        button = dict(attrs).get("type") in ("submit", "button", "reset")
        for name, value in attrs:
            shown = name in SHOWN_ATTRIBUTES or name.startswith("data-msg-")
            if value and (shown or (name == "value" and button)):
                self.pieces.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.pieces.append(" ".join(data.split()))


def _english_pieces(html: str, typed: list[str]) -> list[str]:
    parser = _Text()
    parser.feed(html)
    found = []
    for piece in parser.pieces:
        if piece.lstrip().startswith(("{", "[")):  # an audit event's data: JSON, not words
            continue
        for value in typed:
            piece = piece.replace(value, " ")
        words = re.findall(r"[a-z']+", piece.lower())
        if sum(word in ENGLISH for word in words) >= 2:
            found.append(piece.strip())
    return found


def _typed_text() -> list[str]:
    """Every text people typed or the seed made up (names, notes, reasons, labels): shown as
    written, in whatever language it was written."""
    values: set[str] = set()
    for model in apps.get_models():
        if model._meta.app_label not in ("teams", "workload", "governance", "audit", "auth"):
            continue
        fields = [
            f.name
            for f in model._meta.get_fields()
            if isinstance(f, models.CharField | models.TextField) and not f.choices
        ]
        for field in fields:
            for value in model._default_manager.values_list(field, flat=True).distinct():
                if value and " " in str(value).strip():
                    values.add(str(value).strip())
    # Longest first, so a note is removed before a name inside it.
    return sorted(values, key=len, reverse=True)


def test_the_catalogues_are_complete_and_in_step_with_the_code():
    report = check(catalogue_dir())
    assert report.problems == [], "\n".join(report.problems)


@pytest.fixture
def seeded(db):
    call_command("seed_demo", stdout=io.StringIO())


@pytest.mark.parametrize("language", ["it", "id"])
def test_every_page_renders_in_the_language_for_every_role(seeded, client, language):
    typed = _typed_text()
    failures = []
    for username in USERS:
        member = Member.objects.select_related("user").filter(user__username=username).first()
        user = member.user if member else get_user_model().objects.get(username=username)
        client.force_login(user)
        for url in _pages(username):
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=language, follow=True)
            expected = STATUS.get((username, url), 200)
            if response.status_code != expected:
                failures.append(f"{username} {url}: {response.status_code}, not {expected}")
                continue
            html = response.content.decode()
            if f'<html lang="{language}"' not in html:
                failures.append(f"{username} {url}: <html lang> is not {language}")
            for piece in _english_pieces(html, typed):
                failures.append(f"{username} {url}: English left: {piece[:160]!r}")
        client.logout()
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(dict.fromkeys(failures))


def test_the_persons_saved_language_wins_over_the_browser(personas, api, client):
    Member.objects.filter(pk=personas.member.pk).update(language="id")
    client.force_login(personas.member.user)
    page = client.get("/log/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert '<html lang="id"' in page and "Minggu saya" in page


@pytest.mark.parametrize(
    ("language", "words"),
    [("it", "futura"), ("id", "mendatang"), ("en", "future date")],
)
def test_api_errors_come_in_the_callers_language(personas, api, language, words):
    maya = api(personas.member)
    response = maya.post(
        "/api/v1/task-logs/",
        {"date": "2100-01-01", "minutes": 30, "category": "publishing"},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    assert words in response.json()["date"][0].lower(), response.json()


def test_dates_and_numbers_are_localised():
    day = dt.date(2025, 1, 1)
    today = dt.date(2026, 12, 3)
    template = Template('{{ x|floatformat:1 }} {{ d|date:"j M Y" }}')
    with translation.override("it"):
        assert day_label(day, today) == "Mer 1 Gen 2025"
        assert template.render(Context({"x": 1.26, "d": day})) == "1,3 1 Gen 2025"
    with translation.override("id"):
        assert template.render(Context({"x": 1.26, "d": day})).startswith("1,3 1 Jan 2025")
    with translation.override("en"):
        assert day_label(day, today) == "Wed 1 Jan 2025"
        assert template.render(Context({"x": 1.26, "d": day})) == "1.3 1 Jan 2025"
