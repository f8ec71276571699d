"""Access reviews: campaigns in which each open grant is kept or revoked by its reviewer.

Rules (docs/governance.md, docs/api.md):

- An admin opens a campaign: one item per open grant (not revoked, not expired) on every
  channel, or on the channels of some teams. The reviewer is the channel's owner; nobody
  reviews their own grant, so when the owner holds the grant (or the channel has no owner,
  or its owner has departed) the campaign's creator reviews it, and when the creator holds
  it too the reviewer is left empty: any admin other than the holder decides.
- An item is decided once, by its reviewer or any admin, never by the grant's holder.
  "revoke" revokes the grant at once, in the same transaction as the decision, its audit
  events and the revocation's outbox row.
- Undecided items are overdue once their campaign's deadline has passed. Campaigns with
  `auto_revoke` have their overdue grants revoked by the system actor (`revoked_by` null,
  reason `review_overdue`); the job is idempotent.

Revoking as a reviewer who is not an admin: `services.grant_revoke` requires an admin, but
a channel owner reviewing their channel must be able to act on their decision. Such a
revocation goes through `services._close`, the same internal helper `grant_revoke` uses
(one update, the `grant.revoked` audit event and the `grant.revoked` outbox row), with the
reviewer as `revoked_by`, inside the decision's transaction. Admin deciders go through
`grant_revoke` itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from governance.models import SYSTEM_REVIEW_OVERDUE, AccessGrant, AccessReview, AccessReviewItem
from governance.services import _close, _require_admin, grant_revoke
from socialops.audit.services import Entry, audit_append, audit_append_many
from socialops.common.exceptions import Conflict, DomainError, Forbidden
from teams.models import Member, Team

REVOKE_REASON_MAX = AccessGrant._meta.get_field("revoke_reason").max_length


def _user(member: Member | None):
    return member.user if member is not None else None


def _is_admin(member: Member | None) -> bool:
    return member is not None and member.role_admin and member.status != Member.Status.DEPARTED


def review_revoke_reason(review: AccessReview) -> str:
    return f"access review: {review.name}"[:REVOKE_REASON_MAX]


def reviewer_for(
    *, holder_id: int, owner_id: int | None, owner_departed: bool, creator_id: int
) -> int | None:
    """Who reviews a grant: the channel's owner, else the campaign's creator, never the
    holder (None: any admin other than the holder decides)."""
    if owner_id is not None and not owner_departed and owner_id != holder_id:
        return owner_id
    if creator_id != holder_id:
        return creator_id
    return None


# ---- Writes ----


@transaction.atomic
def review_create(
    *,
    actor: Member,
    name: str,
    deadline: dt.date,
    auto_revoke: bool = False,
    team_ids: Iterable[int] | None = None,
) -> AccessReview:
    """Open a campaign over every open grant (or those on some teams' channels): a fixed
    number of queries however many grants there are."""
    _require_admin(actor)
    errors: dict[str, str] = {}
    name = (name or "").strip()
    name_max = AccessReview._meta.get_field("name").max_length  # a CharField: always set
    if not name:
        errors["name"] = "Name the campaign."
    elif name_max is not None and len(name) > name_max:
        errors["name"] = "Keep the name to 200 characters."
    if deadline is None or deadline < timezone.localdate():
        errors["deadline"] = "The deadline cannot be in the past."
    teams: list[int] | None = None
    if team_ids is not None:
        teams = sorted(set(team_ids))
        known = set(Team.objects.filter(pk__in=teams).values_list("pk", flat=True))
        unknown = [t for t in teams if t not in known]
        if not teams:
            errors["team_ids"] = "Name at least one team, or leave the list out for all teams."
        elif unknown:
            errors["team_ids"] = f"No such team: {', '.join(map(str, unknown))}."
    if errors:
        raise DomainError(errors)

    now = timezone.now()
    review = AccessReview.objects.create(
        name=name, created_by=actor, created_at=now, deadline=deadline, auto_revoke=auto_revoke
    )
    grants = AccessGrant.objects.open(now)
    if teams is not None:
        grants = grants.filter(channel__team_id__in=teams)
    rows = grants.order_by("channel_id", "member_id").values_list(
        "pk", "member_id", "channel__owner_id", "channel__owner__status"
    )
    items = AccessReviewItem.objects.bulk_create(
        AccessReviewItem(
            review=review,
            grant_id=grant_id,
            reviewer_id=reviewer_for(
                holder_id=holder_id,
                owner_id=owner_id,
                owner_departed=owner_status == Member.Status.DEPARTED,
                creator_id=actor.pk,
            ),
        )
        for grant_id, holder_id, owner_id, owner_status in rows
    )
    audit_append(
        actor=_user(actor), action="review.created", target_type="access_review",
        target_id=review.pk,
        data={"name": name, "deadline": deadline.isoformat(), "auto_revoke": auto_revoke,
              "team_ids": teams, "items": len(items),
              "unassigned_items": sum(1 for i in items if i.reviewer_id is None)},
    )  # fmt: skip
    return review


@transaction.atomic
def review_decide(*, item: AccessReviewItem, actor: Member, decision: str) -> AccessReviewItem:
    """Keep or revoke one reviewed grant: the item's reviewer or any admin, never the grant's
    holder (403), once (409)."""
    if decision not in AccessReviewItem.Decision.values:
        raise DomainError({"decision": f"Choose one of {', '.join(AccessReviewItem.Decision)}."})
    if actor is None or actor.status == Member.Status.DEPARTED:
        raise Forbidden("Only the item's reviewer or an admin decides.")
    locked = (
        AccessReviewItem.objects.select_for_update(of=("self",))
        .select_related("review", "grant")
        .get(pk=item.pk)
    )
    if actor.pk == locked.grant.member_id:
        raise Forbidden("Nobody reviews their own grant.")
    if actor.pk != locked.reviewer_id and not _is_admin(actor):
        raise Forbidden("Only the item's reviewer or an admin decides.")
    if locked.decision:
        raise Conflict(f"This item was already decided: {locked.decision}.")

    now = timezone.now()
    revoked = False
    if decision == AccessReviewItem.Decision.REVOKE:
        grant = (
            AccessGrant.objects.select_for_update(of=("self",))
            .select_related("channel")
            .get(pk=locked.grant_id)
        )
        if grant.revoked_at is None:  # revoking a revoked grant changes nothing
            reason = review_revoke_reason(locked.review)
            if _is_admin(actor):
                grant_revoke(grant=grant, actor=actor, reason=reason)
            else:
                # A reviewing channel owner who is not an admin (see the module docstring).
                _close([grant], actor=actor, reason=reason, at=now)
            revoked = True
    locked.decision = decision
    locked.decided_at = now
    locked.decided_by = actor
    locked.save(update_fields=["decision", "decided_at", "decided_by"])
    audit_append(
        actor=_user(actor), action="review.decided", target_type="access_review_item",
        target_id=locked.pk,
        data={"review": locked.review_id, "grant": locked.grant_id,
              "member": locked.grant.member_id, "channel": locked.grant.channel_id,
              "reviewer": locked.reviewer_id, "decision": decision, "revoked": revoked},
    )  # fmt: skip
    return locked


@transaction.atomic
def reviews_enforce_overdue(*, today: dt.date | None = None) -> dict:
    """The daily job: in campaigns with auto_revoke, revoke the grants of overdue items with
    the system actor and mark the items decided "revoke" by the system. Idempotent; items
    another run holds are skipped."""
    today = today or timezone.localdate()
    now = timezone.now()
    items = list(
        review_items_overdue(today=today)
        .filter(review__auto_revoke=True)
        .select_for_update(of=("self",), skip_locked=True)
        .select_related("grant")
        .order_by("pk")
    )
    if not items:
        return {"items": 0, "revoked_grants": 0}
    # Grants still open and not expired; an expired grant is the expiry job's to close.
    grants = list(
        AccessGrant.objects.open(now)
        .select_for_update(of=("self",))
        .select_related("channel")
        .filter(pk__in={i.grant_id for i in items})
        .order_by("pk")
    )
    revoked = _close(grants, actor=None, reason=SYSTEM_REVIEW_OVERDUE, at=now) if grants else 0
    revoked_ids = {g.pk for g in grants}
    AccessReviewItem.objects.filter(pk__in=[i.pk for i in items], decision="").update(
        decision=AccessReviewItem.Decision.REVOKE, decided_at=now, decided_by=None
    )
    audit_append_many(
        actor=None,
        entries=[
            Entry("review.auto_revoked", "access_review_item", i.pk,
                  {"review": i.review_id, "grant": i.grant_id, "member": i.grant.member_id,
                   "channel": i.grant.channel_id, "decision": AccessReviewItem.Decision.REVOKE,
                   "revoked": i.grant_id in revoked_ids})
            for i in items
        ],
    )  # fmt: skip
    return {"items": len(items), "revoked_grants": revoked}


# ---- Reads ----


def review_items_overdue(*, today: dt.date | None = None) -> QuerySet[AccessReviewItem]:
    """Undecided items whose campaign's deadline has passed (the deadline day itself is
    still in time)."""
    today = today or timezone.localdate()
    return AccessReviewItem.objects.filter(decision="", review__deadline__lt=today)


def review_items_for(*, member: Member | None) -> QuerySet[AccessReviewItem]:
    """Items a person may see: admins all, reviewers their own, anyone else none."""
    if member is None or member.status == Member.Status.DEPARTED:
        return AccessReviewItem.objects.none()
    if _is_admin(member):
        return AccessReviewItem.objects.all()
    return AccessReviewItem.objects.filter(reviewer_id=member.pk)


def reviews_for(*, member: Member | None) -> QuerySet[AccessReview]:
    """Campaigns a person may see, each with `visible_items` prefetched (admins: all
    campaigns and items; reviewers: the campaigns where they review something, with only
    their items). A fixed number of queries however many items there are."""
    items = review_items_for(member=member).select_related(
        "grant__member", "grant__channel"
    ).order_by("pk")  # fmt: skip
    reviews = AccessReview.objects.all()
    if not _is_admin(member):
        reviews = reviews.filter(Exists(items.filter(review_id=OuterRef("pk"))))
    return reviews.prefetch_related(Prefetch("items", queryset=items, to_attr="visible_items"))
