"""The audit log's one table. It kept its original name (governance_auditevent) when the log
moved below the apps, so the PostgreSQL triggers that make it append-only still guard it."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models

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
