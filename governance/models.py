"""Access grants: who can act on which brand channel, and the proof of every change.

The status of a grant is derived on read (docs/governance.md): `expired` the moment `expires_at`
passes, whether or not a job ran.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from teams.models import Channel, Member, Team, roles_for

# Revocations the system makes, with no person as revoker.
SYSTEM_EXPIRED = "expired"
SYSTEM_REVIEW_OVERDUE = "review_overdue"
SYSTEM_REVOKE_REASONS = (SYSTEM_EXPIRED, SYSTEM_REVIEW_OVERDUE)


GRANT_STATUSES = ("pending", "active", "expired", "revoked")
OPEN_STATUSES = ("pending", "active")


def grant_status_q(status: str, moment: dt.datetime, prefix: str = "") -> Q:
    """The grants whose derived status at `moment` is `status` ("open" = pending or active):
    the one definition of a grant's status, in SQL. `AccessGrant.status_at` is the same rule
    for one loaded row (tests/governance/test_grant_status.py checks they agree)."""

    def q(**lookups: object) -> Q:
        return Q(**{f"{prefix}{name}": value for name, value in lookups.items()})

    closed = q(revoked_at__lte=moment)
    closed_by_expiry = closed & q(revoke_reason=SYSTEM_EXPIRED)
    ran_out = ~closed & q(expires_at__lte=moment)
    open_ = ~closed & (q(expires_at__isnull=True) | q(expires_at__gt=moment))
    conditions = {
        "revoked": closed & ~q(revoke_reason=SYSTEM_EXPIRED),
        "expired": closed_by_expiry | ran_out,
        "pending": open_ & q(approved_at__isnull=True),
        "active": open_ & q(approved_at__isnull=False),
        "open": open_,
    }
    if status not in conditions:
        raise ValueError(f"unknown grant status {status!r}")
    return conditions[status]


class GrantQuerySet(models.QuerySet):
    def for_user(self, user) -> GrantQuerySet:
        roles = roles_for(user)
        if roles.is_admin:
            return self.all()
        # Both sides on this table's own columns, so their indexes serve the OR.
        q = Q(channel_id__in=Channel.objects.filter(team_id__in=roles.led_team_ids).values("pk"))
        if roles.member is not None:
            q |= Q(member_id=roles.member.pk)
        elif not roles.led_team_ids:
            return self.none()
        return self.filter(q)

    def with_status(self, status: str, at: dt.datetime | None = None) -> GrantQuerySet:
        """Grants whose derived status is `status` (pending, active, expired, revoked, or
        open = pending or active) at `at` (default now)."""
        return self.filter(grant_status_q(status, at or timezone.now()))

    def unrevoked(self) -> GrantQuerySet:
        """Grants nobody has closed yet, including any that ran out and wait for the hourly
        job: what the one-open-grant constraint counts, and what revocation closes."""
        return self.filter(revoked_at__isnull=True)

    def open(self, at: dt.datetime | None = None) -> GrantQuerySet:
        """Grants not revoked and not run out: pending or active."""
        return self.with_status("open", at)

    def effective_at(self, moment: dt.datetime) -> GrantQuerySet:
        """Grants that let their holder act at `moment`: approved by then, not revoked, not
        expired (an active grant that already existed at `moment`)."""
        return self.with_status("active", moment).filter(
            approved_at__lte=moment, granted_at__lte=moment
        )


class AccessGrant(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", _("Admin")
        PUBLISHER = "publisher", _("Publisher")
        MODERATOR = "moderator", _("Moderator")
        ANALYST = "analyst", _("Analyst")

    # Roles that can act on a channel (an "actor", docs/privacy.md) and roles needing a
    # second admin.
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
    # Room for an offboarding's reason (500) after its "offboarding: " prefix.
    revoke_reason = models.CharField(max_length=520, blank=True)

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
        return gettext("%(member)s %(role)s on %(channel)s") % {
            "member": self.member, "role": self.role, "channel": self.channel,
        }  # fmt: skip

    def status_at(self, moment: dt.datetime | None = None) -> str:
        moment = moment or timezone.now()
        if self.revoked_at is not None and self.revoked_at <= moment:
            # A grant the system closed because it ran out is still reported as expired.
            return "expired" if self.revoke_reason == SYSTEM_EXPIRED else "revoked"
        if self.expires_at is not None and self.expires_at <= moment:
            return "expired"
        if self.approved_at is None:
            return "pending"
        return "active"

    @property
    def status(self) -> str:
        return self.status_at()


class Offboarding(models.Model):
    """A leaver's offboarding: one per member. Scheduled while the last day is ahead (the
    member keeps working), done once the offboarding service has run, or cancelled; complete
    when every follow-up it needs is confirmed (docs/governance.md)."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    member = models.OneToOneField(Member, on_delete=models.PROTECT, related_name="offboarding")
    state = models.CharField(max_length=10, choices=State.choices, default=State.DONE)
    ended_on = models.DateField()
    # The end of ended_on in the leaver's time zone: when the job runs a scheduled one.
    scheduled_for = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500)
    successor = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="succeeded"
    )
    started_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, related_name="offboardings_started"
    )
    created_at = models.DateTimeField(default=timezone.now)
    ran_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The requester's explicit acceptance of channels left without an actor, and the
    # channels ({id, label}) accepted (at the request) or left (when the job ran).
    accept_gaps = models.BooleanField(default=False)
    accepted_gaps = models.JSONField(default=list, blank=True)
    resulting_gaps = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["scheduled_for"],
                condition=Q(state="scheduled"),
                name="offboarding_due",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="scheduled") | Q(scheduled_for__isnull=False),
                name="offboarding_scheduled_has_instant",
            ),
            models.CheckConstraint(
                condition=~Q(state="done") | Q(ran_at__isnull=False),
                name="offboarding_done_has_ran_at",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Offboarding of %(member)s") % {"member": self.member}


class ChecklistItem(models.Model):
    """One layer of access to remove on one channel, confirmed by a person."""

    class Layer(models.TextChoices):
        TOOL_ROLE = "tool_role", _("Tool role removed")
        NATIVE_ROLE = "native_role", _("Native platform role removed")
        SHARED_CREDENTIAL = "shared_credential", _("Shared password or 2FA device changed")
        RECOVERY_CONTACT = "recovery_contact", _("Recovery contact updated")

    offboarding = models.ForeignKey(
        Offboarding, on_delete=models.CASCADE, null=True, blank=True, related_name="items"
    )
    grant = models.ForeignKey(
        AccessGrant, on_delete=models.PROTECT, null=True, blank=True, related_name="checklist"
    )
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="checklist")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="checklist_items")
    layer = models.CharField(max_length=20, choices=Layer.choices)
    created_at = models.DateTimeField(default=timezone.now)
    # The admin whose change created the item (null: the system). Neither they nor the
    # member confirms it.
    made_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["channel_id", "layer"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "channel", "layer", "grant"], name="checklist_one_per_layer"
            ),
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True) | Q(confirmed_by__isnull=False),
                name="checklist_confirmed_by_someone",
            ),
            models.CheckConstraint(
                condition=~Q(confirmed_by=models.F("member")),
                name="checklist_not_confirmed_by_the_leaver",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(layer)s on %(channel)s") % {
            "layer": self.get_layer_display(), "channel": self.channel,
        }  # fmt: skip


class CredentialRotation(models.Model):
    """A shared credential somebody who lost access knew: it must be changed."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="rotations")
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="rotations"
    )
    reason = models.CharField(max_length=600)
    required_since = models.DateTimeField(default=timezone.now)
    # The admin whose change opened the rotation (null: the system); not its confirmer.
    opened_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rotated_at = models.DateTimeField(null=True, blank=True)
    rotated_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["rotated_at", "-required_since"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel"],
                condition=Q(rotated_at__isnull=True),
                name="rotation_one_open_per_channel",
            ),
            models.CheckConstraint(
                condition=Q(rotated_at__isnull=True) | Q(rotated_by__isnull=False),
                name="rotation_rotated_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Rotate the credential of %(channel)s") % {"channel": self.channel}


class Connector(models.Model):
    """How revocations reach a platform: a manual checklist, or a signed webhook."""

    class Kind(models.TextChoices):
        MANUAL = "manual", _("Manual (checklist items)")
        WEBHOOK = "webhook", _("Webhook")

    platform = models.CharField(max_length=16, choices=Channel.Platform.choices, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MANUAL)
    url = models.URLField(blank=True)
    # The HMAC key the receiver shares: the one secret socialops keeps, for signing only.
    secret = models.CharField(max_length=200, blank=True)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["platform"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="webhook") | (~Q(url="") & ~Q(secret="")),
                name="connector_webhook_needs_url_and_secret",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()}: {self.get_kind_display()}"


class OutboxMessage(models.Model):
    """A follow-up written in the business transaction and relayed by Celery at least once;
    its id is the idempotency key consumers deduplicate on."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    topic = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    dead_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(delivered_at__isnull=True, dead_at__isnull=True),
                name="outbox_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.pk}"


class AccessReview(models.Model):
    """A review campaign: each grant on each channel is kept or revoked by its reviewer."""

    name = models.CharField(max_length=200)
    created_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateField()
    auto_revoke = models.BooleanField(
        default=False, help_text=_("Revoke grants still undecided after the deadline.")
    )
    # The scope: some teams' channels, some channels, or (both empty) every channel.
    teams = models.ManyToManyField(Team, blank=True, related_name="+")
    channels = models.ManyToManyField(Channel, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class AccessReviewItem(models.Model):
    class Decision(models.TextChoices):
        KEEP = "keep", _("Keep")
        REVOKE = "revoke", _("Revoke")

    review = models.ForeignKey(AccessReview, on_delete=models.CASCADE, related_name="items")
    grant = models.ForeignKey(AccessGrant, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="review_items"
    )
    decision = models.CharField(max_length=8, choices=Decision.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["review_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "grant"], name="review_item_one_per_grant"),
            models.CheckConstraint(
                condition=Q(decision="") | Q(decided_at__isnull=False),
                name="review_item_decided_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review}: {self.grant}"


class LoginSession(models.Model):
    """Which session belongs to which user, recorded at sign-in, so that offboarding can
    delete a leaver's sessions directly instead of decoding every session."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.session_key[:6]}…"
