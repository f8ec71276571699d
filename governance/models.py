"""Access grants: who can act on which brand channel, and the proof of every change.

The status of a grant is derived on read (governance.md): `expired` the moment `expires_at`
passes, whether or not a job ran.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone

from teams.models import Channel, Member

SYSTEM_REVOKE_REASONS = ("expired", "review_overdue")


class GrantQuerySet(models.QuerySet):
    def for_user(self, user) -> GrantQuerySet:
        from teams.selectors import roles_for

        roles = roles_for(user)
        if roles.is_admin:
            return self.all()
        q = Q(channel__team_id__in=roles.led_team_ids)
        if roles.member is not None:
            q |= Q(member_id=roles.member.pk)
        elif not roles.led_team_ids:
            return self.none()
        return self.filter(q)

    def effective_at(self, moment: dt.datetime) -> GrantQuerySet:
        """Grants that let their holder act at `moment`: approved, not revoked, not expired."""
        return self.filter(
            Q(approved_at__isnull=False, approved_at__lte=moment, granted_at__lte=moment)
            & (Q(revoked_at__isnull=True) | Q(revoked_at__gt=moment))
            & (Q(expires_at__isnull=True) | Q(expires_at__gt=moment))
        )


class AccessGrant(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        PUBLISHER = "publisher", "Publisher"
        MODERATOR = "moderator", "Moderator"
        ANALYST = "analyst", "Analyst"

    # Roles that can act on a channel (an "actor", product.md) and roles needing a second admin.
    ACTOR_ROLES = (Role.OWNER, Role.ADMIN, Role.PUBLISHER, Role.MODERATOR)
    APPROVAL_ROLES = (Role.OWNER, Role.ADMIN)

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="grants")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="grants")
    role = models.CharField(max_length=16, choices=Role.choices)
    shared_credential = models.BooleanField(default=False)
    # socialops stores no secrets: at most where the secret lives ("1Password: Brand IG").
    vault_reference = models.CharField(max_length=200, blank=True)
    justification = models.TextField(max_length=1000)
    granted_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="grants_given"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="grants_approved"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="grants_revoked"
    )
    revoke_reason = models.CharField(max_length=200, blank=True)

    objects = GrantQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at", "-pk"]
        indexes = [models.Index(fields=["channel", "revoked_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "channel"],
                condition=Q(revoked_at__isnull=True),
                name="grant_one_open_per_member_channel",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("granted_at")),
                name="grant_expiry_after_grant",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True)
                | Q(revoked_by__isnull=False)
                | Q(revoke_reason__in=SYSTEM_REVOKE_REASONS),
                name="grant_revoked_by_someone_or_the_system",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=False) | Q(revoked_by__isnull=True),
                name="grant_revoked_by_only_when_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.role} on {self.channel}"

    def status_at(self, moment: dt.datetime | None = None) -> str:
        moment = moment or timezone.now()
        if self.revoked_at is not None and self.revoked_at <= moment:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= moment:
            return "expired"
        if self.approved_at is None:
            return "pending"
        return "active"

    @property
    def status(self) -> str:
        return self.status_at()
