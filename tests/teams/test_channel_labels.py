"""A channel is named by its label, platform and handle ("X @HalcyonHelp"), unique per
channel: a handle is unique per platform ignoring case, and the governance pages name
channels by label, never by a display name that several channels share (docs/governance.md,
Channels)."""

import html
import re
from collections import Counter
from unittest import mock

import pytest
from django.contrib import admin as django_admin
from django.test import RequestFactory
from django.utils import timezone

from governance import reviews
from governance.models import AccessGrant, AccessReviewItem
from governance.selectors import governance_health
from socialops.common.exceptions import Conflict
from teams import services
from teams.models import HANDLE_TAKEN, Channel, Member, Team

pytestmark = pytest.mark.django_db

CHANNELS = "/api/v1/channels/"


@pytest.fixture(scope="module", autouse=True)
def _demo(demo):
    """Every test here runs on the seeded demo (tests/conftest.py), seeded once."""
    return demo


@pytest.fixture
def ada() -> Member:
    return Member.objects.select_related("user").get(user__username="ada")


@pytest.fixture
def admin_client(client, ada):
    client.force_login(ada.user)
    return client


def _channel(platform: str, handle: str) -> Channel:
    return Channel.objects.get(platform=platform, handle=handle)


# ---- The label ----


@pytest.mark.parametrize(
    ("platform", "handle", "label"),
    [
        (Channel.Platform.INSTAGRAM, "@halcyonhelp", "Instagram @halcyonhelp"),
        (Channel.Platform.X, "@HalcyonHelp", "X @HalcyonHelp"),
        (Channel.Platform.LINKEDIN, "halcyon-air", "LinkedIn halcyon-air"),
        (Channel.Platform.OTHER, "snapchat:halcyonair", "Other snapchat:halcyonair"),
    ],
)
def test_the_label_is_the_platform_name_and_the_handle_as_typed(platform, handle, label):
    channel = Channel(platform=platform, handle=handle, name="Halcyon Help")
    assert channel.label == label
    assert str(channel) == label


def test_every_demo_channel_has_its_own_label_though_display_names_repeat():
    channels = list(Channel.objects.all())
    labels = [c.label for c in channels]
    assert len(set(labels)) == len(labels)
    assert Counter(c.name for c in channels)["Halcyon Help"] == 4


def test_the_channels_api_exposes_a_read_only_label(api, ada):
    channel = _channel(Channel.Platform.X, "@HalcyonHelp")
    body = api(ada).get(f"{CHANNELS}{channel.pk}/").json()
    assert body["label"] == "X @HalcyonHelp"
    assert body["name"] == "Halcyon Help"
    listed = api(ada).get(CHANNELS, {"page_size": 100}).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert {r["id"]: r["label"] for r in rows} == {
        c.pk: c.label for c in Channel.objects.filter(pk__in=[r["id"] for r in rows])
    }
    patched = api(ada).patch(f"{CHANNELS}{channel.pk}/", {"label": "Renamed"})
    assert patched.status_code == 200, patched.content
    assert patched.json()["label"] == "X @HalcyonHelp"
    channel.refresh_from_db()
    assert (channel.handle, channel.name) == ("@HalcyonHelp", "Halcyon Help")


# ---- One handle per platform, ignoring case ----


@pytest.mark.parametrize("handle", ["@halcyonhelp", "@HALCYONHELP", "@HalcyonHelp"])
def test_a_handle_taken_on_the_platform_in_any_case_is_refused_on_handle(api, ada, handle):
    """A duplicate is a Conflict, as every duplicate is (docs/api.md: 409 with the field)."""
    team = _channel(Channel.Platform.X, "@HalcyonHelp").team
    before = Channel.objects.count()
    response = api(ada).post(
        CHANNELS, {"platform": "x", "handle": handle, "name": "Dup", "team": team.pk}
    )
    assert response.status_code == 409, response.content
    assert response.json() == {"handle": [HANDLE_TAKEN]}
    assert Channel.objects.count() == before
    assert not Channel.objects.filter(name="Dup").exists()


def test_renaming_a_handle_onto_another_in_another_case_is_refused(api, ada):
    channel = _channel(Channel.Platform.X, "@HalcyonAir_UK")
    response = api(ada).patch(f"{CHANNELS}{channel.pk}/", {"handle": "@halcyonhelp"})
    assert response.status_code == 409, response.content
    assert list(response.json()) == ["handle"]
    channel.refresh_from_db()
    assert channel.handle == "@HalcyonAir_UK"


def test_the_same_handle_on_another_platform_and_a_change_of_case_are_allowed(api, ada):
    team = _channel(Channel.Platform.X, "@HalcyonHelp").team
    created = api(ada).post(
        CHANNELS, {"platform": "youtube", "handle": "@HalcyonHelp", "name": "Halcyon Help",
                   "team": team.pk},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    assert created.json()["label"] == "YouTube @HalcyonHelp"
    own = _channel(Channel.Platform.X, "@HalcyonHelp")
    recased = api(ada).patch(f"{CHANNELS}{own.pk}/", {"handle": "@halcyonHELP"})
    assert recased.status_code == 200, recased.content
    assert recased.json()["label"] == "X @halcyonHELP"


def test_a_concurrent_duplicate_past_the_check_is_still_refused_on_handle():
    """The database constraint is the last word: a write that slipped past full_clean (two
    requests at once) is refused on `handle` too, and nothing is written."""
    team = _channel(Channel.Platform.X, "@HalcyonHelp").team
    before = Channel.objects.count()
    with (
        mock.patch.object(Channel, "validate_constraints"),
        pytest.raises(Conflict) as refused,
    ):
        services.channel_create(platform="x", handle="@HALCYONHELP", name="Dup", team=team)
    assert refused.value.errors == {"handle": [HANDLE_TAKEN]}
    assert Channel.objects.count() == before


def test_the_admin_form_shows_a_taken_handle_beside_the_field(ada):
    model_admin = django_admin.site._registry[Channel]
    request = RequestFactory().post("/admin/teams/channel/add/")
    request.user = ada.user
    ada.user.is_staff = ada.user.is_superuser = True
    form_class = model_admin.get_form(request, None, change=False)
    team = _channel(Channel.Platform.X, "@HalcyonHelp").team
    form = form_class(
        data={"platform": "x", "handle": "@HALCYONhelp", "name": "Dup", "team": team.pk,
              "service_level_target": "0.8", "expected_weekly_messages": 0, "min_backup": 2},
    )  # fmt: skip
    assert not form.is_valid()
    assert form.errors == {"handle": [HANDLE_TAKEN]}


# ---- The demo's governance pages name channels by label ----


def _shared_names() -> set[str]:
    counts = Counter(Channel.objects.values_list("name", flat=True))
    return {name for name, n in counts.items() if n >= 2}


FREE_TEXT = re.compile(r'<td class="(?:display-name|why)">.*?</td>', re.DOTALL)


def _visible_text(page: str) -> str:
    """The page's text without tags, less the register's Display name column and the
    grants' free-text justifications (typed by people, not the page naming a channel)."""
    without = FREE_TEXT.sub(" ", page)
    without = re.sub(r"<(script|style)\b.*?</\1>", " ", without, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", without))


def _shared_names_shown(page: str) -> list[str]:
    """Each shared display name ("Halcyon Help") the page shows outside the allowed places,
    not counting it inside a longer name ("Halcyon Help APAC", itself checked if shared)."""
    text = _visible_text(page)
    names = set(Channel.objects.values_list("name", flat=True))
    found = []
    for shared in _shared_names():
        longer = [n for n in names if n != shared and n.startswith(shared)]
        for match in re.finditer(rf"(?<!\w){re.escape(shared)}(?!\w)", text):
            if not any(text.startswith(n, match.start()) for n in longer):
                found.append(text[max(0, match.start() - 40) : match.end() + 40])
    return found


def _get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return html.unescape(response.content.decode())


def _section(page: str, element_id: str) -> str:
    start = page.index(f'id="{element_id}"')
    return page[start : page.index("</section>", start)]


def test_the_demo_has_display_names_shared_by_several_channels():
    assert {"Halcyon Help", "Halcyon Air", "Halcyon Air UK"} <= _shared_names()


def test_the_channel_register_names_every_channel_by_label_first(admin_client):
    page = _get(admin_client, "/governance/channels/")
    for channel in Channel.objects.all():
        row = re.search(rf'<tr id="channel-{channel.pk}">(.*?)</tr>', page, re.DOTALL)
        assert row, channel
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.DOTALL)
        assert cells[0].strip() == channel.label
        assert cells[1].strip() == channel.name  # the titled Display name column
    assert '<th scope="col">Channel</th><th scope="col">Display name</th>' in page
    assert _shared_names_shown(page) == []


def test_the_grants_page_names_channels_by_label(admin_client):
    page = _get(admin_client, "/governance/grants/")
    for channel in Channel.objects.select_related("team"):
        # Both drop-downs (the filter and the new-grant form): label and team.
        assert page.count(f"{channel.label} ({channel.team.name})</option>") == 2, channel
    rows = dict(re.findall(r'<tr id="grant-(\d+)">(.*?)</tr>', page, re.DOTALL))
    assert len(rows) == 50
    for grant in AccessGrant.objects.filter(pk__in=rows).select_related("channel"):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", rows[str(grant.pk)], re.DOTALL)
        assert cells[1].strip() == grant.channel.label
    assert _shared_names_shown(page) == []


def test_the_governance_overview_names_channels_by_label(admin_client):
    page = _get(admin_client, "/governance/")
    health = governance_health()
    assert health["backup_gaps"] and health["absent_holders"]
    for gap in health["backup_gaps"][:20]:
        assert f"<td>{gap['channel'].label}</td>" in _section(page, "backup-gaps")
    for grant in health["absent_holders"][:20]:
        assert f"<td>{grant.channel.label}</td>" in _section(page, "absent-holders")
    for grant in health["dormant_grants"][:20]:
        assert f"on {grant.channel.label} " in _section(page, "dormant-grants")
    for channel in health["unowned_channels"][:20]:
        assert f"<li>{channel.label} " in _section(page, "unowned-channels")
    assert _shared_names_shown(page) == []


def test_the_offboarding_page_names_channels_by_label(admin_client):
    maya = Member.objects.get(user__username="maya")
    owned = list(Channel.objects.filter(owner=maya))
    held = list(AccessGrant.objects.filter(member=maya).unrevoked().select_related("channel"))
    assert Counter(c.name for c in owned)["Halcyon Help"] >= 2  # the ambiguous case itself
    page = _get(admin_client, f"/governance/members/{maya.pk}/offboard/")
    for channel in owned:
        assert f"<li>{channel.label} " in _section(page, "holds-heading")
    for grant in held:
        assert f" on {grant.channel.label} " in _section(page, "holds-heading")
    assert _shared_names_shown(page) == []


def test_governance_health_api_gives_each_channel_its_label(api, ada):
    body = api(ada).get("/api/v1/governance/health/").json()
    briefs = [g["channel"] for g in body["backup_gaps"]] + [
        g["channel"] for g in body["absent_holders"]
    ]
    assert briefs
    labels = {c.pk: c.label for c in Channel.objects.all()}
    for brief in briefs:
        assert brief["label"] == labels[brief["id"]]


def test_access_review_items_give_the_channel_label(api, ada):
    """`channel_label` is the label; `channel_name` stays for older clients (the label too)."""
    review = reviews.review_create(actor=ada, name="Labels", deadline=timezone.localdate())
    response = api(ada).get("/api/v1/access-review-items/", {"review": review.pk})
    assert response.status_code == 200, response.content
    body = response.json()
    labels = dict(
        AccessReviewItem.objects.filter(review=review).values_list("pk", "grant__channel_id")
    )
    rows = [r for r in (body["results"] if isinstance(body, dict) else body) if r["id"] in labels]
    assert rows
    by_id = {c.pk: c.label for c in Channel.objects.all()}
    for row in rows:
        assert row["channel_label"] == row["channel_name"] == by_id[labels[row["id"]]]


# ---- Every page of the demo, for every role ----


def _pages() -> list[tuple[str, str]]:
    """(username, url) for every page of the demo a person reaches, each role's own."""
    teams = {t.name: t.pk for t in Team.objects.all()}
    maya = Member.objects.get(user__username="maya").pk
    mei = Member.objects.get(user__username="mei").pk
    grant = AccessGrant.objects.unrevoked().order_by("pk").first()
    assert grant is not None
    csvs = ["drivers", "what-if", "delivered", "coverage-ahead", "demand-by-channel",
            "backup-gaps", "unreachable", "overdue-rotations"]  # fmt: skip
    return [
        ("maya", "/log/"), ("maya", "/me/"), ("maya", "/pulse/"),
        ("mei", "/log/"), ("mei", "/me/"),
        *(("leo", f"/dashboard/teams/{teams[name]}/") for name in ("Community", "Brand & Content")),
        *(("leo", f"/dashboard/teams/{teams['Community']}/csv/{t}/") for t in csvs),
        ("leo", "/dashboard/org/"), ("leo", f"/dashboard/members/{maya}/"),
        ("ravi", f"/dashboard/teams/{teams['Social Care APAC']}/"),
        ("ravi", f"/dashboard/members/{mei}/"),
        ("ada", "/governance/"), ("ada", "/governance/grants/"), ("ada", "/governance/audit/"),
        ("ada", f"/governance/grants/{grant.pk}/revoke/"),
        ("ada", f"/governance/members/{maya}/offboard/"),
    ]  # fmt: skip


def test_no_page_of_the_demo_names_a_channel_by_a_shared_display_name(client):
    """Wherever a channel is named — pages, charts, sentences, CSVs — it is by its label; the
    channels register's titled Display name column is the one place a display name shows
    (checked above)."""
    labels = {c.label for c in Channel.objects.all()}
    assert len(labels) == Channel.objects.count()
    shown_labels = set()
    for username, url in _pages():
        client.force_login(Member.objects.get(user__username=username).user)
        # The revoke page may add "(display name …)" after the label: it says what it is.
        page = re.sub(r"\(display name [^)]*\)", "", _get(client, url))
        assert _shared_names_shown(page) == [], (username, url)
        shown_labels |= {label for label in labels if label in page}
    # The pages do name channels: almost every label appears somewhere.
    assert len(shown_labels) >= len(labels) - 2
