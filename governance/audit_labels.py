"""Names for the audit log (docs/governance.md "Reading the audit log"): who acted
(`actor_name`) and what they acted on (`target_label`), beside the ids the chain stores.

Set-based: one query for the users (actors, and targets of type `user`) and at most one per
other target type present, whatever the number of events. A target that no longer exists
(or whose name was erased) is shown as `<Kind> #<id>`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Q
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from governance.models import (
    AccessGrant,
    AccessReview,
    AccessReviewItem,
    ChecklistItem,
    Connector,
    OutboxMessage,
)
from socialops.audit.models import AuditEvent
from teams.models import Channel, Member, Team

SYSTEM_ACTOR = "system"
# actor_display of a change made with a SCIM bearer token: "scim:<token name>".
SCIM_PREFIX = "scim:"

KINDS = {
    "member": _("Member"),
    "channel": _("Channel"),
    "grant": _("Grant"),
    "team": _("Team"),
    "checklist_item": _("Checklist item"),
    "access_review": _("Access review"),
    "access_review_item": _("Access review item"),
    "connector": _("Connector"),
    "user": _("User"),
    "group": _("Permission group"),
    "organisation": _("Organisation"),
    "outbox": _("Outbox message"),
    # A leader's or an operator's correction of a work entry (workload sits above
    # governance, so its rows are named by id: "Work entry #12"; the event's data says more).
    "task_log": _("Work entry"),
}

Labels = dict[str, str]  # target id (as stored) → what it is, without the kind


def _int_ids(ids: Iterable[str]) -> list[int]:
    return [int(i) for i in ids if i.isdigit() and len(i) < 19]  # fits a bigint


def _grant_words(grant: AccessGrant) -> str:
    return gettext("%(role)s on %(channel)s for %(person)s") % {
        "role": grant.get_role_display(),
        "channel": grant.channel.label,
        "person": _person(grant.member),
    }


def _person(member: Member) -> str:
    return member.full_name or gettext("Member #%(id)s") % {"id": member.pk}


def _members(ids: set[str]) -> Labels:
    rows = Member.objects.filter(pk__in=_int_ids(ids)).values_list("pk", "full_name")
    return {str(pk): name for pk, name in rows if name}


def _channels(ids: set[str]) -> Labels:
    rows = Channel.objects.filter(pk__in=_int_ids(ids)).only("pk", "platform", "handle")
    return {str(c.pk): c.label for c in rows}


def _grants(ids: set[str]) -> Labels:
    rows = AccessGrant.objects.filter(pk__in=_int_ids(ids)).select_related("member", "channel")
    return {str(g.pk): _grant_words(g) for g in rows}


def _teams(ids: set[str]) -> Labels:
    return {str(pk): name for pk, name in Team.objects.filter(pk__in=_int_ids(ids))
            .values_list("pk", "name")}  # fmt: skip


def _checklist_items(ids: set[str]) -> Labels:
    rows = ChecklistItem.objects.filter(pk__in=_int_ids(ids)).select_related("channel", "member")
    return {
        str(i.pk): gettext("%(layer)s on %(channel)s for %(person)s")
        % {"layer": i.get_layer_display(), "channel": i.channel.label, "person": _person(i.member)}
        for i in rows
    }


def _reviews(ids: set[str]) -> Labels:
    rows = AccessReview.objects.filter(pk__in=_int_ids(ids)).values_list("pk", "name")
    return {str(pk): name for pk, name in rows}


def _review_items(ids: set[str]) -> Labels:
    rows = AccessReviewItem.objects.filter(pk__in=_int_ids(ids)).select_related(
        "grant__member", "grant__channel"
    )
    return {str(i.pk): _grant_words(i.grant) for i in rows}


def _connectors(ids: set[str]) -> Labels:
    # Never load the connector's secret for a label.
    rows = Connector.objects.filter(pk__in=_int_ids(ids)).only("pk", "platform")
    return {str(c.pk): c.get_platform_display() for c in rows}


def _outbox(ids: set[str]) -> Labels:
    valid = {}
    for i in ids:
        try:
            valid[uuid.UUID(i)] = i
        except ValueError:
            continue
    found = OutboxMessage.objects.filter(pk__in=list(valid)).values_list("pk", flat=True)
    return {valid[pk]: valid[pk] for pk in found}


def _groups(ids: set[str]) -> Labels:
    return {str(pk): name for pk, name in Group.objects.filter(pk__in=_int_ids(ids))
            .values_list("pk", "name")}  # fmt: skip


LOADERS: dict[str, Callable[[set[str]], Labels]] = {
    "member": _members,
    "channel": _channels,
    "grant": _grants,
    "team": _teams,
    "checklist_item": _checklist_items,
    "access_review": _reviews,
    "access_review_item": _review_items,
    "connector": _connectors,
    "outbox": _outbox,
    "group": _groups,
}


def _users(ids: set[str]) -> tuple[Labels, Labels]:
    """Names of users by id and by username (a failed sign-in's target is the username typed),
    in one query: the member's full name, else the username."""
    if not ids:
        return {}, {}
    pks = _int_ids(ids)
    usernames = [i for i in ids if not i.isdigit()]
    rows = (
        get_user_model()
        .objects.filter(Q(pk__in=pks) | Q(username__in=usernames))
        .values_list("pk", "username", "member__full_name")
    )
    by_pk, by_username = {}, {}
    for pk, username, full_name in rows:
        by_pk[str(pk)] = by_username[username] = full_name or username
    return by_pk, by_username


def _kind(target_type: str) -> str:
    kind = KINDS.get(target_type)
    return str(kind) if kind else target_type.replace("_", " ").capitalize()


def describe_events(events: list[AuditEvent]) -> list[AuditEvent]:
    """Set `actor_name` and `target_label` on each event (in place; also returned)."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for event in events:
        wanted[event.target_type].add(event.target_id)
    users = {str(e.actor_id) for e in events if e.actor_id is not None} | wanted.pop("user", set())
    by_pk, by_username = _users(users)
    labels = {kind: LOADERS[kind](ids) for kind, ids in wanted.items() if kind in LOADERS}
    labels["user"] = by_pk

    for event in events:
        event.actor_name = _actor_name(event, by_pk)
        if event.target_type == "organisation":
            event.target_label = gettext("Organisation")
            continue
        what = labels.get(event.target_type, {}).get(event.target_id)
        if what is None and event.target_type == "user":
            what = by_username.get(event.target_id)
        kind = _kind(event.target_type)
        event.target_label = f"{kind}: {what}" if what else f"{kind} #{event.target_id}"
    return events


def _actor_name(event: AuditEvent, users: Labels) -> str:
    if event.actor_display.startswith(SCIM_PREFIX):
        return gettext('SCIM token "%(name)s"') % {"name": event.actor_display[len(SCIM_PREFIX) :]}
    if event.actor_id is None:
        return pgettext("audit actor", "system")
    return (
        users.get(str(event.actor_id))
        or event.actor_display
        or gettext("User #%(id)s") % {"id": event.actor_id}
    )
