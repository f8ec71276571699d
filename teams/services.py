"""Writes of teams data. Views, serializers, admin and commands all call these."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from socialops.audit.services import Entry, audit_append_many
from socialops.common.exceptions import Conflict, DomainError
from teams.models import HANDLE_TAKEN, Channel, Leave, Member, OnCallShift, Team

MAX_LEAVE_DAYS = 366
MAX_SHIFT = dt.timedelta(days=14)

MEMBER_FIELDS = {
    "full_name", "team", "role_member", "role_leader", "role_admin", "timezone",
    "workday_start", "workday_end", "workdays", "weekly_hours", "leave_entitlement_days",
    "status", "started_on", "ended_on",
}  # fmt: skip
TEAM_FIELDS = {
    "name", "timezone", "staffed_window_start", "staffed_window_end", "staffed_weekdays",
    "fte_hours", "shrinkage", "pulse_min_group", "log_window_days",
}  # fmt: skip
CHANNEL_FIELDS = {
    "platform", "handle", "name", "team", "always_on", "response_sla_minutes",
    "service_level_target", "expected_weekly_messages", "min_backup",
    "uses_shared_credential", "owner",
}  # fmt: skip
# A database rule a concurrent write can break after full_clean passed: the field it names.
CONSTRAINT_ERRORS = {"channel_unique_handle_ci": {"handle": HANDLE_TAKEN}}


def _refuse_unknown(fields: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise DomainError(dict.fromkeys(sorted(unknown), _("This field cannot be set here.")))


def _apply(instance, fields: dict[str, Any], allowed: set[str]) -> list[str]:
    _refuse_unknown(fields, allowed)
    for name, value in fields.items():
        setattr(instance, name, value)
    return list(fields)


def _check_no_departure(member: Member, fields: dict[str, Any]) -> None:
    """A member departs only through offboarding (governance.services, which closes their
    grants, sign-in, tokens and sessions and audits it): changing a member's status to
    departed elsewhere (the API, the Django admin, a form) is refused with a pointer to
    offboarding. A record created as departed (a past leaver, the demo's) holds nothing to
    close; its sign-in is made inactive (`_deactivate_if_departed`)."""
    if fields.get("status") == Member.Status.DEPARTED and member.status != Member.Status.DEPARTED:
        raise DomainError(
            {
                "status": _(
                    "A member departs only through offboarding "
                    "(POST /api/v1/members/{id}/offboard/, or Offboard on the governance page)."
                )
            }
        )


def _deactivate_if_departed(member: Member) -> None:
    if member.status == Member.Status.DEPARTED and member.user.is_active:
        member.user.is_active = False
        member.user.save(update_fields=["is_active"])


def _save(instance, *, update_fields: list[str] | None = None) -> None:
    """Validate every field and database rule, then save; a duplicate is a 409 (a channel's
    handle on its platform ignoring case, too: `Channel.validate_constraints` reports it on
    `handle`, and a concurrent write that slips past it on the same field)."""
    try:
        instance.full_clean()
    except ValidationError as exc:
        codes = {e.code for errors in exc.error_dict.values() for e in errors}
        if codes <= {"unique", "unique_together"}:
            raise Conflict(
                {k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()}
            ) from exc
        raise
    try:
        with transaction.atomic():
            instance.save(update_fields=update_fields)
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
        if constraint in CONSTRAINT_ERRORS:
            errors = {name: str(message) for name, message in CONSTRAINT_ERRORS[constraint].items()}
            raise Conflict(errors) from exc
        raise Conflict(_("This conflicts with an existing record.")) from exc


def _who(actor: Any) -> Any:
    """The user an audit event names: a member's sign-in, a user as given, or None (the
    system: a command, the demo seed)."""
    return getattr(actor, "user", actor)


def _audit(actor: Any, action: str, obj: Any, data: dict[str, Any]) -> None:
    audit_append_many(actor=_who(actor), entries=[Entry.about(action, obj, data)])


def _plain(value: Any) -> Any:
    """A field's value as the audit records it: related rows by id, decimals and times as
    text, lists as lists."""
    if hasattr(value, "_meta"):
        return value.pk
    if isinstance(value, Decimal | dt.date | dt.time):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _changes(
    instance, fields: dict[str, Any], allowed: set[str]
) -> tuple[dict[str, Any], list[str]]:
    """Apply `fields` (refusing any not `allowed`); return {field: [before, after]} of what
    really changed, and every field set (for update_fields)."""
    _refuse_unknown(fields, allowed)
    before = {name: _plain(getattr(instance, name)) for name in fields}
    names = _apply(instance, fields, allowed)
    changed = {
        name: [before[name], _plain(getattr(instance, name))]
        for name in names
        if before[name] != _plain(getattr(instance, name))
    }
    return changed, names


@transaction.atomic
def team_create(*, leaders: list[Member] | None = None, actor: Any = None, **fields) -> Team:
    """A team; audited (`team.created` with its settings), as every change of the settings that
    govern what leaders see (the pulse's minimum group) and how figures are computed."""
    team = Team()
    _apply(team, fields, TEAM_FIELDS)
    _save(team)
    settings_now = {name: _plain(getattr(team, name)) for name in sorted(TEAM_FIELDS)}
    _audit(actor, "team.created", team, {"settings": settings_now})
    if leaders is not None:
        team_set_leaders(team=team, leaders=leaders, actor=actor)
    return team


@transaction.atomic
def team_update(
    *, team: Team, leaders: list[Member] | None = None, actor: Any = None, **fields
) -> Team:
    changed, names = _changes(team, fields, TEAM_FIELDS)
    if names:
        _save(team, update_fields=names)
    if changed:
        _audit(actor, "team.updated", team, {"changed": changed})
    if leaders is not None:
        team_set_leaders(team=team, leaders=leaders, actor=actor)
    return team


@transaction.atomic
def team_set_leaders(*, team: Team, leaders: list[Member], actor: Any = None) -> None:
    """Who leads the team, i.e. who sees its members' figures: audited when it changes
    (`team.leaders_changed`, member ids before and after)."""
    not_leaders = [m for m in leaders if not m.role_leader]
    if not_leaders:
        raise DomainError(
            {
                "leader_ids": _("%(names)s do not hold the leader role.")
                % {"names": ", ".join(map(str, not_leaders))}
            }
        )
    before = sorted(team.leaders.values_list("pk", flat=True)) if team.pk else []
    team.leaders.set(leaders)
    after = sorted({m.pk for m in leaders})
    if before != after:
        _audit(actor, "team.leaders_changed", team, {"from": before, "to": after})


@transaction.atomic
def member_create(
    *,
    username: str = "",
    password: str | None = None,
    email: str = "",
    user: Any = None,
    actor: Any = None,
    **fields: Any,
) -> Member:
    """A member with a new sign-in (`username`, optional `password`), or for an existing
    `user` without a member record (the admin's add form). Roles given are audited."""
    if user is not None:
        if Member.objects.filter(user=user).exists():
            raise Conflict({"user": _("This person already has a member record.")})
        member = Member(user=user)
        _apply(member, fields, MEMBER_FIELDS)
        _save(member)
        _deactivate_if_departed(member)
        _audit_role_and_team_changes(member, {"roles": [], "team": None}, actor)
        return member
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict({"username": _("A person with this username already exists.")})
    user = User(username=username, email=email)
    if password:
        try:
            validate_password(password, user)
        except Exception as exc:
            raise DomainError({"password": list(getattr(exc, "messages", [str(exc)]))}) from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    member = Member(user=user)
    _apply(member, fields, MEMBER_FIELDS)
    _save(member)
    _deactivate_if_departed(member)
    return member


@transaction.atomic
def member_update(
    *, member: Member, email: str | None = None, actor: Any = None, **fields
) -> Member:
    before = {"roles": member.roles, "team": member.team_id}
    _check_no_departure(member, fields)
    changed = _apply(member, fields, MEMBER_FIELDS)
    if changed:
        _save(member, update_fields=changed)
    _audit_role_and_team_changes(member, before, actor)
    if email is not None and email != member.user.email:
        member.user.email = email
        member.user.full_clean(exclude=["password"])
        member.user.save(update_fields=["email"])
    return member


def _audit_role_and_team_changes(member: Member, before: dict, actor: Any) -> None:
    entries = []
    if member.roles != before["roles"]:
        entries.append(Entry("member.roles_changed", "member", member.pk,
                             {"from": before["roles"], "to": member.roles}))  # fmt: skip
    if member.team_id != before["team"]:
        entries.append(Entry("member.team_changed", "member", member.pk,
                             {"from": before["team"], "to": member.team_id}))  # fmt: skip
    audit_append_many(actor=_who(actor), entries=entries)


@transaction.atomic
def member_set_share_pulse(*, member: Member, share: bool) -> Member:
    member.share_pulse_with_leader = share
    member.save(update_fields=["share_pulse_with_leader"])
    return member


def member_set_language(*, member: Member, language: str) -> Member:
    """The person's own language for pages and API messages ("" follows the browser)."""
    if language not in ("", *(code for code, _name in settings.LANGUAGES)):
        raise DomainError({"language": _("Choose en, it, id, or blank for the browser's.")})
    member.language = language
    member.save(update_fields=["language"])
    return member


@transaction.atomic
def channel_create(*, actor: Any = None, **fields) -> Channel:
    """A brand channel; audited (`channel.created`), as every later change (`channel.updated`,
    before and after): its owner, backup rule and shared credential decide who revocation and
    offboarding must reach."""
    channel = Channel()
    _apply(channel, fields, CHANNEL_FIELDS)
    _check_channel_owner(channel)
    _save(channel)
    # Its label (platform and handle) names it in the audit; the display name, which channels
    # may share, is left out (channels are always named by their label).
    settings_now = {n: _plain(getattr(channel, n)) for n in sorted(CHANNEL_FIELDS - {"name"})}
    _audit(actor, "channel.created", channel, {"settings": settings_now})
    return channel


@transaction.atomic
def channel_update(*, channel: Channel, actor: Any = None, **fields) -> Channel:
    changed, names = _changes(channel, fields, CHANNEL_FIELDS)
    _check_channel_owner(channel)
    if names:
        _save(channel, update_fields=names)
    if changed:
        _audit(actor, "channel.updated", channel, {"changed": changed})
    return channel


def _check_channel_owner(channel: Channel) -> None:
    if channel.owner is not None and channel.owner.status == Member.Status.DEPARTED:
        raise DomainError({"owner": _("A departed member cannot own a channel.")})


def _check_employed(member: Member, day: dt.date, field: str) -> None:
    if not member.employed_on(day):
        raise DomainError(
            {field: _("%(day)s is outside your employment.") % {"day": f"{day:%Y-%m-%d}"}}
        )


@transaction.atomic
def leave_create(*, member: Member, start_date: dt.date, end_date: dt.date, kind: str) -> Leave:
    if end_date < start_date:
        raise DomainError({"end_date": _("Leave cannot end before it starts.")})
    if (end_date - start_date).days + 1 > MAX_LEAVE_DAYS:
        raise DomainError(
            {"end_date": _("Record at most %(n)s days at a time.") % {"n": MAX_LEAVE_DAYS}}
        )
    if kind not in Leave.Kind.values:
        raise DomainError(
            {"kind": _("Choose one of %(kinds)s.") % {"kinds": ", ".join(Leave.Kind.values)}}
        )
    _check_employed(member, start_date, "start_date")
    _check_employed(member, end_date, "end_date")
    Member.objects.select_for_update().filter(pk=member.pk).first()  # serialise per member
    overlapping = Leave.objects.filter(
        member=member, start_date__lte=end_date, end_date__gte=start_date
    ).first()
    if overlapping is not None:
        raise Conflict(
            {
                "start_date": _("This overlaps leave already recorded (%(start)s to %(end)s).")
                % {
                    "start": f"{overlapping.start_date:%Y-%m-%d}",
                    "end": f"{overlapping.end_date:%Y-%m-%d}",
                }
            }
        )
    leave = Leave(member=member, start_date=start_date, end_date=end_date, kind=kind)
    _save(leave)
    return leave


@transaction.atomic
def leave_delete(*, leave: Leave) -> None:
    leave.delete()


def on_call_local_dates(member: Member, starts_at: dt.datetime, ends_at: dt.datetime):
    tz = member.tz
    # The end instant is exclusive: a shift ending at local midnight does not touch the next day.
    return (
        starts_at.astimezone(tz).date(),
        (ends_at - dt.timedelta(microseconds=1)).astimezone(tz).date(),
    )


@transaction.atomic
def on_call_create(
    *,
    member: Member,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    channel: Channel | None = None,
) -> OnCallShift:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise DomainError({"starts_at": _("Give the time with its UTC offset.")})
    if ends_at <= starts_at:
        raise DomainError({"ends_at": _("The shift must end after it starts.")})
    if ends_at - starts_at > MAX_SHIFT:
        raise DomainError({"ends_at": _("Record shifts of at most 14 days.")})
    if channel is not None and channel.team_id != member.team_id:
        raise DomainError({"channel": _("Choose one of your team's channels.")})
    first, last = on_call_local_dates(member, starts_at, ends_at)
    _check_employed(member, first, "starts_at")
    _check_employed(member, last, "ends_at")
    shift = OnCallShift(
        member=member,
        starts_at=starts_at,
        ends_at=ends_at,
        channel=channel,
        first_local_date=first,
        last_local_date=last,
    )
    _save(shift)
    return shift


@transaction.atomic
def on_call_delete(*, shift: OnCallShift) -> None:
    shift.delete()
