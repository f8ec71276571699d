"""Task logs: one entry of a member's work, in the member's local date and time."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from teams.models import Channel, Member, MemberOwnedQuerySet


class Category(models.TextChoices):
    PUBLISHING = "publishing", "Publishing and scheduling"
    CONTENT_CREATION = "content_creation", "Content creation"
    COMMUNITY_MANAGEMENT = "community_management", "Community management"
    CRISIS_RESPONSE = "crisis_response", "Crisis response"
    ANALYTICS_REPORTING = "analytics_reporting", "Analytics and reporting"
    TRAINING_EDUCATION = "training_education", "Training and education"
    GOVERNANCE_SECURITY = "governance_security", "Governance and security"
    TOOLS_ADMIN = "tools_admin", "Tools and admin"
    LEARNING = "learning", "Learning and platform changes"
    MEETINGS_APPROVALS = "meetings_approvals", "Meetings and approvals"


MINUTES_PER_DAY = 24 * 60


class TaskLog(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="task_logs")
    # The member's local date and wall-clock start time, stored as given (scoring.md).
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MemberOwnedQuerySet.as_manager()

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
