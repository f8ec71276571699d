"""The audit log page for admins."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render

from governance.views import admin_required
from socialops.audit.models import AuditEvent
from teams.models import Member

AUDIT_PER_PAGE = 50


class AuditFilterForm(forms.Form):
    action = forms.CharField(
        max_length=64,
        required=False,
        help_text="e.g. grant.revoked, or grant for every grant action",
    )
    target = forms.CharField(
        max_length=130, required=False, help_text="A type, or type:id, e.g. grant:42"
    )


@admin_required
def audit(request, actor: Member):
    events = AuditEvent.objects.order_by("-pk")
    filters = AuditFilterForm(request.GET or None)
    if filters.is_bound and filters.is_valid():
        action = filters.cleaned_data["action"].strip()
        if action:
            # "grant" matches every grant.* action; "grant.revoked" matches itself.
            events = events.filter(Q(action=action) | Q(action__startswith=f"{action}."))
        target = filters.cleaned_data["target"].strip()
        if target:
            target_type, _, target_id = target.partition(":")
            events = events.filter(target_type=target_type.strip())
            if target_id.strip():
                events = events.filter(target_id=target_id.strip())
    page = Paginator(events, AUDIT_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "governance/audit.html", {"actor": actor, "filters": filters, "page": page}
    )
