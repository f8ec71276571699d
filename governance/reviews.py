"""Access reviews: campaigns in which each open grant is kept or revoked by its reviewer.

Rules (docs/governance.md "Access reviews on pages", docs/api.md):

- An admin opens a campaign: one item per open grant (not revoked, not expired) in its
  scope: some teams' channels and/or some channels, or (neither given) every channel. A
  scope named explicitly must name something that exists and hold at least one open grant.
  The reviewer is the channel's owner; nobody reviews their own grant, so when the owner
  holds the grant (or the channel has no owner, or its owner has departed) the campaign's
  creator reviews it, and when the creator holds it too the reviewer is left empty: any
  admin other than the holder decides.
- An item is decided once (409 the second time), by its reviewer or any admin, never by the
  grant's holder (409: the holder's own grant conflicts with the rule, whoever they are).
  "revoke" needs a reason and revokes the grant at once, in the same transaction as the
  decision, its audit events and the revocation's outbox row, behind the coverage guard: a
  revoke that leaves a channel with nobody able to act is refused (409
  `{channels_without_actor}`, nothing changes) unless the decision accepts the gaps.
- Undecided items are overdue once their campaign's deadline has passed. Campaigns with
  `auto_revoke` have their overdue grants revoked by the system actor (`revoked_by` null,
  reason `review_overdue`), never blocked by the coverage guard, recording the gaps they
  leave; the job is idempotent.

Revoking as a reviewer who is not an admin: `services.grant_revoke` requires an admin, but
a channel owner reviewing their channel must be able to act on their decision. Such a
revocation goes through `services.revoke_guarded`, the person's revoke behind the coverage
guard that `grant_revoke` uses too, with the reviewer as `revoked_by`, inside the decision's
transaction. Admin deciders go through `grant_revoke` itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.coverage import coverage_check
from governance.models import SYSTEM_REVIEW_OVERDUE, AccessGrant, AccessReview, AccessReviewItem
from governance.services import _close, _require_admin, grant_revoke, revoke_guarded
from socialops.audit.services import Entry, audit_append, audit_append_many
from socialops.common.exceptions import Conflict, DomainError, Forbidden
from teams.models import Channel, Member, Team

REVOKE_REASON_MAX = AccessGrant._meta.get_field("revoke_reason").max_length or 520
DECISION_REASON_MAX = AccessReviewItem._meta.get_field("reason").max_length or 200


def _user(member: Member | None):
    return member.user if member is not None else None


def _is_admin(member: Member | None) -> bool:
    return member is not None and member.role_admin and member.status != Member.Status.DEPARTED


def review_revoke_reason(review: AccessReview, reason: str = "") -> str:
    """The grant's revoke reason: the campaign and the reviewer's words."""
    text = f"access review {review.name}: {reason}" if reason else f"access review: {review.name}"
    return text[:REVOKE_REASON_MAX]


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


def _scope_messages(what: str) -> tuple[str, str]:
    """The two refusals of a scope list (none chosen; unknown ids), for teams or channels."""
    if what == "team":
        return (
            _("Choose at least one team, or leave the scope out for every channel."),
            _("No such team: %(ids)s."),
        )
    return (
        _("Choose at least one channel, or leave the scope out for every channel."),
        _("No such channel: %(ids)s."),
    )


def _ids(
    field: str, given: Iterable[int] | None, model, what: str, errors: dict[str, str]
) -> list[int] | None:
    """A scope list as given: None (left out), or sorted distinct ids that all exist."""
    if given is None:
        return None
    none_chosen, no_such = _scope_messages(what)
    ids = sorted(set(given))
    if not ids:
        errors[field] = none_chosen
        return ids
    known = set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))
    unknown = [i for i in ids if i not in known]
    if unknown:
        errors[field] = no_such % {"ids": ", ".join(map(str, unknown))}
    return ids


# ---- Writes ----


def _constraints(mode: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            if mode == "IMMEDIATE":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            else:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@transaction.atomic
def review_create(
    *,
    actor: Member,
    name: str,
    deadline: dt.date,
    auto_revoke: bool = False,
    team_ids: Iterable[int] | None = None,
    channel_ids: Iterable[int] | None = None,
) -> AccessReview:
    """Open a campaign over the open grants in scope: the channels of `team_ids` and the
    channels `channel_ids` (either or both), or every channel when both are left out. A fixed
    number of queries however many grants there are."""
    _require_admin(actor)
    errors: dict[str, str] = {}
    name = (name or "").strip()
    name_max = AccessReview._meta.get_field("name").max_length  # a CharField: always set
    if not name:
        errors["name"] = _("Name the campaign.")
    elif name_max is not None and len(name) > name_max:
        errors["name"] = _("Keep the name to 200 characters.")
    if deadline is None or deadline < timezone.localdate():
        errors["deadline"] = _("The deadline cannot be in the past.")
    teams = _ids("team_ids", team_ids, Team, "team", errors)
    channels = _ids("channel_ids", channel_ids, Channel, "channel", errors)
    if errors:
        raise DomainError(errors)

    now = timezone.now()
    grants = AccessGrant.objects.open(now)
    if teams is not None or channels is not None:
        grants = grants.filter(
            Q(channel__team_id__in=teams or []) | Q(channel_id__in=channels or [])
        )
    rows = list(
        grants.order_by("channel_id", "member_id").values_list(
            "pk", "member_id", "channel__owner_id", "channel__owner__status"
        )
    )
    if not rows and (teams is not None or channels is not None):
        given = [f for f, ids in (("team_ids", teams), ("channel_ids", channels)) if ids]
        raise DomainError(
            dict.fromkeys(given, _("Nothing to review: no open grant on these channels."))
        )
    # Foreign keys are checked at commit by default, which here would be after the audit lock
    # below: waiting then for a grant another transaction holds FOR UPDATE while it waits for
    # the audit lock is a deadlock. Checked as the rows go in, every row lock this needs is
    # taken before the audit lock (tests/test_bounds.py).
    _constraints("IMMEDIATE")
    review = AccessReview.objects.create(
        name=name, created_by=actor, created_at=now, deadline=deadline, auto_revoke=auto_revoke
    )
    if teams:
        AccessReview.teams.through.objects.bulk_create(
            AccessReview.teams.through(accessreview_id=review.pk, team_id=t) for t in teams
        )
    if channels:
        AccessReview.channels.through.objects.bulk_create(
            AccessReview.channels.through(accessreview_id=review.pk, channel_id=c) for c in channels
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
    _constraints("DEFERRED")  # back to Django's default for the rest of the transaction
    audit_append(
        actor=_user(actor), action="review.created", target_type="access_review",
        target_id=review.pk,
        data={"name": name, "deadline": deadline.isoformat(), "auto_revoke": auto_revoke,
              "team_ids": teams, "channel_ids": channels, "items": len(items),
              "unassigned_items": sum(1 for i in items if i.reviewer_id is None)},
    )  # fmt: skip
    return review


@transaction.atomic
def review_decide(
    *,
    item: AccessReviewItem,
    actor: Member,
    decision: str,
    reason: str = "",
    accept_gaps: bool = False,
) -> AccessReviewItem:
    """Keep or revoke one reviewed grant: the item's reviewer or any admin (403 for anyone
    else), never the grant's holder (409), once (409). A revoke needs a reason (400) and goes
    through the coverage guard (409 `{channels_without_actor}` unless `accept_gaps`)."""
    if decision not in AccessReviewItem.Decision.values:
        raise DomainError(
            {
                "decision": _("Choose one of %(choices)s.")
                % {"choices": ", ".join(AccessReviewItem.Decision)}
            }
        )
    if actor is None or actor.status == Member.Status.DEPARTED:
        raise Forbidden(_("Only the item's reviewer or an admin decides."))
    locked = (
        AccessReviewItem.objects.select_for_update(of=("self",))
        .select_related("review", "grant")
        .get(pk=item.pk)
    )
    if actor.pk == locked.grant.member_id:
        raise Conflict(_("This is your own grant: nobody reviews their own grant."))
    if actor.pk != locked.reviewer_id and not _is_admin(actor):
        raise Forbidden(_("Only the item's reviewer or an admin decides."))
    if locked.decision:
        raise Conflict(
            _("This item was already decided: %(decision)s.") % {"decision": locked.decision}
        )
    reason = (reason or "").strip()
    if decision == AccessReviewItem.Decision.REVOKE and not reason:
        raise DomainError({"reason": _("Say why the access is revoked.")})
    if len(reason) > DECISION_REASON_MAX:
        raise DomainError(
            {"reason": _("Keep the reason to %(n)s characters.") % {"n": DECISION_REASON_MAX}}
        )

    now = timezone.now()
    revoked = False
    if decision == AccessReviewItem.Decision.REVOKE:
        grant = (
            AccessGrant.objects.select_for_update(of=("self",))
            .select_related("channel")
            .get(pk=locked.grant_id)
        )
        if grant.revoked_at is None:  # revoking a revoked grant changes nothing
            revoke_reason = review_revoke_reason(locked.review, reason)
            if _is_admin(actor):
                grant_revoke(grant=grant, actor=actor, reason=revoke_reason,
                             accept_gaps=accept_gaps)  # fmt: skip
            else:
                # A reviewing channel owner who is not an admin (see the module docstring).
                revoke_guarded([grant], actor=actor, reason=revoke_reason,
                               accept_gaps=accept_gaps)  # fmt: skip
            revoked = True
    locked.decision = decision
    locked.decided_at = now
    locked.decided_by = actor
    locked.reason = reason
    locked.save(update_fields=["decision", "decided_at", "decided_by", "reason"])
    audit_append(
        actor=_user(actor), action="review.decided", target_type="access_review_item",
        target_id=locked.pk,
        data={"review": locked.review_id, "grant": locked.grant_id,
              "member": locked.grant.member_id, "channel": locked.grant.channel_id,
              "reviewer": locked.reviewer_id, "decision": decision, "reason": reason,
              "revoked": revoked, "accept_gaps": accept_gaps},
    )  # fmt: skip
    return locked


def _decidable_by(member: Member, *, queue_only: bool = False) -> Q:
    """Items `member` may decide: their own; an admin any but a grant they hold (with
    `queue_only`, an admin's own and the unassigned ones: their My reviews queue)."""
    if _is_admin(member):
        mine = (Q(reviewer_id=member.pk) | Q(reviewer__isnull=True)) if queue_only else Q()
        return mine & ~Q(grant__member_id=member.pk)
    return Q(reviewer_id=member.pk) & ~Q(grant__member_id=member.pk)


@transaction.atomic
def review_keep_channel(
    *, review: AccessReview, channel: Channel, actor: Member, queue_only: bool = False
) -> int:
    """Keep every undecided item of `channel` in `review` that `actor` may decide (their own
    items; an admin all but grants they hold, or with `queue_only` only those of their My
    reviews queue): one update and one audit append however many. Returns how many; nothing
    left to keep is 409."""
    if actor is None or actor.status == Member.Status.DEPARTED:
        raise Forbidden(_("Only a reviewer or an admin decides."))
    items = list(
        AccessReviewItem.objects.select_for_update(of=("self",))
        .filter(_decidable_by(actor, queue_only=queue_only))
        .filter(review=review, grant__channel_id=channel.pk, decision="")
        .values_list("pk", "grant_id", "grant__member_id", "reviewer_id")
        .order_by("pk")
    )
    if not items:
        raise Conflict(
            _("Nothing left for you to keep on %(channel)s in %(review)s.")
            % {"channel": channel.label, "review": review.name}
        )
    now = timezone.now()
    kept = AccessReviewItem.objects.filter(pk__in=[i[0] for i in items], decision="").update(
        decision=AccessReviewItem.Decision.KEEP, decided_at=now, decided_by=actor, reason=""
    )
    audit_append_many(
        actor=_user(actor),
        entries=[
            Entry("review.decided", "access_review_item", pk,
                  {"review": review.pk, "grant": grant_id, "member": member_id,
                   "channel": channel.pk, "reviewer": reviewer_id,
                   "decision": AccessReviewItem.Decision.KEEP, "reason": "", "revoked": False,
                   "bulk": True})
            for pk, grant_id, member_id, reviewer_id in items
        ],
    )  # fmt: skip
    return kept


@transaction.atomic
def reviews_enforce_overdue(*, today: dt.date | None = None) -> dict:
    """The daily job: in campaigns with auto_revoke, revoke the grants of overdue items with
    the system actor and mark the items decided "revoke" by the system. A system change: the
    coverage guard never blocks it; the gaps it leaves are recorded in the grant.revoked
    events. Idempotent; items another run holds are skipped."""
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
    revoked = (
        _close(grants, actor=None, reason=SYSTEM_REVIEW_OVERDUE, at=now,
               coverage=coverage_check(grants=grants).audit_data(accepted=False))
        if grants
        else 0
    )  # fmt: skip
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


def review_queue_for(*, member: Member | None) -> QuerySet[AccessReviewItem]:
    """A person's "My reviews": the undecided items assigned to them and, for an admin, the
    unassigned ones, never a grant they hold; with the campaign, holder and channel (and its
    team) loaded, grouped by campaign and channel."""
    if member is None or member.status == Member.Status.DEPARTED:
        return AccessReviewItem.objects.none()
    return (
        AccessReviewItem.objects.filter(_decidable_by(member, queue_only=True), decision="")
        .select_related("review", "grant__member", "grant__channel__team")
        .order_by("review__deadline", "review_id", "grant__channel__platform",
                  "grant__channel__handle", "grant__channel_id", "grant__member__full_name",
                  "pk")
    )  # fmt: skip


def review_queue_exists(*, member: Member | None) -> bool:
    """Whether a person has anything in "My reviews" (one cheap query; admins always may)."""
    if member is None or member.status == Member.Status.DEPARTED:
        return False
    if _is_admin(member):
        return True
    return AccessReviewItem.objects.filter(reviewer_id=member.pk, decision="").exists()


def _progress(today: dt.date, member: Member | None = None) -> dict:
    """Per-campaign counts of the items a person sees, as annotations (one query)."""
    seen = Q() if member is None or _is_admin(member) else Q(items__reviewer_id=member.pk)
    undecided = seen & Q(items__decision="")
    return {
        "items_total": Count("items", filter=seen),
        "items_decided": Count("items", filter=seen & ~Q(items__decision="")),
        "items_kept": Count("items", filter=seen & Q(items__decision="keep")),
        "items_revoked": Count("items", filter=seen & Q(items__decision="revoke")),
        "items_overdue": Count("items", filter=undecided & Q(deadline__lt=today)),
    }


def reviews_with_progress(
    reviews: QuerySet[AccessReview], *, today: dt.date | None = None
) -> QuerySet[AccessReview]:
    """Campaigns with `items_total`, `items_decided`, `items_kept`, `items_revoked` and
    `items_overdue` (one query for all of them) and their scope (two prefetches)."""
    return reviews.annotate(**_progress(today or timezone.localdate())).prefetch_related(
        "teams", Prefetch("channels", queryset=Channel.objects.select_related("team"))
    )


@dataclass(frozen=True)
class ProgressRow:
    """Counts of a group of a campaign's items (one reviewer's, one channel's)."""

    key: int | None
    name: str
    total: int
    decided: int
    overdue: int


def review_progress_by(review: AccessReview, *, today: dt.date | None = None) -> dict:
    """A campaign's progress per reviewer and per channel (one query each)."""
    today = today or timezone.localdate()
    late = review.deadline < today
    counts = {
        "total": Count("pk"),
        "decided": Count("pk", filter=~Q(decision="")),
    }
    reviewers = (
        review.items.values("reviewer_id", "reviewer__full_name")
        .order_by()
        .annotate(**counts)
        .order_by("reviewer__full_name", "reviewer_id")
    )
    channels = (
        review.items.values("grant__channel_id", "grant__channel__platform",
                            "grant__channel__handle", "grant__channel__team__name")
        .order_by()
        .annotate(**counts)
        .order_by("grant__channel__platform", "grant__channel__handle", "grant__channel_id")
    )  # fmt: skip

    def row(key, name, r) -> ProgressRow:
        undecided = r["total"] - r["decided"]
        return ProgressRow(key, name, r["total"], r["decided"], undecided if late else 0)

    return {
        "reviewers": [
            row(r["reviewer_id"], r["reviewer__full_name"] or _("Any admin (unassigned)"), r)
            for r in reviewers
        ],
        "channels": [row(r["grant__channel_id"], _channel_name(r), r) for r in channels],
    }


def _channel_name(row: Mapping[str, Any]) -> str:
    """The page name of a channel ("Instagram @handle (Team)") from a values() row."""
    channel = Channel(
        platform=row["grant__channel__platform"], handle=row["grant__channel__handle"]
    )
    return f"{channel.label} ({row['grant__channel__team__name']})"


def reviews_for(*, member: Member | None) -> QuerySet[AccessReview]:
    """Campaigns a person may see, each with `visible_items` prefetched (admins: all
    campaigns and items; reviewers: the campaigns where they review something, with only
    their items), their progress over those items and their scope. A fixed number of
    queries however many items there are."""
    items = review_items_for(member=member).select_related(
        "grant__member", "grant__channel"
    ).order_by("pk")  # fmt: skip
    reviews = AccessReview.objects.all()
    if not _is_admin(member):
        reviews = reviews.filter(Exists(items.filter(review_id=OuterRef("pk"))))
    return reviews.annotate(**_progress(timezone.localdate(), member)).prefetch_related(
        Prefetch("items", queryset=items, to_attr="visible_items"), "teams", "channels"
    )
