"""Access reviews: campaigns, reviewers, decisions, overdue items and their auto-revocation,
over the services and the API (docs/governance.md, docs/api.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance import reviews
from governance.models import (
    AccessGrant,
    AccessReview,
    AccessReviewItem,
    ChecklistItem,
    OutboxMessage,
)
from socialops.audit.models import AuditEvent
from socialops.common.exceptions import Conflict, DomainError, Forbidden
from teams.models import Channel
from tests.factories import ChannelFactory, MemberFactory, TeamFactory

pytestmark = pytest.mark.django_db

REVIEWS = "/api/v1/access-reviews/"
ITEMS = "/api/v1/access-review-items/"


def _grant(member, channel, *, role=AccessGrant.Role.PUBLISHER, **fields) -> AccessGrant:
    now = timezone.now()
    values = {"granted_at": now - dt.timedelta(days=30), "approved_at": now, **fields}
    return AccessGrant.objects.create(
        member=member, channel=channel, role=role, justification="needed", **values
    )


class World:
    """The personas' channels with owners, and grants covering every reviewer rule."""

    def __init__(self, p):
        self.p = p
        p.channel.owner = p.teammate  # Tom owns the Community channel
        p.channel.save(update_fields=["owner"])
        p.other_channel.owner = p.foreigner  # Fay owns the Brand channel
        p.other_channel.save(update_fields=["owner"])
        self.unowned = ChannelFactory(team=p.team, platform=Channel.Platform.TIKTOK, owner=None)
        now = timezone.now()
        self.grants = {
            "member": _grant(p.member, p.channel),  # reviewed by the owner, Tom
            "owner_self": _grant(p.teammate, p.channel, role="owner"),  # owner holds → Ada
            "admin_held": _grant(p.admin, p.channel),  # reviewed by the owner, Tom
            "member_other": _grant(p.member, p.other_channel),  # reviewed by Fay
            "foreigner_self": _grant(p.foreigner, p.other_channel),  # owner holds → Ada
            "leader_unowned": _grant(p.leader, self.unowned),  # no owner → Ada
            "admin_unowned": _grant(p.admin, self.unowned),  # no owner, Ada holds → nobody
        }
        # Not reviewed: a revoked grant and an expired one.
        self.revoked = _grant(
            p.teammate, self.unowned, revoked_at=now, revoked_by=p.admin, revoke_reason="left"
        )
        self.expired = _grant(
            p.foreigner, self.unowned, granted_at=now - dt.timedelta(days=10),
            expires_at=now - dt.timedelta(days=1),
        )  # fmt: skip

    def create(self, **kwargs) -> AccessReview:
        values = {"name": "Q3 review", "deadline": timezone.localdate()} | kwargs
        return reviews.review_create(actor=self.p.admin, **values)

    def item(self, review: AccessReview, key: str) -> AccessReviewItem:
        return AccessReviewItem.objects.get(review=review, grant=self.grants[key])


@pytest.fixture
def world(personas) -> World:
    return World(personas)


@pytest.fixture
def campaign(world) -> AccessReview:
    return world.create()


EXPECTED_REVIEWER = {
    "member": "teammate",
    "owner_self": "admin",
    "admin_held": "teammate",
    "member_other": "foreigner",
    "foreigner_self": "admin",
    "leader_unowned": "admin",
    "admin_unowned": None,
}


# ---- Creation ----


def test_creation_makes_one_item_per_open_grant_with_the_right_reviewer(world, campaign):
    items = {i.grant_id: i for i in campaign.items.all()}
    assert set(items) == {g.pk for g in world.grants.values()}  # not the revoked or expired
    for key, who in EXPECTED_REVIEWER.items():
        expected = getattr(world.p, who).pk if who else None
        assert items[world.grants[key].pk].reviewer_id == expected, key
    assert all(i.decision == "" and i.decided_at is None for i in items.values())
    event = AuditEvent.objects.get(action="review.created")
    assert event.target_id == str(campaign.pk) and event.actor_id == world.p.admin.user_id
    assert event.data["items"] == 7 and event.data["unassigned_items"] == 1


def test_a_departed_owner_does_not_review(world):
    world.p.teammate.status = "departed"
    world.p.teammate.save(update_fields=["status"])
    review = world.create()
    assert world.item(review, "member").reviewer_id == world.p.admin.pk


def test_creation_limited_to_teams(world):
    review = world.create(team_ids=[world.p.other_team.pk])
    assert {i.grant_id for i in review.items.all()} == {
        world.grants["member_other"].pk, world.grants["foreigner_self"].pk,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "  "}, "name"),
        ({"deadline": dt.date.today() - dt.timedelta(days=2)}, "deadline"),
        ({"team_ids": [987654]}, "team_ids"),
        ({"team_ids": []}, "team_ids"),
    ],
)
def test_creation_bad_input(world, kwargs, field):
    with pytest.raises(DomainError) as exc:
        world.create(**kwargs)
    assert field in exc.value.errors
    assert not AccessReview.objects.exists()


@pytest.mark.parametrize("who", ["member", "leader", "teammate"])
def test_only_admins_create(world, who):
    with pytest.raises(Forbidden):
        reviews.review_create(actor=getattr(world.p, who), name="x", deadline=timezone.localdate())


def _grow(p, n_members: int, n_channels: int) -> None:
    members = [MemberFactory(team=p.team) for _ in range(n_members)]
    channels = [
        ChannelFactory(team=p.team, owner=members[i % n_members]) for i in range(n_channels)
    ]
    now = timezone.now()
    AccessGrant.objects.bulk_create(
        AccessGrant(member=m, channel=c, role="publisher", justification="x", approved_at=now)
        for m in members for c in channels
    )  # fmt: skip


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_campaign_creation_runs_a_fixed_number_of_queries(world):
    admin = world.p.admin
    # The actor's user is loaded once per request in real use; load it before counting.
    assert admin.user.pk is not None

    def create():
        reviews.review_create(actor=admin, name="r", deadline=timezone.localdate())

    small = _queries(create)
    _grow(world.p, 6, 8)  # 48 more grants
    large = _queries(create)
    assert AccessReview.objects.order_by("-pk").first().items.count() == 7 + 48
    assert large == small, (small, large)
    # Savepoint, the campaign, the grants (one select), the items (one insert) between
    # SET CONSTRAINTS ALL IMMEDIATE and back to DEFERRED (the foreign keys are checked before
    # the audit lock is taken: no deadlock, tests/test_bounds.py), the audit append
    # (savepoint, advisory lock, last hash, insert, release), release.
    assert small <= 12, small


@pytest.mark.parametrize("who", ["admin", "teammate"])
def test_list_endpoint_runs_a_fixed_number_of_queries(world, campaign, api, who):
    client = api(getattr(world.p, who))

    def listing():
        response = client.get(REVIEWS)
        assert response.status_code == 200, response.content

    small = _queries(listing)
    _grow(world.p, 5, 6)
    # The teammate reviews the grown channels' grants too: own two of them.
    Channel.objects.filter(pk__in=Channel.objects.order_by("-pk").values("pk")[:2]).update(
        owner=world.p.teammate
    )
    world.create(name="second")
    large = _queries(listing)
    body = client.get(REVIEWS).json()
    assert body["count"] == 2
    # admin: 7 + (7 + 5 × 6) items; teammate: 2 + (2 + 2 channels × 5 holders).
    assert sum(len(c["items"]) for c in body["results"]) == (44 if who == "admin" else 14)
    assert large == small, (small, large)
    # The user, their member record, the page count, the page with its progress counts, the
    # items, the scope's teams and channels (three prefetches).
    assert small == 7, small


# ---- The API: who sees and does what ----


def _visible_items(body: dict) -> set[int]:
    return {i["id"] for c in body["results"] for i in c["items"]}


@pytest.mark.parametrize(
    ("who", "keys"),
    [
        ("admin", set(EXPECTED_REVIEWER)),
        ("teammate", {"member", "admin_held"}),
        ("foreigner", {"member_other"}),
        ("member", None),
        ("leader", None),
    ],
)
def test_list_and_retrieve_scope(world, campaign, api, who, keys):
    client = api(getattr(world.p, who))
    listing = client.get(REVIEWS)
    assert listing.status_code == 200
    detail = client.get(f"{REVIEWS}{campaign.pk}/")
    items = client.get(ITEMS)
    if keys is None:
        assert listing.json()["count"] == 0
        assert detail.status_code == 404
        assert items.json()["count"] == 0
        return
    expected = {world.item(campaign, k).pk for k in keys}
    assert _visible_items(listing.json()) == expected
    assert detail.status_code == 200
    assert {i["id"] for i in detail.json()["items"]} == expected
    assert {i["id"] for i in items.json()["results"]} == expected
    one = detail.json()["items"][0]
    assert set(one) >= {"id", "grant", "member", "channel", "role", "reviewer", "decision",
                        "decided_at", "decided_by", "overdue"}  # fmt: skip


def test_anonymous_is_refused_everywhere(world, campaign, api):
    client = api()
    item = world.item(campaign, "member")
    assert client.get(REVIEWS).status_code == 401
    assert client.get(f"{REVIEWS}{campaign.pk}/").status_code == 401
    assert client.post(REVIEWS, {"name": "x", "deadline": "2099-01-01"}).status_code == 401
    assert (
        client.post(f"{REVIEWS}{campaign.pk}/decide/", {"item": item.pk, "decision": "keep"})
    ).status_code == 401
    assert client.patch(f"{ITEMS}{item.pk}/", {"decision": "keep"}).status_code == 401


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 201),
        ("member", 403),
        ("teammate", 403),
        ("leader", 403),
        ("foreigner", 403),
    ],
)
def test_create_over_the_api(world, api, who, status):
    deadline = (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    response = api(getattr(world.p, who)).post(
        REVIEWS,
        {"name": "Autumn", "deadline": deadline, "auto_revoke": True,
         "team_ids": [world.p.team.pk]},
    )  # fmt: skip
    assert response.status_code == status, response.content
    if status == 201:
        body = response.json()
        assert body["name"] == "Autumn" and body["auto_revoke"] is True
        assert body["created_by"] == world.p.admin.pk
        assert body["team_ids"] == [world.p.team.pk] and body["channel_ids"] == []
        assert body["scope"] == {
            "all_channels": False, "teams": [{"id": world.p.team.pk, "name": "Community"}],
            "channels": [],
        }  # fmt: skip
        assert len(body["items"]) == 5  # the Community team's two channels
        assert body["progress"] == {"total": 5, "decided": 0, "kept": 0, "revoked": 0,
                                    "overdue": 0}  # fmt: skip
    else:
        assert not AccessReview.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "deadline": "2001-01-01"}, "deadline"),
        ({"name": "x"}, "deadline"),
        ({"deadline": "2099-01-01"}, "name"),
        ({"name": "x", "deadline": "2099-01-01", "team_ids": [0]}, "team_ids"),
        ({"name": "x", "deadline": "2099-01-01", "team_ids": [987654]}, "team_ids"),
        ({"name": "x", "deadline": "2099-01-01", "team_ids": []}, "team_ids"),
        ({"name": "x", "deadline": "2099-01-01", "channel_ids": []}, "channel_ids"),
        ({"name": "x", "deadline": "2099-01-01", "channel_ids": [987654]}, "channel_ids"),
        ({"name": "x", "deadline": "2099-01-01", "channel_ids": "1"}, "channel_ids"),
    ],
)
def test_create_bad_input_names_the_field(world, api, body, field):
    response = api(world.p.admin).post(REVIEWS, body)
    assert response.status_code == 400 and field in response.json(), response.content
    assert not AccessReview.objects.exists()


def test_campaigns_are_not_patched(world, campaign, api):
    response = api(world.p.admin).patch(f"{REVIEWS}{campaign.pk}/", {"name": "renamed"})
    assert response.status_code == 405


# (caller, item) → status of POST …/decide/ and of PATCH …/access-review-items/{id}/.
DECIDE_MATRIX = [
    ("teammate", "member", 200),  # the owner reviews a grant on their channel
    ("teammate", "admin_held", 200),  # … even an admin's grant
    ("teammate", "member_other", 404),  # someone else's item
    ("teammate", "owner_self", 404),  # their own grant: they are not its reviewer
    ("foreigner", "member_other", 200),
    ("foreigner", "member", 404),
    ("member", "member", 404),  # a holder who reviews nothing sees nothing
    ("member", "owner_self", 404),
    ("leader", "leader_unowned", 404),
    ("leader", "member", 404),
    ("admin", "member", 200),  # any admin decides any item …
    ("admin", "owner_self", 200),
    ("admin", "admin_held", 409),  # … except a grant they hold: a conflict with the rule
    ("admin", "admin_unowned", 409),
]


@pytest.mark.parametrize(("who", "key", "status"), DECIDE_MATRIX)
@pytest.mark.parametrize("route", ["decide", "patch"])
def test_decision_permission_matrix(world, campaign, api, who, key, status, route):
    client = api(getattr(world.p, who))
    item = world.item(campaign, key)
    if route == "decide":
        response = client.post(
            f"{REVIEWS}{campaign.pk}/decide/", {"item": item.pk, "decision": "keep"}
        )
    else:
        response = client.patch(f"{ITEMS}{item.pk}/", {"decision": "keep"})
    assert response.status_code == status, response.content
    item.refresh_from_db()
    if status == 200:
        assert response.json()["decision"] == "keep"
        assert item.decision == "keep" and item.decided_by_id == getattr(world.p, who).pk
    else:
        assert item.decision == "" and item.decided_at is None


def test_an_unassigned_item_is_decided_by_another_admin(world, campaign, api):
    other_admin = MemberFactory(team=None, role_member=False, role_admin=True)
    item = world.item(campaign, "admin_unowned")
    response = api(other_admin).patch(
        f"{ITEMS}{item.pk}/", {"decision": "revoke", "reason": "not needed"}
    )
    assert response.status_code == 200, response.content
    grant = world.grants["admin_unowned"]
    grant.refresh_from_db()
    assert grant.status == "revoked" and grant.revoked_by_id == other_admin.pk


@pytest.mark.parametrize(
    ("body", "field"),
    [({"decision": "maybe"}, "decision"), ({}, "decision"), ({"decision": ""}, "decision")],
)
def test_bad_decision_is_400_naming_the_field(world, campaign, api, body, field):
    item = world.item(campaign, "member")
    client = api(world.p.teammate)
    patched = client.patch(f"{ITEMS}{item.pk}/", body)
    assert patched.status_code == 400 and field in patched.json(), patched.content
    decided = client.post(f"{REVIEWS}{campaign.pk}/decide/", {"item": item.pk, **body})
    assert decided.status_code == 400 and field in decided.json(), decided.content
    item.refresh_from_db()
    assert item.decision == ""


def test_decide_needs_an_item_of_this_campaign(world, campaign, api):
    client = api(world.p.admin)
    missing = client.post(f"{REVIEWS}{campaign.pk}/decide/", {"decision": "keep"})
    assert missing.status_code == 400 and "item" in missing.json()
    other = world.create(name="other")
    foreign_item = world.item(other, "member")
    response = client.post(
        f"{REVIEWS}{campaign.pk}/decide/", {"item": foreign_item.pk, "decision": "keep"}
    )
    assert response.status_code == 404


# ---- Decisions ----


def test_keep_changes_nothing_but_the_item(world, campaign):
    item = reviews.review_decide(
        item=world.item(campaign, "member"), actor=world.p.teammate, decision="keep"
    )
    assert item.decision == "keep" and item.decided_at is not None
    grant = world.grants["member"]
    grant.refresh_from_db()
    assert grant.status == "active" and grant.revoked_at is None
    assert not OutboxMessage.objects.exists()
    event = AuditEvent.objects.get(action="review.decided")
    assert event.target_id == str(item.pk) and event.actor_id == world.p.teammate.user_id
    assert event.data["decision"] == "keep" and event.data["revoked"] is False


@pytest.mark.parametrize("who", ["admin", "teammate"])
def test_revoke_really_revokes_with_audit_and_outbox(world, campaign, api, who):
    """An admin revokes through grant_revoke; the channel owner (not an admin) through the
    same internal helper, as themselves."""
    actor = getattr(world.p, who)
    item = world.item(campaign, "member")
    response = api(actor).post(
        f"{REVIEWS}{campaign.pk}/decide/",
        {"item": item.pk, "decision": "revoke", "reason": "moved to events"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["reason"] == "moved to events"
    grant = world.grants["member"]
    grant.refresh_from_db()
    assert grant.status == "revoked" and grant.revoked_by_id == actor.pk
    assert grant.revoke_reason == "access review Q3 review: moved to events"
    revoked = AuditEvent.objects.get(action="grant.revoked")
    assert revoked.target_id == str(grant.pk) and revoked.actor_id == actor.user_id
    assert revoked.data["reason"] == "access review Q3 review: moved to events"
    decided = AuditEvent.objects.get(action="review.decided")
    assert decided.data["revoked"] is True and decided.pk > revoked.pk
    assert decided.data["reason"] == "moved to events" and decided.data["decision"] == "revoke"
    item.refresh_from_db()
    assert item.reason == "moved to events"
    message = OutboxMessage.objects.get(topic="grant.revoked")
    assert message.payload["grant"] == grant.pk
    assert message.payload["reason"] == "access review Q3 review: moved to events"
    # Every revoke leaves its manual follow-ups for the channel.
    assert ChecklistItem.objects.filter(grant=grant).count() == 2


def test_revoking_an_already_revoked_grant_records_the_decision_only(world, campaign):
    from governance.services import grant_revoke

    grant_revoke(grant=world.grants["member"], actor=world.p.admin, reason="left the brand")
    before = AuditEvent.objects.count(), OutboxMessage.objects.count()
    item = reviews.review_decide(
        item=world.item(campaign, "member"), actor=world.p.teammate, decision="revoke",
        reason="gone already",
    )  # fmt: skip
    assert item.decision == "revoke"
    assert (AuditEvent.objects.count(), OutboxMessage.objects.count()) == (
        before[0] + 1, before[1],
    )  # fmt: skip
    grant = world.grants["member"]
    grant.refresh_from_db()
    assert grant.revoke_reason == "left the brand" and grant.revoked_by_id == world.p.admin.pk


def test_a_decision_is_made_once(world, campaign, api):
    item = world.item(campaign, "member")
    reviews.review_decide(item=item, actor=world.p.teammate, decision="keep")
    with pytest.raises(Conflict):
        reviews.review_decide(item=item, actor=world.p.admin, decision="revoke", reason="x")
    again = api(world.p.teammate).patch(f"{ITEMS}{item.pk}/", {"decision": "revoke", "reason": "x"})
    assert again.status_code == 409
    decide = api(world.p.admin).post(
        f"{REVIEWS}{campaign.pk}/decide/", {"item": item.pk, "decision": "revoke", "reason": "x"}
    )
    assert decide.status_code == 409
    item.refresh_from_db()
    assert item.decision == "keep" and item.decided_by_id == world.p.teammate.pk
    grant = world.grants["member"]
    grant.refresh_from_db()
    assert grant.revoked_at is None
    assert AuditEvent.objects.filter(action="review.decided").count() == 1


def test_the_holder_never_decides_their_own_grant(world, campaign):
    # The admin holds admin_held: they may decide anything else, never that (409 Conflict).
    for key in ("admin_held", "admin_unowned"):
        with pytest.raises(Conflict, match="your own grant"):
            reviews.review_decide(
                item=world.item(campaign, key), actor=world.p.admin, decision="keep"
            )
    # A channel owner is never made the reviewer of the grant they hold, so they are refused.
    with pytest.raises(Conflict):
        reviews.review_decide(
            item=world.item(campaign, "owner_self"), actor=world.p.teammate, decision="keep"
        )
    assert not AccessReviewItem.objects.exclude(decision="").exists()


def test_a_non_reviewer_is_refused(world, campaign):
    with pytest.raises(Forbidden):
        reviews.review_decide(
            item=world.item(campaign, "member_other"), actor=world.p.leader, decision="keep"
        )


# ---- Overdue items and the auto-revoke job ----


def _past_deadline(review: AccessReview, days: int = 2) -> None:
    AccessReview.objects.filter(pk=review.pk).update(
        deadline=timezone.localdate() - dt.timedelta(days=days)
    )


def test_overdue_selector(world, campaign, api):
    today = timezone.localdate()
    assert not reviews.review_items_overdue().exists()  # the deadline day is still in time
    tomorrow = today + dt.timedelta(days=1)
    assert reviews.review_items_overdue(today=tomorrow).count() == 7
    reviews.review_decide(
        item=world.item(campaign, "member"), actor=world.p.teammate, decision="keep"
    )
    overdue = set(reviews.review_items_overdue(today=tomorrow))
    assert world.item(campaign, "member") not in overdue and len(overdue) == 6
    _past_deadline(campaign)
    body = api(world.p.teammate).get(f"{REVIEWS}{campaign.pk}/").json()
    assert {i["grant"]: i["overdue"] for i in body["items"]} == {
        world.grants["member"].pk: False, world.grants["admin_held"].pk: True,
    }  # fmt: skip


def test_auto_revoke_job_uses_the_system_actor_and_is_idempotent(world, eager_celery):
    from governance.tasks import reviews_enforce_overdue

    auto = world.create(name="auto", auto_revoke=True)
    manual = world.create(name="manual", auto_revoke=False)
    in_time = world.create(name="in time", auto_revoke=True)
    for review in (auto, manual):
        _past_deadline(review)
    kept = reviews.review_decide(
        item=world.item(auto, "member"), actor=world.p.teammate, decision="keep"
    )
    last_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()

    result = reviews_enforce_overdue.delay().get()

    assert result == {"items": 6, "revoked_grants": 6}
    for key, grant in world.grants.items():
        grant.refresh_from_db()
        if key == "member":
            assert grant.revoked_at is None  # kept in time
            continue
        assert grant.status == "revoked", key
        assert grant.revoked_by_id is None and grant.revoke_reason == "review_overdue"
    items = AccessReviewItem.objects.filter(review=auto).exclude(pk=kept.pk)
    assert all(i.decision == "revoke" and i.decided_by_id is None and i.decided_at for i in items)
    assert not AccessReviewItem.objects.filter(review=manual).exclude(decision="").exists()
    assert not AccessReviewItem.objects.filter(review=in_time).exclude(decision="").exists()
    new = AuditEvent.objects.filter(pk__gt=last_event)
    assert {e.action for e in new} == {"grant.revoked", "review.auto_revoked"}
    assert all(e.actor_id is None and e.actor_display == "system" for e in new)
    assert new.filter(action="grant.revoked").count() == 6
    assert OutboxMessage.objects.filter(topic="grant.revoked").count() == 6

    # Again: nothing left to do, nothing written.
    counts = AuditEvent.objects.count(), OutboxMessage.objects.count()
    assert reviews.reviews_enforce_overdue() == {"items": 0, "revoked_grants": 0}
    assert (AuditEvent.objects.count(), OutboxMessage.objects.count()) == counts


def test_auto_revoke_leaves_expired_grants_to_the_expiry_job(world):
    review = world.create(auto_revoke=True)
    _past_deadline(review)
    grant = world.grants["leader_unowned"]
    AccessGrant.objects.filter(pk=grant.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    result = reviews.reviews_enforce_overdue()
    assert result == {"items": 7, "revoked_grants": 6}
    grant.refresh_from_db()
    assert grant.revoked_at is None and grant.status == "expired"
    event = AuditEvent.objects.get(
        action="review.auto_revoked", target_id=str(world.item(review, "leader_unowned").pk)
    )
    assert event.data["revoked"] is False


def test_the_task_runs_on_the_governance_queue_and_acks_late():
    from governance.tasks import reviews_enforce_overdue

    assert reviews_enforce_overdue.queue == "governance"
    assert reviews_enforce_overdue.acks_late is True


# ---- Scope, reasons, the coverage guard and bulk keep (docs/governance.md "Access reviews
# on pages") ----


def test_creation_limited_to_channels_and_teams_together(world):
    review = world.create(channel_ids=[world.unowned.pk], team_ids=[world.p.other_team.pk])
    assert {i.grant_id for i in review.items.all()} == {
        world.grants[k].pk
        for k in ("leader_unowned", "admin_unowned", "member_other", "foreigner_self")
    }
    assert set(review.teams.values_list("pk", flat=True)) == {world.p.other_team.pk}
    assert set(review.channels.values_list("pk", flat=True)) == {world.unowned.pk}
    event = AuditEvent.objects.get(action="review.created")
    assert event.data["channel_ids"] == [world.unowned.pk]
    assert event.data["team_ids"] == [world.p.other_team.pk]


def test_every_channel_when_no_scope_is_given(world, campaign):
    assert not campaign.teams.exists() and not campaign.channels.exists()
    assert campaign.items.count() == 7


@pytest.mark.parametrize("field", ["team_ids", "channel_ids"])
def test_a_scope_without_open_grants_is_refused(world, field):
    empty_team = TeamFactory(name="Empty")
    quiet = ChannelFactory(team=empty_team)
    ids = [empty_team.pk] if field == "team_ids" else [quiet.pk]
    with pytest.raises(DomainError) as exc:
        world.create(**{field: ids})
    assert list(exc.value.errors) == [field]
    assert not AccessReview.objects.exists()
    assert not AuditEvent.objects.filter(action="review.created").exists()


def test_a_revoke_needs_a_reason(world, campaign, api):
    item = world.item(campaign, "member")
    with pytest.raises(DomainError) as exc:
        reviews.review_decide(item=item, actor=world.p.teammate, decision="revoke", reason=" ")
    assert "reason" in exc.value.errors
    response = api(world.p.teammate).post(
        f"{REVIEWS}{campaign.pk}/decide/", {"item": item.pk, "decision": "revoke"}
    )
    assert response.status_code == 400 and "reason" in response.json()
    too_long = api(world.p.teammate).patch(
        f"{ITEMS}{item.pk}/", {"decision": "keep", "reason": "x" * 201}
    )
    assert too_long.status_code == 400 and "reason" in too_long.json()
    item.refresh_from_db()
    assert item.decision == "" and world.grants["member"].revoked_at is None


def _only_actor(world) -> None:
    """Maya becomes the only actor of @community: Tom's and Ada's grants there are closed."""
    AccessGrant.objects.filter(
        pk__in=[world.grants["owner_self"].pk, world.grants["admin_held"].pk]
    ).update(revoked_at=timezone.now(), revoked_by=world.p.admin, revoke_reason="moved")


@pytest.mark.parametrize("who", ["teammate", "admin"])
def test_a_revoke_leaving_a_channel_without_actor_needs_accept_gaps(world, api, who):
    _only_actor(world)
    review = world.create()
    item = world.item(review, "member")
    client = api(getattr(world.p, who))
    url = f"{REVIEWS}{review.pk}/decide/"
    before = AuditEvent.objects.count(), OutboxMessage.objects.count()
    refused = client.post(url, {"item": item.pk, "decision": "revoke", "reason": "left"})
    assert refused.status_code == 409, refused.content
    assert refused.json() == {
        "channels_without_actor": [{"id": world.p.channel.pk, "label": "Instagram @community"}]
    }
    item.refresh_from_db()
    grant = world.grants["member"]
    grant.refresh_from_db()
    assert item.decision == "" and grant.revoked_at is None  # nothing changed
    assert (AuditEvent.objects.count(), OutboxMessage.objects.count()) == before

    accepted = client.post(
        url, {"item": item.pk, "decision": "revoke", "reason": "left", "accept_gaps": True}
    )
    assert accepted.status_code == 200, accepted.content
    grant.refresh_from_db()
    assert grant.status == "revoked" and grant.revoked_by_id == getattr(world.p, who).pk
    revoked = AuditEvent.objects.get(action="grant.revoked", target_id=str(grant.pk))
    assert revoked.data["accepted_gaps"] == [
        {"id": world.p.channel.pk, "label": "Instagram @community"}
    ]
    decided = AuditEvent.objects.get(action="review.decided")
    assert decided.data["accept_gaps"] is True and decided.data["revoked"] is True


def test_keep_never_meets_the_guard(world):
    _only_actor(world)
    review = world.create()
    item = reviews.review_decide(
        item=world.item(review, "member"), actor=world.p.teammate, decision="keep"
    )
    assert item.decision == "keep"


def test_keep_channel_keeps_the_callers_items_in_one_go(world, campaign):
    p = world.p
    # Tom reviews two items on @community: both kept, with one audit event each.
    kept = reviews.review_keep_channel(review=campaign, channel=p.channel, actor=p.teammate)
    assert kept == 2
    items = AccessReviewItem.objects.filter(review=campaign, grant__channel=p.channel)
    assert {i.grant_id: i.decision for i in items} == {
        world.grants["member"].pk: "keep", world.grants["admin_held"].pk: "keep",
        world.grants["owner_self"].pk: "",  # the admin's item: not Tom's
    }  # fmt: skip
    events = AuditEvent.objects.filter(action="review.decided")
    assert events.count() == 2 and all(e.data["bulk"] for e in events)
    assert all(e.actor_id == p.teammate.user_id for e in events)
    with pytest.raises(Conflict):  # nothing of Tom's is left there
        reviews.review_keep_channel(review=campaign, channel=p.channel, actor=p.teammate)


def test_keep_channel_by_an_admin_skips_grants_they_hold(world, campaign):
    kept = reviews.review_keep_channel(review=campaign, channel=world.unowned, actor=world.p.admin)
    assert kept == 1  # leader_unowned; admin_unowned is Ada's own grant
    assert world.item(campaign, "admin_unowned").decision == ""
    assert world.item(campaign, "leader_unowned").decision == "keep"


def test_keep_channel_queue_only_leaves_other_reviewers_items(world, campaign):
    kept = reviews.review_keep_channel(
        review=campaign, channel=world.p.channel, actor=world.p.admin, queue_only=True
    )
    assert kept == 1  # owner_self is Ada's to review; Tom's two items stay his
    assert world.item(campaign, "member").decision == ""


@pytest.mark.parametrize(
    ("who", "channel", "status"),
    [
        ("teammate", "channel", 200),
        ("teammate", "other_channel", 404),  # no item of Tom's there
        ("foreigner", "other_channel", 200),
        ("member", "channel", 404),  # reviews nothing: does not see the campaign
        ("leader", "channel", 404),
        ("admin", "other_channel", 200),
    ],
)
def test_keep_channel_over_the_api(world, campaign, api, who, channel, status):
    channel_pk = getattr(world.p, channel).pk
    url = f"{REVIEWS}{campaign.pk}/keep-channel/"
    response = api(getattr(world.p, who)).post(url, {"channel": channel_pk})
    assert response.status_code == status, response.content
    if status == 200:
        assert response.json()["kept"] >= 1
        again = api(getattr(world.p, who)).post(url, {"channel": channel_pk})
        assert again.status_code == 409
    else:
        assert not AccessReviewItem.objects.exclude(decision="").exists()


def test_keep_channel_bad_input(world, campaign, api):
    url = f"{REVIEWS}{campaign.pk}/keep-channel/"
    client = api(world.p.admin)
    assert "channel" in client.post(url, {}).json()
    assert client.post(url, {"channel": "x"}).status_code == 400
    assert client.post(url, {"channel": 987654}).status_code == 404


def test_progress_counts_on_read(world, campaign, api):
    reviews.review_decide(
        item=world.item(campaign, "member"), actor=world.p.teammate, decision="keep"
    )
    reviews.review_decide(
        item=world.item(campaign, "member_other"), actor=world.p.foreigner, decision="revoke",
        reason="left the brand",
    )  # fmt: skip
    _past_deadline(campaign)
    body = api(world.p.admin).get(f"{REVIEWS}{campaign.pk}/").json()
    assert body["progress"] == {"total": 7, "decided": 2, "kept": 1, "revoked": 1, "overdue": 5}
    assert body["scope"]["all_channels"] is True
    # A reviewer's counts cover the items they see.
    mine = api(world.p.teammate).get(f"{REVIEWS}{campaign.pk}/").json()
    assert mine["progress"] == {"total": 2, "decided": 1, "kept": 1, "revoked": 0, "overdue": 1}


def test_auto_revoke_records_the_gaps_it_leaves(world):
    _only_actor(world)
    review = world.create(auto_revoke=True)
    _past_deadline(review)
    result = reviews.reviews_enforce_overdue()
    assert result["revoked_grants"] == 5  # never blocked by the coverage guard
    event = AuditEvent.objects.get(action="grant.revoked", target_id=str(world.grants["member"].pk))
    assert {"id": world.p.channel.pk, "label": "Instagram @community"} in event.data["gaps"]
    assert "accepted_gaps" not in event.data and event.actor_id is None
