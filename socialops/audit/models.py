"""The audit log's one table. It kept its original name (governance_auditevent) when the log
moved below the apps, so the PostgreSQL triggers that make it append-only still guard it."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

AUDIT_GENESIS = "0" * 64


class AuditEvent(models.Model):
    """Append-only and hash-chained. PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE;
    rows are appended only by socialops.audit.services.audit_append_many."""

    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, null=True, blank=True,
        db_constraint=False, related_name="+",
    )  # fmt: skip
    # Outside the chained fields, so erasure can blank it and the chain still verifies.
    actor_display = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    # Not columns: the names shown beside the ids, set on loaded rows in one batch by
    # governance.audit_labels.describe_events (absent until then).
    actor_name: str
    target_label: str

    class Meta:
        db_table = "governance_auditevent"
        ordering = ["-pk"]
        indexes = [
            models.Index(
                fields=["target_type", "target_id"], name="governance__target__e5d48d_idx"
            ),
            models.Index(fields=["at"], name="governance__at_4cbc46_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type}:{self.target_id}"

    @property
    def data_text(self) -> str:
        """The event's data as sorted JSON, for reading on a page."""
        return json.dumps(self.data, sort_keys=True, ensure_ascii=False)


class AuditVerification(models.Model):
    """The result of one run of the chain check (socialops.audit.verification). Not part of
    the chain and not append-only: a record of when the chain was last checked, and how."""

    class Source(models.TextChoices):
        COMMAND = "command", "manage.py verify_audit"
        JOB = "job", _("Nightly job")
        PAGE = "page", _("Audit page")

    ran_at = models.DateTimeField()
    ok = models.BooleanField()
    rows = models.PositiveIntegerField()
    first_broken_row = models.BigIntegerField(null=True, blank=True)
    problem = models.TextField(blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)

    # Not columns: set by audit_verify_and_record on the row it returns (the checkpoints the
    # chain was checked against, and what could not be used).
    anchors: list[str]
    notes: list[str]

    class Meta:
        ordering = ["-ran_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ok=True, first_broken_row__isnull=True)
                | models.Q(ok=False, first_broken_row__isnull=False),
                name="audit_verification_broken_row_iff_not_ok",
            ),
        ]

    def __str__(self) -> str:
        state = "ok" if self.ok else f"broken at row {self.first_broken_row}"
        return f"{self.ran_at:%Y-%m-%d %H:%M} {state} ({self.rows} rows)"


class AuditCheckpoint(models.Model):
    """A signed statement of the chain's head (socialops.audit.checkpoints): the last event's
    id and hash, the number of events up to it and a running digest of their actor_display
    values, HMAC-SHA256-signed with AUDIT_CHECKPOINT_KEY (from the environment, never stored
    here). Also appended to AUDIT_CHECKPOINT_FILE, outside the database. Append-only."""

    created_at = models.DateTimeField()
    last_event_id = models.BigIntegerField()
    last_hash = models.CharField(max_length=64)
    event_count = models.BigIntegerField()
    display_digest = models.CharField(max_length=64)
    signature = models.CharField(max_length=64)

    class Meta:
        ordering = ["-last_event_id", "-pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} head {self.last_event_id} ({self.event_count})"
