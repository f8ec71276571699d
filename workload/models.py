"""Task logs: one entry of a member's work, in the member's local date and time."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, TypedDict, cast

from django.conf import settings
from django.db import models
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Cast, ExtractHour, ExtractMinute, Greatest, Least
from django.utils.translation import gettext_lazy as _

from teams.models import Channel, Member, MemberOwnedQuerySet, roles_for
from workload.hours import MINUTES_PER_DAY


class Category(models.TextChoices):
    PUBLISHING = "publishing", _("Publishing and scheduling")
    CONTENT_CREATION = "content_creation", _("Content creation")
    COMMUNITY_MANAGEMENT = "community_management", _("Community management")
    CRISIS_RESPONSE = "crisis_response", _("Crisis response")
    ANALYTICS_REPORTING = "analytics_reporting", _("Analytics and reporting")
    TRAINING_EDUCATION = "training_education", _("Training and education")
    GOVERNANCE_SECURITY = "governance_security", _("Governance and security")
    TOOLS_ADMIN = "tools_admin", _("Tools and admin")
    LEARNING = "learning", _("Learning and platform changes")
    MEETINGS_APPROVALS = "meetings_approvals", _("Meetings and approvals")


def _minute_of_day(name: str) -> CombinedExpression:
    return Cast(ExtractHour(name), IntegerField()) * 60 + Cast(ExtractMinute(name), IntegerField())


def _int(value: int) -> Value:
    return Value(value, output_field=IntegerField())


class Pieces(TypedDict):
    """What `TaskLogQuerySet.with_pieces` adds to each entry, in minutes."""

    piece_start: int
    piece_end: int
    piece_same: int
    piece_spill: int
    piece_inside_same: int
    piece_inside_spill: int


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    # A task log read through with_pieces(): the type checker knows its piece_* fields.
    TaskLogWithPieces = WithAnnotations["TaskLog", Pieces]


class TaskLogQuerySet(MemberOwnedQuerySet):
    def with_pieces(self) -> models.QuerySet[TaskLogWithPieces]:
        """Each entry split at local midnight, in SQL (docs/scoring.md "Local wall-clock
        time"): `piece_same` minutes on its date and `piece_spill` on the next, and how many
        of each lie inside the member's working window (`piece_inside_same`,
        `piece_inside_spill`; a piece without a start time counts as inside). The recompute,
        the trends, My week and the entry response all read after-hours time from these, with
        the rule in workload.hours.after_hours. Wall clock: no time-zone conversion."""
        start = _minute_of_day("started_at")
        end = start + F("minutes")
        ws, we = _minute_of_day("member__workday_start"), _minute_of_day("member__workday_end")
        no_start = Q(started_at__isnull=True)
        day = _int(MINUTES_PER_DAY)
        # The stubs cannot follow annotate() on a subclassed queryset; the fields are Pieces.
        return cast(
            "models.QuerySet[TaskLogWithPieces]",
            self.annotate(
                piece_start=start,
                piece_end=end,
                piece_same=Case(When(no_start, then=F("minutes")), default=Least(end, day) - start),
                piece_spill=Case(
                    When(no_start, then=_int(0)), default=Greatest(end - day, _int(0))
                ),
                piece_inside_same=Case(
                    When(no_start, then=F("minutes")),
                    default=Greatest(Least(Least(end, day), we) - Greatest(start, ws), _int(0)),
                ),
                piece_inside_spill=Case(
                    When(no_start, then=_int(0)),
                    default=Greatest(Least(end - day, we) - ws, _int(0)),
                ),
            ),
        )


class TaskLog(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="task_logs")
    # The member's local date and wall-clock start time, stored as given (docs/scoring.md).
    date = models.DateField()
    started_at = models.TimeField(null=True, blank=True)
    minutes = models.PositiveSmallIntegerField()
    category = models.CharField(max_length=32, choices=Category.choices)
    channel = models.ForeignKey(
        Channel, on_delete=models.SET_NULL, null=True, blank=True, related_name="task_logs"
    )
    messages_handled = models.PositiveIntegerField(default=0)
    # null = not recorded; 0 = recorded none.
    hostile_messages = models.PositiveIntegerField(null=True, blank=True)
    crisis = models.BooleanField(default=False)
    note = models.TextField(max_length=2000, blank=True)
    # The entry this one was copied from (copy-day): a copy already standing on the target
    # day is not copied again; deleting the copy allows copying it anew.
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TaskLogQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "started_at", "pk"]
        indexes = [
            models.Index(fields=["member", "date"]),
            models.Index(fields=["channel", "date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=1) & Q(minutes__lte=MINUTES_PER_DAY),
                name="task_log_minutes_1_to_1440",
            ),
            models.CheckConstraint(
                condition=Q(messages_handled__gte=0), name="task_log_messages_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(hostile_messages__isnull=True) | Q(hostile_messages__gte=0),
                name="task_log_hostile_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="task_log_category_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.date} {self.minutes} min {self.category}"


class Timer(models.Model):
    """A member's running timer ("start now, fill in the details later"): at most one per
    member, kept on the server so that it survives a closed tab and follows them to another
    device. Stopping it turns the elapsed time into task logs; discarding deletes it."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="timer")
    started_at = models.DateTimeField()
    category = models.CharField(max_length=32, choices=Category.choices, blank=True)
    channel = models.ForeignKey(
        Channel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(max_length=2000, blank=True)

    def __str__(self) -> str:
        return f"Timer of {self.member} since {self.started_at:%Y-%m-%d %H:%M}"


PULSE_VALUES = (0, 25, 50, 75, 100)


class PulseResponse(models.Model):
    """A member's answers to the seven CBI work-related items for one week (its Monday).

    Raw answers are seen by the member alone: no leader, admin or operator reads this table
    (it is not in the Django admin; `for_user` is the member's own rows only).
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="pulses")
    week = models.DateField(help_text=_("The Monday of the week the answers describe."))
    a1 = models.PositiveSmallIntegerField(null=True, blank=True)
    a2 = models.PositiveSmallIntegerField(null=True, blank=True)
    a3 = models.PositiveSmallIntegerField(null=True, blank=True)
    a4 = models.PositiveSmallIntegerField(null=True, blank=True)
    a5 = models.PositiveSmallIntegerField(null=True, blank=True)
    a6 = models.PositiveSmallIntegerField(null=True, blank=True)
    a7 = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class PulseQuerySet(models.QuerySet):
        def for_user(self, user):
            member = roles_for(user).member
            return self.filter(member=member) if member is not None else self.none()

    objects = PulseQuerySet.as_manager()

    ANSWER_FIELDS = ("a1", "a2", "a3", "a4", "a5", "a6", "a7")

    class Meta:
        ordering = ["-week"]
        constraints = [
            models.UniqueConstraint(fields=["member", "week"], name="pulse_one_per_member_week"),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__in": PULSE_VALUES}),
                    name=f"pulse_{name}_scale",
                )
                for name in ("a1", "a2", "a3", "a4", "a5", "a6", "a7")
            ],
        ]

    def __str__(self) -> str:
        return f"Pulse of {self.member_id} for the week of {self.week}"

    @property
    def answers(self) -> list[int | None]:
        return [getattr(self, name) for name in self.ANSWER_FIELDS]


class BurnoutScore(models.Model):
    class Status(models.TextChoices):
        OK = "ok", _("OK")
        INSUFFICIENT_DATA = "insufficient_data", _("Insufficient data")

    class Band(models.TextChoices):
        LOW = "low", _("Low")
        MODERATE = "moderate", _("Moderate")
        HIGH = "high", _("High")
        VERY_HIGH = "very_high", _("Very high")

    class Mode(models.TextChoices):
        BLENDED = "blended", _("Blended")
        OBJECTIVE_ONLY = "objective_only", _("Objective only")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="burnout_scores")
    as_of = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices)
    reason = models.CharField(max_length=32, blank=True)
    risk = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    wsi = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    wrb = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    band = models.CharField(max_length=10, choices=Band.choices, blank=True)
    wsi_band = models.CharField(max_length=10, choices=Band.choices, blank=True)
    mode = models.CharField(max_length=16, choices=Mode.choices)
    contributions = models.JSONField(default=dict)
    band_overrides = models.JSONField(default=list)
    coverage = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    # The objective window aggregates behind the score (hours, days in a row, hostile
    # messages…): work data that explains the WSI in words. No pulse answers.
    aggregates = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    objects = MemberOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-as_of", "member_id"]
        indexes = [models.Index(fields=["as_of", "member"])]
        constraints = [
            models.UniqueConstraint(fields=["member", "as_of"], name="score_one_per_member_day"),
            models.CheckConstraint(
                condition=Q(risk__isnull=True) | (Q(risk__gte=0) & Q(risk__lte=100)),
                name="score_risk_range",
            ),
            models.CheckConstraint(
                condition=Q(wsi__isnull=True) | (Q(wsi__gte=0) & Q(wsi__lte=100)),
                name="score_wsi_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Score of {self.member_id} on {self.as_of}"


class StaffingSnapshot(models.Model):
    team = models.ForeignKey(
        "teams.Team", on_delete=models.CASCADE, related_name="staffing_snapshots"
    )
    as_of = models.DateField()
    demand_hours = models.JSONField(default=dict)
    required_fte = models.DecimalField(max_digits=9, decimal_places=4)
    available_fte = models.DecimalField(max_digits=9, decimal_places=4)
    gap_fte = models.DecimalField(max_digits=9, decimal_places=4)
    hidden_overtime_fte = models.DecimalField(max_digits=9, decimal_places=4)
    seat_floor_fte = models.DecimalField(max_digits=9, decimal_places=4)
    rotation_gap = models.PositiveSmallIntegerField(default=0)
    backup_gaps = models.JSONField(default=list)
    unreachable_channels = models.JSONField(default=list)
    details = models.JSONField(default=dict)
    # Explaining the figure (docs/scoring.md Part 3), computed by the same job.
    demand_fte = models.DecimalField(max_digits=9, decimal_places=4, default=0)
    binding = models.CharField(
        max_length=10, choices=[("demand", _("Demand")), ("seat_floor", _("Seat floor"))],
        default="demand",
    )  # fmt: skip
    shrinkage = models.DecimalField(max_digits=5, decimal_places=4, default=0)
    drivers = models.JSONField(default=list)
    what_if = models.JSONField(default=list)
    logged_hours_per_week = models.DecimalField(max_digits=9, decimal_places=4, default=0)
    contracted_hours_per_week = models.DecimalField(max_digits=9, decimal_places=4, default=0)
    delivered_coverage = models.JSONField(default=list)
    measured_absence = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    coverage_ahead = models.JSONField(default=list)
    computed_at = models.DateTimeField()

    class SnapshotQuerySet(models.QuerySet):
        def for_user(self, user):
            return self.filter(team_id__in=roles_for(user).led_team_ids)

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-as_of", "team_id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "as_of"], name="staffing_one_per_team_day"),
        ]

    def __str__(self) -> str:
        return f"Staffing of team {self.team_id} on {self.as_of}"


class RecomputeJob(models.Model):
    """One "recompute now" request: its progress is what the job API reports."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    as_of = models.DateField()
    team_ids = models.JSONField(default=list)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")), name="job_done_le_total"
            )
        ]

    def __str__(self) -> str:
        return f"Recompute {self.as_of} ({self.state})"

    @property
    def progress(self) -> float:
        if self.state == self.State.DONE:
            return 1.0
        return self.done / self.total if self.total else 0.0
