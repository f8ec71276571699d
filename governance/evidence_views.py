"""The printable evidence pack of an offboarding (docs/governance.md "Evidence pack"): the
same facts as `GET /api/v1/offboardings/{id}/evidence/`, shown in the admin's time zone."""

from __future__ import annotations

import json
from typing import Any

from django.shortcuts import get_object_or_404, render

from governance.evidence import evidence_collect, evidence_pack_instant
from governance.models import Offboarding
from governance.views import admin_required
from teams.models import Member

# A hash is shown in four groups with a break opportunity between them (<wbr>): it wraps on
# a 390 px screen and on paper without any style rule, and copies as one string.
HASH_GROUP = 16


def _groups(digest: str) -> list[str]:
    return [digest[i : i + HASH_GROUP] for i in range(0, len(digest), HASH_GROUP)]


def _event_shown(event: dict[str, Any]) -> dict[str, Any]:
    return event | {
        "at_hashed": evidence_pack_instant(event["at"]),
        "data_text": json.dumps(event["data"], sort_keys=True, ensure_ascii=False),
        "hash_parts": _groups(event["hash"]),
        "prev_hash_parts": _groups(event["prev_hash"]),
    }


@admin_required
def offboarding_evidence(request, actor: Member, pk: int):
    offboarding = get_object_or_404(Offboarding, pk=pk)
    pack = evidence_collect(offboarding)
    return render(
        request,
        "governance/evidence.html",
        {
            "actor": actor,
            "offboarding": offboarding,
            "pack": pack,
            "events": [_event_shown(event) for event in pack["audit_events"]],
        },
    )
