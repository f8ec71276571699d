"""The governance pages for admins: health, channel register, grants, revoke, offboarding,
checklist and the audit log. Every write goes through a governance service; domain errors
become form errors or messages."""

from __future__ import annotations

import datetime as dt
import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from governance import followups, services
from governance.audit_labels import describe_events
from governance.coverage import CoverageCheck, coverage_check
from governance.forms import (
    GrantFilterForm,
    GrantForm,
    OffboardForm,
    RevokeForm,
)
from governance.models import (
    AccessGrant,
    ChecklistItem,
    CredentialRotation,
    Offboarding,
    OutboxMessage,
    grant_status_q,
)
from governance.outbox import outbox_retry
from governance.selectors import (
    channel_actor_counts,
    governance_health,
    offboardings_with_progress,
    progress_of,
)
from socialops.audit.models import AuditEvent
from socialops.audit.selectors import events_of_kind
from socialops.common.exceptions import DomainError
from socialops.common.pages import button_action, form_action, form_errors
from teams.models import Channel, Member, roles_for

GRANTS_PER_PAGE = 50
RECENT_EVENTS = 20
DEAD_SHOWN = 50
HEALTH_ROWS_SHOWN = 20
FOLLOWUPS_SHOWN = 20
FOLLOWUPS_PER_PAGE = 50


def admin_required(view):
    """Signed in (else the login page) and holding the admin role (else 403). The view gets
    the admin's member record as `actor`, and runs in the admin's time zone so that dates
    shown and typed are theirs."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        roles = roles_for(request.user)
        if not roles.is_admin:
            raise PermissionDenied(_("The governance pages are for admins."))
        with timezone.override(roles.member.tz):
            return view(request, roles.member, *args, **kwargs)

    return login_required(wrapper)


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def guarded_form_action(request, form, action, *, done):
    """`form_action` for a change behind the coverage guard: a 409 naming channels left
    without an actor shows them on the form and asks for the explicit tick."""
    if not form.is_valid():
        return None
    try:
        result = action(form.cleaned_data)
    except DomainError as exc:
        gaps = exc.errors.pop("channels_without_actor", None)
        if gaps:
            form.ask_to_accept(gaps)
            form.add_error(
                "accept_gaps",
                _(
                    "This would leave %(channels)s with nobody able to act. Tick the box to go "
                    "ahead anyway, or give someone else access first."
                )
                % {"channels": ", ".join(g["label"] for g in gaps)},
            )
        form_errors(form, exc)
        return None
    messages.success(request, done(result))
    return result


def _coverage_words(check: CoverageCheck) -> dict:
    """The coverage guard's findings for a page: blocking gaps and the two warnings."""
    return {
        "gaps": check.gaps,
        "already_uncovered": check.already_uncovered,
        "below_backup": check.below_backup,
    }


# ---- Overview ----


def _absence(member: Member, today: dt.date) -> tuple[str, bool]:
    """Why governance_health counts a member as absent, in words, and whether they left (and
    so are someone to offboard rather than to cover for)."""
    if member.status == Member.Status.DEPARTED:
        return _("Departed"), True
    if member.ended_on is not None and member.ended_on < today:
        return _("Left on %(day)s") % {"day": date_format(member.ended_on, "d M Y")}, True
    if member.status == Member.Status.ON_LEAVE:
        return _("On long absence"), False
    return _("On leave today"), False


@admin_required
def overview(request, actor: Member):
    dead = OutboxMessage.objects.filter(dead_at__isnull=False).order_by("-dead_at")
    offboardings = offboardings_with_progress(
        Offboarding.objects.select_related("member", "successor")
    ).order_by("-created_at", "-pk")
    health = governance_health()
    today = timezone.localdate()
    for grant in health["absent_holders"]:
        grant.absence, grant.holder_left = _absence(grant.member, today)
    queue = followups.open_followup_keys()
    shown = followups.followups_load([(k, pk) for k, pk, _ in queue[:FOLLOWUPS_SHOWN]])
    context = {
        "actor": actor,
        "health": health,
        "rows_shown": HEALTH_ROWS_SHOWN,
        "more": {key: max(0, len(rows) - HEALTH_ROWS_SHOWN) for key, rows in health.items()},
        "pending_grants": AccessGrant.objects.for_user(request.user).with_status("pending").count(),
        "dead_messages": list(dead[:DEAD_SHOWN]),
        "dead_total": dead.count(),
        "followups": _with_permission(shown, actor),
        "followups_total": queue.count(),
        "scheduled_offboardings": list(
            offboardings.filter(state=Offboarding.State.SCHEDULED).order_by("scheduled_for")
        ),
        "open_offboardings": list(
            offboardings.filter(Q(state=Offboarding.State.DONE), Q(is_complete=False))
        ),
        "done_offboardings": list(
            offboardings.filter(Q(state=Offboarding.State.DONE), Q(is_complete=True))[:5]
        ),
        "events": describe_events(
            list(events_of_kind(AuditEvent.objects.order_by("-pk"), "change")[:RECENT_EVENTS])
        ),
    }
    return render(request, "governance/overview.html", context)


def _with_permission(rows: list[followups.FollowUp], actor: Member) -> list[dict]:
    """Follow-ups for a page: each with whether this admin may confirm it, and why not."""
    shown = []
    for row in rows:
        if followups.may_confirm(row, actor):
            why_not = ""
        elif row.member is not None and row.member.pk == actor.pk:
            why_not = _("It is about your own access.")
        elif row.made_by is not None and row.made_by.pk == actor.pk:
            why_not = _("You made this change.")
        else:
            why_not = _("You may not confirm it.")
        shown.append({"row": row, "may_confirm": not why_not, "why_not": why_not})
    return shown


@admin_required
def followups_page(request, actor: Member):
    queue = followups.open_followup_keys()
    page = Paginator(queue, FOLLOWUPS_PER_PAGE).get_page(request.GET.get("page"))
    rows = followups.followups_load([(k, pk) for k, pk, _ in page.object_list])
    return render(
        request,
        "governance/followups.html",
        {"actor": actor, "page": page, "followups": _with_permission(rows, actor)},
    )


@admin_required
@require_POST
def outbox_retry_view(request, actor: Member, pk):
    message = get_object_or_404(OutboxMessage, pk=pk)
    if message.dead_at is None:
        messages.info(
            request,
            _("Message %(id)s is not dead-lettered; nothing to retry.") % {"id": message.pk},
        )
    else:
        outbox_retry(message=message, actor=actor)
        messages.success(
            request,
            _("Message %(id)s (%(topic)s) will be sent again.")
            % {"id": message.pk, "topic": message.topic},
        )
    return redirect("governance")


# ---- Channel register ----


@admin_required
def channels(request, actor: Member):
    now = timezone.now()
    open_grant = grant_status_q("open", now, prefix="grants__")
    register = list(
        Channel.objects.for_user(request.user)
        .select_related("team", "owner")
        .annotate(open_grants=Count("grants", filter=open_grant))
        .order_by("team__name", "platform", "handle")
    )
    actors = channel_actor_counts(channel_ids=[c.pk for c in register], as_of=timezone.localdate())
    for channel in register:
        channel.actors = actors[channel.pk]
        channel.backup_gap = channel.actors < channel.min_backup
    return render(
        request,
        "governance/channels.html",
        {
            "actor": actor,
            "channels": register,
            "gap_count": sum(c.backup_gap for c in register),
            "unowned_count": sum(c.owner_id is None for c in register),
        },
    )


# ---- Grants ----


@admin_required
def grants(request, actor: Member):
    today = timezone.localdate()
    if request.method == "POST":
        form = GrantForm(request.POST, user=request.user, today=today)
        granted = form_action(
            request, form, lambda values: services.grant_create(actor=actor, **values),
            done=_granted_text,
        )  # fmt: skip
        if granted is not None:
            return redirect("governance-grants")
    else:
        form = GrantForm(user=request.user, today=today)

    filters = GrantFilterForm(request.GET or None, user=request.user)
    rows = AccessGrant.objects.for_user(request.user).select_related(
        "member", "channel", "granted_by", "approved_by", "revoked_by"
    )
    if filters.is_bound:
        filters.is_valid()  # each valid filter applies; an invalid one is shown and ignored
        chosen = filters.cleaned_data
        if chosen.get("channel"):
            rows = rows.filter(channel=chosen["channel"])
        if chosen.get("member"):
            rows = rows.filter(member=chosen["member"])
        if chosen.get("status"):
            rows = rows.with_status(chosen["status"])
    page = Paginator(rows.order_by("-granted_at", "-pk"), GRANTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    chosen_member = filters.cleaned_data.get("member") if filters.is_bound else None
    return render(
        request,
        "governance/grants.html",
        {
            "actor": actor,
            "form": form,
            "filters": filters,
            "page": page,
            "chosen_member": chosen_member,
        },
    )


@admin_required
@require_POST
def grant_approve(request, actor: Member, pk: int):
    grant = get_object_or_404(AccessGrant.objects.for_user(request.user), pk=pk)
    button_action(
        request, lambda: services.grant_approve(grant=grant, actor=actor),
        done=lambda g: _("Approved %(member)s's %(role)s on %(channel)s.")
        % {"member": g.member, "role": g.get_role_display(), "channel": g.channel},
        refused=_("Not approved"),
    )  # fmt: skip
    return redirect(_next_url(request, reverse("governance-grants")))


def _granted_text(grant: AccessGrant) -> str:
    words = {"member": grant.member, "role": grant.get_role_display(), "channel": grant.channel}
    if grant.status == "pending":
        return (
            _(
                "Granted %(member)s %(role)s on %(channel)s; it is pending until a second admin "
                "approves it."
            )
            % words
        )
    return _("Granted %(member)s %(role)s on %(channel)s.") % words


# A closed grant's status, in words.
CLOSED_STATUS_WORDS = {
    "expired": pgettext_lazy("grant status", "expired"),
    "revoked": pgettext_lazy("grant status", "revoked"),
}


def _closed_text(grant: AccessGrant) -> str:
    status = grant.status
    words = {
        "status": CLOSED_STATUS_WORDS.get(status, status),
        "when": date_format(timezone.localtime(grant.revoked_at), "d M Y H:i"),
        "by": grant.revoked_by,
        "reason": grant.revoke_reason,
    }
    if grant.revoked_by_id:
        return _("already %(status)s on %(when)s by %(by)s (%(reason)s)") % words
    return _("already %(status)s on %(when)s (%(reason)s)") % words


@admin_required
def grant_revoke(request, actor: Member, pk: int):
    grant = get_object_or_404(
        AccessGrant.objects.for_user(request.user).select_related(
            "member", "channel", "channel__team", "granted_by", "revoked_by"
        ),
        pk=pk,
    )
    back = _next_url(request, reverse("governance-grants"))
    form = RevokeForm(request.POST or None)
    check = coverage_check(grants=[grant]) if grant.revoked_at is None else CoverageCheck()
    if check.gaps:
        form.ask_to_accept([{"id": c.pk, "label": c.label} for c in check.gaps])
    if request.method == "POST":
        if grant.revoked_at is not None:
            messages.info(
                request,
                _("This grant was %(closed)s; nothing changed.") % {"closed": _closed_text(grant)},
            )
            return redirect(back)
        revoked = guarded_form_action(
            request, form,
            lambda values: services.grant_revoke(grant=grant, actor=actor, **values),
            done=lambda g: _(
                "Revoked %(member)s's %(role)s access to %(channel)s. Its follow-ups are in the "
                "queue on the governance page."
            ) % {"member": g.member, "role": g.get_role_display(), "channel": g.channel},
        )  # fmt: skip
        if revoked is not None:
            return redirect(back)
    return render(
        request,
        "governance/grant_revoke.html",
        {
            "actor": actor,
            "grant": grant,
            "form": form,
            "next": back,
            "closed_text": _closed_text(grant) if grant.revoked_at else "",
            "layers": services.revoke_layers(grant),
            **_coverage_words(check),
        },
    )


# ---- Offboarding ----


@admin_required
def member_offboard(request, actor: Member, pk: int):
    leaver = get_object_or_404(Member.objects.for_user(request.user).select_related("team"), pk=pk)
    offboarding = Offboarding.objects.filter(member=leaver).select_related("successor").first()
    done = offboarding if offboarding and offboarding.state == Offboarding.State.DONE else None
    scheduled = (
        offboarding if offboarding and offboarding.state == Offboarding.State.SCHEDULED else None
    )
    open_grants = list(
        leaver.grants.unrevoked()
        .select_related("channel")
        .order_by("channel__platform", "channel__handle", "pk")
    )
    owned = list(
        Channel.objects.filter(owner=leaver).select_related("team").order_by("platform", "handle")
    )
    today = timezone.localdate()
    initial = (
        {"ended_on": scheduled.ended_on, "reason": scheduled.reason,
         "successor": scheduled.successor_id}
        if scheduled else {"ended_on": leaver.ended_on or leaver.today()}
    )  # fmt: skip
    form = OffboardForm(
        request.POST or None,
        user=request.user,
        leaver=leaver,
        owned_count=len(owned),
        today=today,
        initial=initial,
    )
    if request.method == "POST" and done is not None:
        messages.info(
            request, _("%(leaver)s is already offboarded; nothing changed.") % {"leaver": leaver}
        )
        return redirect("governance-offboarding", pk=done.pk)
    if request.method == "POST":

        def offboarded(result: dict) -> str:
            if result["state"] == Offboarding.State.SCHEDULED:
                when = timezone.localtime(result["scheduled_for"])
                return _(
                    "Scheduled: %(leaver)s keeps working until the end of %(day)s (%(tz)s); "
                    "their access ends then (%(when)s your time)."
                ) % {
                    "leaver": leaver, "day": date_format(form.cleaned_data["ended_on"], "d M Y"),
                    "tz": leaver.timezone, "when": date_format(when, "d M Y H:i"),
                }  # fmt: skip
            words = {
                "leaver": leaver, "grants": result["revoked_grants"],
                "rotations": result["rotations_created"],
                "channels": result["channels_reassigned"],
                "successor": form.cleaned_data["successor"],
            }  # fmt: skip
            if result["channels_reassigned"]:
                return (
                    _(
                        "Offboarded %(leaver)s: %(grants)s grant(s) revoked, %(rotations)s "
                        "credential rotation(s) required, %(channels)s channel(s) handed to "
                        "%(successor)s."
                    )
                    % words
                )
            return (
                _(
                    "Offboarded %(leaver)s: %(grants)s grant(s) revoked, %(rotations)s "
                    "credential rotation(s) required."
                )
                % words
            )

        result = guarded_form_action(
            request, form,
            lambda values: services.member_offboard(member=leaver, actor=actor, **values),
            done=offboarded,
        )  # fmt: skip
        if result is not None:
            if result["state"] == Offboarding.State.SCHEDULED:
                return redirect("governance-member-offboard", pk=leaver.pk)
            return redirect("governance-offboarding", pk=Offboarding.objects.get(member=leaver).pk)
    check = coverage_check(grants=open_grants) if done is None else CoverageCheck()
    if check.gaps and not getattr(form, "gaps", None):
        form.ask_to_accept([{"id": c.pk, "label": c.label} for c in check.gaps])
    return render(
        request,
        "governance/member_offboard.html",
        {
            "actor": actor,
            "leaver": leaver,
            "offboarding": done,
            "scheduled": scheduled,
            "open_grants": open_grants,
            "shared": [g for g in open_grants if g.shared_credential],
            "owned": owned,
            "form": form,
            **_coverage_words(check),
        },
    )


LAYERS = list(ChecklistItem.Layer)


@admin_required
def offboarding_detail(request, actor: Member, pk: int):
    offboarding = get_object_or_404(
        offboardings_with_progress(
            Offboarding.objects.select_related("member", "successor", "started_by")
        ),
        pk=pk,
    )
    items = list(
        offboarding.items.select_related("channel", "confirmed_by", "made_by", "member").order_by(
            "channel__platform", "channel__handle", "channel_id", "layer"
        )
    )
    by_channel: dict[int, dict] = {}
    for item in items:
        row = by_channel.setdefault(item.channel_id, {"channel": item.channel, "cells": {}})
        row["cells"][item.layer] = item
    # Each cell: the layer, its item (or None) and whether this admin may confirm it.
    checklist = [
        {"channel": row["channel"],
         "cells": [(layer, item, item is not None and _may_confirm(actor, item.member_id,
                                                                  item.made_by_id))
                   for layer in LAYERS for item in [row["cells"].get(layer)]]}
        for row in by_channel.values()
    ]  # fmt: skip
    shared_channels = [
        i.channel_id for i in items if i.layer == ChecklistItem.Layer.SHARED_CREDENTIAL
    ]
    since = offboarding.ran_at or offboarding.created_at
    rotations = [
        (rotation, _may_confirm(actor, rotation.member_id, rotation.opened_by_id))
        for rotation in CredentialRotation.objects.filter(channel_id__in=shared_channels)
        .filter(Q(rotated_at__isnull=True) | Q(required_since__gte=since))
        .select_related("channel", "rotated_by", "member")
        .order_by("required_since", "pk")
    ]
    progress = progress_of(offboarding)
    return render(
        request,
        "governance/offboarding.html",
        {
            "actor": actor,
            "offboarding": offboarding,
            "layers": LAYERS,
            "checklist": checklist,
            "rotations": rotations,
            "rotations_done": sum(r.rotated_at is not None for r, _ in rotations),
            "confirmed": progress.confirmed,
            "total": progress.total,
            "complete": progress.complete,
        },
    )


def _may_confirm(actor: Member, member_id: int | None, made_by_id: int | None) -> bool:
    """The follow-up rule on a page: neither the person whose access it is nor the admin who
    made the change confirms (services.checklist_confirm / rotation_confirm decide)."""
    return actor.pk not in (member_id, made_by_id)


@admin_required
@require_POST
def checklist_confirm(request, actor: Member, pk: int):
    item = get_object_or_404(ChecklistItem.objects.select_related("channel"), pk=pk)
    button_action(
        request, lambda: services.checklist_confirm(item=item, actor=actor),
        done=lambda i: _("Confirmed: %(layer)s on %(channel)s.")
        % {"layer": i.get_layer_display(), "channel": i.channel},
        refused=_("Not confirmed"),
    )  # fmt: skip
    default = (
        reverse("governance-offboarding", args=[item.offboarding_id])
        if item.offboarding_id
        else reverse("governance")
    )
    return redirect(_next_url(request, default))


@admin_required
@require_POST
def rotation_confirm(request, actor: Member, pk: int):
    rotation = get_object_or_404(CredentialRotation.objects.select_related("channel"), pk=pk)
    button_action(
        request, lambda: services.rotation_confirm(rotation=rotation, actor=actor),
        done=lambda r: _("Confirmed: the shared credential of %(channel)s is rotated.")
        % {"channel": r.channel},
        refused=_("Not confirmed"),
    )  # fmt: skip
    return redirect(_next_url(request, reverse("governance")))


@admin_required
@require_POST
def offboarding_cancel(request, actor: Member, pk: int):
    leaver = get_object_or_404(Member.objects.for_user(request.user), pk=pk)
    button_action(
        request, lambda: services.offboarding_cancel(member=leaver, actor=actor),
        done=lambda o: _("Cancelled %(leaver)s's offboarding: they stay, with their access.")
        % {"leaver": leaver},
        refused=_("Not cancelled"),
    )  # fmt: skip
    return redirect("governance-member-offboard", pk=leaver.pk)
