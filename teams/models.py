"""Teams, members, channels, leave and on-call shifts.

Every queryset of team-owned data goes through one `for_user(user)` door per model
(the visibility rules of docs/api.md); out of scope means 404.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@functools.cache
def timezone_names() -> frozenset[str]:
    """The IANA names this machine knows (reading them costs ~20 ms, so once)."""
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in timezone_names():
        raise ValidationError(
            _("“%(value)s” is not an IANA time zone name (e.g. Europe/London).") % {"value": value}
        )


def validate_weekdays(value) -> None:
    if (
        not isinstance(value, list)
        or not 1 <= len(value) <= 7
        or any(not isinstance(d, int) or isinstance(d, bool) or not 0 <= d <= 6 for d in value)
        or len(set(value)) != len(value)
    ):
        raise ValidationError(
            _("Give 1 to 7 distinct weekdays as numbers, 0 = Monday … 6 = Sunday.")
        )


def default_workdays() -> list[int]:
    return [0, 1, 2, 3, 4]


class TeamQuerySet(models.QuerySet):
    def for_user(self, user) -> TeamQuerySet:
        roles = roles_for(user)
        if roles.is_admin:
            return self.all()
        return self.filter(pk__in=roles.led_team_ids)


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    staffed_window_start = models.TimeField(default=dt.time(9, 0))
    staffed_window_end = models.TimeField(default=dt.time(17, 0))
    staffed_weekdays = models.JSONField(default=default_workdays, validators=[validate_weekdays])
    fte_hours = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("40"))
    shrinkage = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.15"))
    pulse_min_group = models.PositiveSmallIntegerField(default=5)
    # How many days back members may log or edit their work, so that scores stop moving
    # under people's feet (docs/api.md: the edit window).
    log_window_days = models.PositiveSmallIntegerField(
        default=35,
        help_text=gettext_lazy("How many days back members may log or change their work."),
    )
    leaders = models.ManyToManyField("teams.Member", related_name="led_teams", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(staffed_window_end__gt=models.F("staffed_window_start")),
                name="team_staffed_window_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(fte_hours__gt=0) & Q(fte_hours__lte=168), name="team_fte_hours_range"
            ),
            models.CheckConstraint(
                condition=Q(shrinkage__gte=0) & Q(shrinkage__lt=1), name="team_shrinkage_range"
            ),
            models.CheckConstraint(
                condition=Q(pulse_min_group__gte=5), name="team_pulse_min_group_at_least_5"
            ),
            models.CheckConstraint(
                condition=Q(log_window_days__gte=1) & Q(log_window_days__lte=366),
                name="team_log_window_days_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def staffed_hours_per_week(self) -> float:
        start = dt.datetime.combine(dt.date.min, self.staffed_window_start)
        end = dt.datetime.combine(dt.date.min, self.staffed_window_end)
        return round((end - start).total_seconds() / 3600 * len(self.staffed_weekdays or []), 2)


def counted_members_q(as_of: dt.date, prefix: str = "") -> Q:
    """Members counted for staffing on as_of: employed that day and not on long absence
    (status on leave or departed). `prefix` reaches them through a relation ("member__")."""
    p = prefix
    return (
        Q(**{f"{p}started_on__lte": as_of})
        & (Q(**{f"{p}ended_on__isnull": True}) | Q(**{f"{p}ended_on__gte": as_of}))
        & ~Q(**{f"{p}status__in": ["on_leave", "departed"]})
    )


class MemberQuerySet(models.QuerySet):
    def for_user(self, user) -> MemberQuerySet:
        roles = roles_for(user)
        if roles.is_admin:
            return self.all()
        q = Q(team_id__in=roles.led_team_ids)
        if roles.member is not None:
            q |= Q(pk=roles.member.pk)
        return self.filter(q) if roles.member is not None or roles.led_team_ids else self.none()

    def counted_on(self, as_of: dt.date) -> MemberQuerySet:
        return self.filter(counted_members_q(as_of))

    def employed_on(self, day: dt.date) -> MemberQuerySet:
        return self.filter(started_on__lte=day).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=day)
        )


class Member(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", gettext_lazy("Active")
        ON_LEAVE = "on_leave", gettext_lazy("On leave")
        DEPARTED = "departed", gettext_lazy("Departed")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member"
    )
    full_name = models.CharField(max_length=150)
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="members", null=True, blank=True
    )
    # A person may hold several roles at once.
    role_member = models.BooleanField(gettext_lazy("member role"), default=True)
    role_leader = models.BooleanField(gettext_lazy("leader role"), default=False)
    role_admin = models.BooleanField(gettext_lazy("admin role"), default=False)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    workday_start = models.TimeField(default=dt.time(9, 0))
    workday_end = models.TimeField(default=dt.time(17, 30))
    workdays = models.JSONField(default=default_workdays, validators=[validate_weekdays])
    weekly_hours = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("37.5"))
    leave_entitlement_days = models.DecimalField(
        max_digits=5, decimal_places=1, default=Decimal("25")
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    started_on = models.DateField(default=dt.date.today)
    ended_on = models.DateField(null=True, blank=True)
    share_pulse_with_leader = models.BooleanField(default=False)
    # The person's language for pages and API messages; blank: their browser's
    # (Accept-Language), then English.
    language = models.CharField(
        max_length=8, blank=True, choices=[("en", "English"), ("it", "Italiano"),
                                           ("id", "Bahasa Indonesia")],
    )  # fmt: skip

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(workday_end__gt=models.F("workday_start")),
                name="member_workday_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(weekly_hours__gt=0) & Q(weekly_hours__lte=168),
                name="member_weekly_hours_range",
            ),
            models.CheckConstraint(
                condition=Q(leave_entitlement_days__gte=0),
                name="member_leave_entitlement_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="member_ended_on_after_started_on",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.user.get_username()

    @property
    def roles(self) -> list[str]:
        return [
            name
            for name, held in (
                ("member", self.role_member),
                ("leader", self.role_leader),
                ("admin", self.role_admin),
            )
            if held
        ]

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def today(self, now: dt.datetime | None = None) -> dt.date:
        """The member's local date now."""
        return (now or timezone.now()).astimezone(self.tz).date()

    def employed_on(self, day: dt.date) -> bool:
        return self.started_on <= day and (self.ended_on is None or day <= self.ended_on)


class ChannelQuerySet(models.QuerySet):
    def for_user(self, user) -> ChannelQuerySet:
        roles = roles_for(user)
        if roles.is_admin:
            return self.all()
        team_ids = set(roles.led_team_ids)
        if roles.member is not None and roles.member.team_id is not None:
            team_ids.add(roles.member.team_id)
        return self.filter(team_id__in=team_ids)


HANDLE_TAKEN = gettext_lazy(
    "Another channel on this platform already has this handle; handles are compared "
    "ignoring case (@HalcyonHelp and @halcyonhelp are one account)."
)


class Channel(models.Model):
    """A social account. It is named by its `label`, platform and handle ("X @HalcyonHelp"),
    unique per channel; `name` is a display name that may repeat across platforms."""

    class Platform(models.TextChoices):
        FACEBOOK = "facebook", "Facebook"
        INSTAGRAM = "instagram", "Instagram"
        X = "x", "X"
        LINKEDIN = "linkedin", "LinkedIn"
        TIKTOK = "tiktok", "TikTok"
        YOUTUBE = "youtube", "YouTube"
        THREADS = "threads", "Threads"
        PINTEREST = "pinterest", "Pinterest"
        OTHER = "other", gettext_lazy("Other")

    platform = models.CharField(max_length=16, choices=Platform.choices)
    handle = models.CharField(max_length=120)
    name = models.CharField(max_length=150)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="channels")
    always_on = models.BooleanField(default=False)
    response_sla_minutes = models.PositiveIntegerField(null=True, blank=True)
    # The share of messages answered within the reply target. 1 (every single one) is a
    # promise no number of people can keep (Erlang C never reaches it): at most 0.999.
    service_level_target = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.8"),
        validators=[
            MinValueValidator(Decimal("0.001")),
            MaxValueValidator(
                Decimal("0.999"),
                gettext_lazy(
                    "At most 0.999: no number of people answers every single message in time."
                ),
            ),
        ],
    )
    expected_weekly_messages = models.PositiveIntegerField(default=0)
    min_backup = models.PositiveSmallIntegerField(default=2)
    uses_shared_credential = models.BooleanField(default=False)
    owner = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="owned_channels"
    )

    objects = ChannelQuerySet.as_manager()

    class Meta:
        ordering = ["team_id", "platform", "handle"]
        constraints = [
            # Platforms treat @HalcyonHelp and @halcyonhelp as one account.
            models.UniqueConstraint(
                Lower("handle"),
                "platform",
                name="channel_unique_handle_ci",
                violation_error_code="unique",
                violation_error_message=HANDLE_TAKEN,
            ),
            models.CheckConstraint(
                condition=Q(response_sla_minutes__isnull=True) | Q(response_sla_minutes__gt=0),
                name="channel_sla_positive",
            ),
            models.CheckConstraint(
                condition=Q(service_level_target__gt=0) & Q(service_level_target__lte=1),
                name="channel_service_level_range",
            ),
            models.CheckConstraint(
                condition=Q(expected_weekly_messages__gte=0),
                name="channel_expected_messages_non_negative",
            ),
            models.CheckConstraint(condition=Q(min_backup__gte=0), name="channel_min_backup"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """How the channel is named wherever it is shown: platform and handle."""
        return f"{self.get_platform_display()} {self.handle}"

    def validate_constraints(self, exclude=None) -> None:
        """As Django's, with a taken handle reported on `handle` (an expression constraint's
        error is otherwise not tied to a field), so every form shows it beside the field."""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as exc:
            errors = exc.error_dict
            general = errors.pop(NON_FIELD_ERRORS, [])
            taken = [e for e in general if e.message == HANDLE_TAKEN]
            if taken:
                errors.setdefault("handle", []).extend(taken)
            if rest := [e for e in general if e.message != HANDLE_TAKEN]:
                errors[NON_FIELD_ERRORS] = rest
            raise ValidationError(errors) from None


class MemberOwnedQuerySet(models.QuerySet):
    """Records that belong to one member: the member sees their own, leaders their teams'."""

    def for_user(self, user):
        roles = roles_for(user)
        visible = Q(team_id__in=roles.led_team_ids)
        if roles.member is not None:
            visible |= Q(pk=roles.member.pk)
        elif not roles.led_team_ids:
            return self.none()
        # An IN over member ids, not an OR across the join: the (member, date) indexes serve
        # it (docs/performance.md: 1.1 s → 0.09 s for a leader's first page of 3 M logs).
        return self.filter(member_id__in=Member.objects.filter(visible).values("pk"))


class Leave(models.Model):
    class Kind(models.TextChoices):
        VACATION = "vacation", gettext_lazy("Vacation")
        SICK = "sick", gettext_lazy("Sick")
        OTHER = "other", gettext_lazy("Other")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="leave")
    start_date = models.DateField()
    end_date = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.VACATION)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MemberOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date"]
        verbose_name_plural = gettext_lazy("leave")
        indexes = [models.Index(fields=["member", "start_date", "end_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="leave_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.kind} {self.start_date}–{self.end_date}"


class OnCallShift(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="on_call_shifts")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    channel = models.ForeignKey(
        Channel, on_delete=models.SET_NULL, null=True, blank=True, related_name="on_call_shifts"
    )
    # The member's local dates the shift touches, fixed when it is written (docs/scoring.md:
    # on-call shifts are instants; everything else is local wall-clock time).
    first_local_date = models.DateField(editable=False)
    last_local_date = models.DateField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MemberOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["member", "first_local_date", "last_local_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="on_call_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(last_local_date__gte=models.F("first_local_date")),
                name="on_call_local_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} on call {self.starts_at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """An API token (docs/api.md "Authentication"): a new one per sign-in, expiring after
    TOKEN_TTL, revocable, listed for its owner. Only the SHA-256 of the key is stored; the
    key itself is shown once, in the sign-in response. Written only by teams.tokens."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)  # the key's first characters, for display
    name = models.CharField(max_length=150, blank=True)  # the client's User-Agent
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="teams_apitoken_user_open")]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="teams_apitoken_expires_after_created",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    def is_active_at(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


@dataclass(frozen=True)
class Roles:
    """What a signed-in person is: their member record (if any) and the roles they hold."""

    member: Member | None = None
    led_team_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_member(self) -> bool:
        return self.member is not None and self.member.role_member

    @property
    def is_leader(self) -> bool:
        return self.member is not None and self.member.role_leader

    @property
    def is_admin(self) -> bool:
        return self.member is not None and self.member.role_admin

    @property
    def names(self) -> list[str]:
        return self.member.roles if self.member is not None else []


_NO_ROLES = Roles()


def roles_for(user) -> Roles:
    """The caller's roles, read once per request (two queries) and cached on the user."""
    if user is None or not user.is_authenticated or not user.is_active:
        return _NO_ROLES
    cached = getattr(user, "_socialops_roles", None)
    if cached is not None:
        return cached
    member = Member.objects.select_related("team").filter(user=user).first()
    if member is None or member.status == Member.Status.DEPARTED:
        roles = _NO_ROLES
    else:
        led = (
            frozenset(member.led_teams.values_list("pk", flat=True))
            if member.role_leader
            else (frozenset())
        )
        roles = Roles(member=member, led_team_ids=led)
    user._socialops_roles = roles
    return roles
