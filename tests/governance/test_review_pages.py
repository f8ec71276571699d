"""The access review pages (docs/governance.md "Access reviews on pages"): campaigns and
their progress for admins, "My reviews" for every reviewer, the coverage guard on a
reviewer's revoke, who may do what, and query counts."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance import reviews
from governance.models import AccessGrant, AccessReview, AccessReviewItem
from socialops.audit.models import AuditEvent
from teams.models import Channel
from tests.factories import ChannelFactory, MemberFactory, TeamFactory

pytestmark = pytest.mark.django_db

LIST = "/governance/reviews/"
MINE = "/reviews/"


def _grant(member, channel, role="publisher", **fields) -> AccessGrant:
    now = timezone.now()
    values = {"granted_at": now - dt.timedelta(days=30), "approved_at": now, **fields}
    return AccessGrant.objects.create(
        member=member, channel=channel, role=role, justification="rota", **values
    )


class World:
    """Tom (a plain member) owns @community, Fay (another team's member) owns @brand; grants
    on both, so that every role has own, same-team and foreign items."""

    def __init__(self, p):
        self.p = p
        Channel.objects.filter(pk=p.channel.pk).update(owner=p.teammate)
        Channel.objects.filter(pk=p.other_channel.pk).update(owner=p.foreigner)
        self.grants = {
            "maya_comm": _grant(p.member, p.channel),  # Tom reviews
            "leo_comm": _grant(p.leader, p.channel, "moderator"),  # Tom reviews
            "tom_comm": _grant(p.teammate, p.channel, "owner"),  # Tom holds → Ada
            "maya_brand": _grant(p.member, p.other_channel, "analyst"),  # Fay reviews
            "ada_brand": _grant(p.admin, p.other_channel),  # Fay reviews
            "fay_brand": _grant(p.foreigner, p.other_channel),  # Fay holds → Ada
        }

    def create(self, **kwargs) -> AccessReview:
        values = {"name": "Q3 review", "deadline": timezone.localdate()} | kwargs
        return reviews.review_create(actor=self.p.admin, **values)

    def item(self, review, key) -> AccessReviewItem:
        return AccessReviewItem.objects.get(review=review, grant=self.grants[key])


@pytest.fixture
def world(personas) -> World:
    return World(personas)


@pytest.fixture
def campaign(world) -> AccessReview:
    return world.create()


@pytest.fixture
def signed_in(client):
    def sign_in(member):
        client.force_login(member.user)
        return client

    return sign_in


def _text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# ---- Campaigns: create and list (admins) ----


def _form(**fields) -> dict:
    deadline = (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    return {"name": "Autumn", "deadline": deadline, "scope": "all"} | fields


def test_admin_opens_a_campaign_for_a_team(world, signed_in):
    client = signed_in(world.p.admin)
    response = client.post(LIST, _form(scope="chosen", teams=[world.p.team.pk]))
    review = AccessReview.objects.get()
    assert response.status_code == 302 and response.url == f"{LIST}{review.pk}/"
    assert list(review.teams.all()) == [world.p.team] and not review.channels.exists()
    assert {i.grant_id for i in review.items.all()} == {
        world.grants[k].pk for k in ("maya_comm", "leo_comm", "tom_comm")
    }
    page = client.get(response.url)
    assert "Opened the campaign Autumn: 3 grant(s) to review." in _messages(page)
    assert "0 of 3" in _text(page) and "Teams: Community" in _text(page)


def test_admin_opens_a_campaign_for_a_channel(world, signed_in):
    client = signed_in(world.p.admin)
    response = client.post(
        LIST, _form(scope="chosen", channels=[world.p.other_channel.pk], auto_revoke="on")
    )
    assert response.status_code == 302, _text(response)
    review = AccessReview.objects.get()
    assert review.auto_revoke is True
    assert list(review.channels.all()) == [world.p.other_channel]
    assert review.items.count() == 3
    listing = _text(client.get(LIST))
    assert "Channels: X @brand" in listing and "0 of 3" in listing


def test_every_channel_by_default(world, signed_in):
    response = signed_in(world.p.admin).post(LIST, _form())
    assert response.status_code == 302
    assert AccessReview.objects.get().items.count() == 6


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"scope": "chosen"}, "teams", "Choose at least one team"),
        ({"deadline": "2001-01-01"}, "deadline", "The deadline cannot be in the past."),
        ({"name": " "}, "name", "This field is required."),
        ({"teams": ["987654"], "scope": "chosen"}, "teams", "Select a valid choice"),
    ],
)
def test_bad_input_is_shown_beside_the_field_and_creates_nothing(
    world, signed_in, fields, field, message
):
    response = signed_in(world.p.admin).post(LIST, _form(**fields))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in e for e in form.errors[field]), form.errors
    assert message.split('"')[0] in _text(response)
    assert not AccessReview.objects.exists()


def test_a_scope_without_open_grants_is_refused_on_the_page(world, signed_in):
    quiet_team = TeamFactory(name="Quiet")
    ChannelFactory(team=quiet_team)
    response = signed_in(world.p.admin).post(LIST, _form(scope="chosen", teams=[quiet_team.pk]))
    assert response.status_code == 200
    assert response.context["form"].errors["teams"] == [
        "Nothing to review: no open grant on these channels."
    ]
    assert not AccessReview.objects.exists()


def test_the_create_form_names_channels_by_label_and_team(world, signed_in):
    page = _text(signed_in(world.p.admin).get(LIST))
    assert "Instagram @community (Community)" in page and "X @brand (Brand)" in page
    assert '<div class="table-wrap">' in page


@pytest.mark.parametrize("who", ["member", "teammate", "leader", "foreigner"])
def test_campaign_pages_are_for_admins(world, campaign, signed_in, who):
    client = signed_in(getattr(world.p, who))
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}{campaign.pk}/").status_code == 403
    assert client.post(LIST, _form()).status_code == 403
    assert AccessReview.objects.count() == 1


def test_anonymous_is_sent_to_sign_in(world, campaign, client):
    for url in (LIST, f"{LIST}{campaign.pk}/", MINE):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response.url


def test_campaign_page_shows_progress_per_reviewer_and_channel(world, campaign, signed_in):
    reviews.review_decide(
        item=world.item(campaign, "maya_comm"), actor=world.p.teammate, decision="keep"
    )
    AccessReview.objects.filter(pk=campaign.pk).update(
        deadline=timezone.localdate() - dt.timedelta(days=2)
    )
    response = signed_in(world.p.admin).get(f"{LIST}{campaign.pk}/")
    assert response.status_code == 200
    by_reviewer = {r.name: (r.decided, r.total, r.overdue) for r in response.context["reviewers"]}
    assert by_reviewer == {
        "Tom Teammate": (1, 2, 1), "Fay Foreign": (0, 2, 2), "Ada Admin": (0, 2, 2),
    }  # fmt: skip
    by_channel = {r.name: (r.decided, r.total) for r in response.context["channels"]}
    assert by_channel == {"Instagram @community (Community)": (1, 3), "X @brand (Brand)": (0, 3)}
    assert len(response.context["overdue_items"]) == 5
    page = _text(response)
    assert 'id="progress-decided">1 of 6<' in page and 'id="progress-overdue">5<' in page
    assert signed_in(world.p.admin).get(f"{LIST}987654/").status_code == 404


# ---- My reviews ----


def test_my_reviews_for_a_channel_owner_who_is_a_plain_member(world, campaign, signed_in):
    assert not world.p.teammate.role_admin and not world.p.teammate.role_leader
    response = signed_in(world.p.teammate).get(MINE)
    assert response.status_code == 200
    items = [r.item for g in response.context["groups"] for r in g["rows"]]
    assert {i.grant_id for i in items} == {
        world.grants["maya_comm"].pk, world.grants["leo_comm"].pk,
    }  # fmt: skip
    page = _text(response)
    assert "Instagram @community" in page and "Keep all on this channel" in page
    assert 'Keep<span class="sr-only"> Maya Member\'s Publisher on Instagram @community' in page
    assert 'Reason<span class="sr-only"> for revoking Leo Leader\'s Moderator on' in page
    assert 'href="/reviews/">Reviews</a>' in page  # the main navigation
    assert "tom_comm" not in page and "X @brand" not in page


def test_my_reviews_for_an_admin_shows_theirs_and_the_unassigned(world, signed_in):
    unowned = ChannelFactory(team=world.p.team, platform=Channel.Platform.TIKTOK, handle="@t")
    leo_unowned = _grant(world.p.leader, unowned)  # no owner → Ada
    ada_unowned = _grant(world.p.admin, unowned)  # no owner, Ada holds → nobody
    review = world.create()
    response = signed_in(world.p.admin).get(MINE)
    grants = {r.item.grant_id for g in response.context["groups"] for r in g["rows"]}
    # Ada's: the owners' own grants and Leo's; never her own; never Tom's or Fay's items.
    assert grants == {world.grants["tom_comm"].pk, world.grants["fay_brand"].pk, leo_unowned.pk}
    other_admin = MemberFactory(team=None, role_member=False, role_admin=True)
    theirs = signed_in(other_admin).get(MINE)
    unassigned = {r.item.grant_id for g in theirs.context["groups"] for r in g["rows"]}
    assert unassigned == {ada_unowned.pk}
    assert AccessReviewItem.objects.get(review=review, grant=ada_unowned).reviewer_id is None


def test_keep_and_revoke_from_my_reviews(world, campaign, signed_in):
    client = signed_in(world.p.teammate)
    maya, leo = world.item(campaign, "maya_comm"), world.item(campaign, "leo_comm")
    kept = client.post(MINE, {"item": maya.pk, "decision": "keep"}, follow=True)
    assert "Kept Maya Member's Publisher on Instagram @community." in _messages(kept)
    maya.refresh_from_db()
    assert maya.decision == "keep" and maya.decided_by_id == world.p.teammate.pk

    blank = client.post(MINE, {"item": leo.pk, "decision": "revoke", "reason": " "})
    assert blank.status_code == 200 and "Say why the access is revoked." in _text(blank)
    leo.refresh_from_db()
    assert leo.decision == ""

    revoked = client.post(
        MINE, {"item": leo.pk, "decision": "revoke", "reason": "Left the desk"}, follow=True
    )
    assert "Revoked Leo Leader's Moderator on Instagram @community." in _messages(revoked)
    leo.refresh_from_db()
    grant = world.grants["leo_comm"]
    grant.refresh_from_db()
    assert leo.decision == "revoke" and leo.reason == "Left the desk"
    assert grant.status == "revoked" and grant.revoked_by_id == world.p.teammate.pk
    assert grant.revoke_reason == "access review Q3 review: Left the desk"
    assert "Nothing to review" in _text(revoked)
    # Nothing left to review: the main navigation drops the link.
    assert 'href="/reviews/">Reviews</a>' not in _text(client.get("/log/"))


def test_keep_all_on_a_channel(world, campaign, signed_in):
    client = signed_in(world.p.teammate)
    url = f"/reviews/{campaign.pk}/channels/{world.p.channel.pk}/keep/"
    response = client.post(url, follow=True)
    assert "Kept 2 grant(s) on Instagram @community in Q3 review." in _messages(response)
    assert set(
        AccessReviewItem.objects.filter(review=campaign, grant__channel=world.p.channel)
        .values_list("grant_id", "decision")
    ) == {
        (world.grants["maya_comm"].pk, "keep"), (world.grants["leo_comm"].pk, "keep"),
        (world.grants["tom_comm"].pk, ""),  # Ada's to decide
    }  # fmt: skip
    again = client.post(url, follow=True)
    assert any(m.startswith("Nothing kept on Instagram @community") for m in _messages(again))
    assert AuditEvent.objects.filter(action="review.decided").count() == 2
    # Someone else's channel, or a campaign they do not review in: 404.
    assert client.post(f"/reviews/{campaign.pk}/channels/{world.p.other_channel.pk}/keep/")\
        .status_code == 404  # fmt: skip
    assert signed_in(world.p.member).post(url).status_code == 404
    assert client.get(url).status_code == 405


def test_the_holder_is_refused_with_a_conflict(world, campaign, signed_in):
    client = signed_in(world.p.admin)
    item = world.item(campaign, "ada_brand")  # Ada's own grant, Fay reviews it
    response = client.post(MINE, {"item": item.pk, "decision": "keep"}, follow=True)
    assert any("your own grant" in m for m in _messages(response))
    item.refresh_from_db()
    assert item.decision == ""


def test_twice_is_refused(world, campaign, signed_in):
    client = signed_in(world.p.teammate)
    item = world.item(campaign, "maya_comm")
    client.post(MINE, {"item": item.pk, "decision": "keep"})
    response = client.post(
        MINE, {"item": item.pk, "decision": "revoke", "reason": "x"}, follow=True
    )
    assert any("already decided" in m for m in _messages(response))
    assert world.grants["maya_comm"].status == "active"


def test_the_coverage_guard_then_accept_gaps(world, signed_in):
    p = world.p
    solo = ChannelFactory(team=p.team, platform=Channel.Platform.TIKTOK, handle="@solo",
                          owner=p.teammate)  # fmt: skip
    only = _grant(p.member, solo)  # Maya is @solo's only actor
    review = world.create()
    item = AccessReviewItem.objects.get(review=review, grant=only)
    client = signed_in(p.teammate)
    before = AuditEvent.objects.count()
    refused = client.post(MINE, {"item": item.pk, "decision": "revoke", "reason": "Rota ended"})
    assert refused.status_code == 200
    page = _text(refused)
    assert "I accept that TikTok @solo will have nobody able to act" in page
    assert 'name="accept_gaps" required' in page and 'value="Rota ended"' in page
    item.refresh_from_db()
    only.refresh_from_db()
    assert item.decision == "" and only.revoked_at is None
    assert AuditEvent.objects.count() == before  # nothing changed

    accepted = client.post(
        MINE,
        {"item": item.pk, "decision": "revoke", "reason": "Rota ended", "accept_gaps": "on"},
        follow=True,
    )
    assert "Revoked Maya Member's Publisher on TikTok @solo." in _messages(accepted)
    only.refresh_from_db()
    assert only.status == "revoked" and only.revoked_by_id == p.teammate.pk
    event = AuditEvent.objects.get(action="grant.revoked", target_id=str(only.pk))
    assert event.data["accepted_gaps"] == [{"id": solo.pk, "label": "TikTok @solo"}]


def test_overdue_items_and_the_auto_revoke_job_recording_gaps(world, signed_in):
    p = world.p
    solo = ChannelFactory(team=p.team, platform=Channel.Platform.TIKTOK, handle="@solo",
                          owner=p.teammate)  # fmt: skip
    only = _grant(p.member, solo)
    review = world.create(auto_revoke=True)
    AccessReview.objects.filter(pk=review.pk).update(
        deadline=timezone.localdate() - dt.timedelta(days=2)
    )
    page = signed_in(p.teammate).get(MINE)
    assert "3 overdue." in _text(page) and 'class="badge crisis">overdue' in _text(page)
    result = reviews.reviews_enforce_overdue()
    assert result == {"items": 7, "revoked_grants": 7}
    only.refresh_from_db()
    assert only.revoked_by_id is None and only.revoke_reason == "review_overdue"
    event = AuditEvent.objects.get(action="grant.revoked", target_id=str(only.pk))
    assert {"id": solo.pk, "label": "TikTok @solo"} in event.data["gaps"]
    detail = signed_in(p.admin).get(f"{LIST}{review.pk}/")
    assert 'id="progress-decided">7 of 7<' in _text(detail)


# ---- Who may decide what, on the page ----

# (persona, grant of the item) → what a keep posted to My reviews does: "kept", "refused"
# (a message; nothing changes) or 404 (out of scope). Own / same-team / foreign items.
PAGE_MATRIX = [
    ("admin", "ada_brand", "refused"),  # own grant: a conflict, however admin
    ("admin", "maya_comm", "kept"),  # any admin decides any other item
    ("admin", "fay_brand", "kept"),
    ("leader", "leo_comm", 404),  # own grant, Tom reviews it
    ("leader", "maya_comm", 404),  # same team, reviews nothing
    ("leader", "maya_brand", 404),  # foreign
    ("member", "maya_comm", 404),  # own
    ("member", "leo_comm", 404),  # same team
    ("member", "fay_brand", 404),  # foreign
    ("teammate", "tom_comm", 404),  # own grant: Ada reviews it
    ("teammate", "maya_comm", "kept"),  # the reviewer, same team
    ("teammate", "maya_brand", 404),  # foreign: Fay reviews it
    ("foreigner", "maya_brand", "kept"),  # the reviewer of a grant of another team's member
    ("foreigner", "maya_comm", 404),
]


@pytest.mark.parametrize(("who", "key", "outcome"), PAGE_MATRIX)
def test_decision_permission_matrix_on_the_page(world, campaign, signed_in, who, key, outcome):
    item = world.item(campaign, key)
    response = signed_in(getattr(world.p, who)).post(MINE, {"item": item.pk, "decision": "keep"})
    item.refresh_from_db()
    if outcome == 404:
        assert response.status_code == 404
        assert item.decision == ""
    elif outcome == "kept":
        assert response.status_code == 302 and item.decision == "keep"
    else:
        assert response.status_code == 302 and item.decision == ""


def test_bad_decision_input(world, campaign, signed_in):
    client = signed_in(world.p.teammate)
    item = world.item(campaign, "maya_comm")
    for body in ({"item": item.pk, "decision": "maybe"}, {"decision": "keep"}, {"item": "x"}):
        response = client.post(MINE, body, follow=True)
        assert any(m.startswith("Not decided") for m in _messages(response)), body
    item.refresh_from_db()
    assert item.decision == ""


def test_the_reviews_link_shows_only_for_reviewers_and_admins(world, campaign, signed_in):
    link = 'href="/reviews/">Reviews</a>'
    assert link in _text(signed_in(world.p.teammate).get("/log/"))
    assert link not in _text(signed_in(world.p.member).get("/log/"))
    assert link in _text(signed_in(world.p.admin).get(LIST))
    assert 'href="/governance/reviews/" aria-current="page"' in _text(
        signed_in(world.p.admin).get(LIST)
    )


def test_a_member_without_items_sees_an_empty_queue(world, campaign, signed_in):
    response = signed_in(world.p.member).get(MINE)
    assert response.status_code == 200 and "Nothing to review" in _text(response)


# ---- Query counts ----


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


def _grow(world, n: int) -> None:
    """n more grants on Tom's channel, each held by a new member."""
    now = timezone.now()
    AccessGrant.objects.bulk_create(
        AccessGrant(member=MemberFactory(team=world.p.team), channel=world.p.channel,
                    role="analyst", justification="x", granted_at=now, approved_at=now)
        for _ in range(n)
    )  # fmt: skip


# Session and user (2), the member record (1; the admin leads no team; Tom holds no leader
# role) = BASE; then —
# list: the campaigns with their progress counts (1), their scope's teams and channels (2),
#   the form's team and channel choices (2);
# campaign: the campaign with its counts (1), its scope (2), the items (1), per reviewer and
#   per channel counts (2);
# My reviews: the queue (1) and, for a non-admin, whether they have items to review for the
#   navigation link (1) and, for a member, their running timer in the header (1).
BASE = 3


@pytest.mark.parametrize(
    ("who", "url", "expected"),
    [
        ("admin", LIST, BASE + 5),
        ("admin", "campaign", BASE + 6),
        ("admin", MINE, BASE + 1),
        ("teammate", MINE, BASE + 3),
    ],
)
def test_pages_run_a_fixed_number_of_queries(world, signed_in, who, url, expected):
    client = signed_in(getattr(world.p, who))
    # A campaign of 6 items (Tom decides 2) versus one of 33 (Tom decides 29): the same.
    first = world.create(name="small")
    target = f"{LIST}{first.pk}/" if url == "campaign" else url
    small = _count(client, target)
    _grow(world, 27)
    second = world.create(name="large")
    AccessReviewItem.objects.filter(review=first).delete()
    AccessReview.objects.filter(pk=first.pk).delete()
    target = f"{LIST}{second.pk}/" if url == "campaign" else url
    assert second.items.count() == 33
    large = _count(client, target)
    assert small == large == expected, (small, large)
