"""Reads of other people's scores are audited: who read whose, never the values
(docs/privacy.md). One writer for every page, CSV and API call that shows a score."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from socialops.audit.services import Entry, audit_append_many

# Where a read happened, recorded with each entry.
VIA = ("api", "team_dashboard", "team_csv", "member_dashboard", "member_csv")


@transaction.atomic
def score_reads_record(*, user: Any, member_ids: Iterable[int], via: str) -> int:
    """One `score.read` event per member whose score `user` was shown (their own excluded by
    the caller), appended together. Returns how many were recorded."""
    if via not in VIA:
        raise ValueError(f"unknown score-read place {via!r}")
    entries = [
        Entry("score.read", "member", member_id, {"via": via})
        for member_id in sorted(set(member_ids))
    ]
    audit_append_many(actor=user, entries=entries)
    return len(entries)
