"""The audit log page for admins (docs/governance.md "Reading the audit log"): names beside
ids, filters, CSV export of the filtered log (`?export=csv`), and the chain verification
(the last result, and "Verify now" as a POST to the same page)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from governance.audit_labels import SYSTEM_ACTOR, describe_events
from governance.views import admin_required
from socialops.audit.models import AuditEvent, AuditVerification
from socialops.audit.selectors import events_of_kind
from socialops.audit.verification import audit_verification_last, audit_verify_and_record
from socialops.common import csv
from socialops.common.fields import BoundedFormDateField
from teams.models import Member

AUDIT_PER_PAGE = 50
CSV_BATCH = 1000
CSV_COLUMNS = ["id", "at", "actor_id", "actor_name", "action", "target_type", "target_id",
               "target_label", "data", "prev_hash", "hash"]  # fmt: skip
KIND_CHOICES = [
    ("change", _("Changes")),
    ("read", _("Reads of others' data")),
    ("both", _("Both")),
]
BIGINT_MAX = 2**63 - 1


class ActorField(forms.ChoiceField):
    """The people who appear as actors, the system, or any user id typed into the URL."""

    def valid_value(self, value) -> bool:
        return super().valid_value(value) or (value.isdigit() and 0 < int(value) <= BIGINT_MAX)


class AuditFilterForm(forms.Form):
    actor = ActorField(required=False, label=_("Actor"))
    action = forms.CharField(
        label=_("Action"),
        max_length=64,
        required=False,
        help_text=_("e.g. grant.revoked, or grant for every grant action"),
        widget=forms.TextInput(attrs={"list": "audit-actions", "autocomplete": "off"}),
    )
    target = forms.CharField(
        label=_("Target"),
        max_length=130,
        required=False,
        help_text=_("A type, or type:id, e.g. grant:42"),
    )
    date_from = BoundedFormDateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = BoundedFormDateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Dates in your time zone; both days included."),
    )  # fmt: skip
    kind = forms.ChoiceField(
        choices=KIND_CHOICES, required=False, initial="change", label=_("Kind")
    )

    def __init__(self, *args, actors: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        actor_field = self.fields["actor"]
        assert isinstance(actor_field, ActorField)
        actor_field.choices = [
            ("", gettext("Anyone")),
            (SYSTEM_ACTOR, gettext("The system")),
            *actors,
        ]

    def clean(self):
        values = super().clean()
        start, end = values.get("date_from"), values.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", gettext("The end date is before the start date."))
        for name in ("date_from", "date_to"):
            day = values.get(name)
            if day is None:
                continue
            try:
                # The end date is included: up to the start of the next day.
                after = dt.timedelta(days=1 if name == "date_to" else 0)
                values[f"{name}_at"] = _day_start(day + after)
            except (OverflowError, ValueError):
                self.add_error(name, gettext("Choose a date between the years 1 and 9998."))
        return values


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight of `day` in the current (the admin's) time zone, as a UTC instant."""
    local = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return local.astimezone(dt.UTC)


def _actor_choices() -> list[tuple[str, str]]:
    """The people who appear as actors in the log, by name (one query)."""
    rows = (
        get_user_model()
        .objects.filter(pk__in=AuditEvent.objects.filter(actor_id__isnull=False).values("actor_id"))
        .values_list("pk", "username", "member__full_name")
    )
    people = [
        (str(pk), gettext("%(name)s (user %(id)s)") % {"name": name or username, "id": pk})
        for pk, username, name in rows
    ]
    return sorted(people, key=lambda choice: choice[1].casefold())


def _filtered(events: QuerySet[AuditEvent], filters: AuditFilterForm) -> QuerySet[AuditEvent]:
    """The events the filters select; invalid filters select the default view (changes)."""
    if not filters.is_bound or not filters.is_valid():
        return events_of_kind(events, "change")
    values = filters.cleaned_data
    kind = values["kind"] or "change"
    if kind != "both":
        events = events_of_kind(events, kind)
    actor = values["actor"]
    if actor == SYSTEM_ACTOR:
        events = events.filter(actor_id__isnull=True)
    elif actor:
        events = events.filter(actor_id=int(actor))
    action = values["action"].strip()
    if action:
        # "grant" matches every grant.* action; "grant.revoked" matches itself.
        events = events.filter(Q(action=action) | Q(action__startswith=f"{action}."))
    target = values["target"].strip()
    if target:
        target_type, _sep, target_id = target.partition(":")
        events = events.filter(target_type=target_type.strip())
        if target_id.strip():
            events = events.filter(target_id=target_id.strip())
    if "date_from_at" in values:
        events = events.filter(at__gte=values["date_from_at"])
    if "date_to_at" in values:
        events = events.filter(at__lt=values["date_to_at"])
    return events


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(events: QuerySet[AuditEvent]) -> Iterator[str]:
    """The header, then every selected event newest first, labelled a batch at a time (a
    fixed number of queries per batch of CSV_BATCH)."""
    writer = csv.writer(_Echo())  # formulas neutralised, ids stay numbers (common/csv.py)
    yield writer.writerow(CSV_COLUMNS)
    last_pk = None
    while True:
        batch_qs = events if last_pk is None else events.filter(pk__lt=last_pk)
        batch = describe_events(list(batch_qs[:CSV_BATCH]))
        for e in batch:
            yield writer.writerow(
                (
                    e.pk,
                    e.at.astimezone(dt.UTC).isoformat(),
                    e.actor_id,
                    e.actor_name,
                    e.action,
                    e.target_type,
                    e.target_id,
                    e.target_label,
                    json.dumps(e.data, sort_keys=True, ensure_ascii=False),
                    e.prev_hash,
                    e.hash,
                )
            )
        if len(batch) < CSV_BATCH:
            return
        last_pk = batch[-1].pk


def _verify(request) -> HttpResponseRedirect:
    result = audit_verify_and_record(source=AuditVerification.Source.PAGE)
    if result.ok:
        messages.success(
            request,
            ngettext(
                "Audit chain verified: %(rows)s rows, no break.",
                "Audit chain verified: %(rows)s rows, no break.",
                result.rows,
            )
            % {"rows": result.rows},
        )
    else:
        messages.error(
            request,
            gettext("Audit chain broken at row %(row)s: %(problem)s.")
            % {"row": result.first_broken_row, "problem": result.problem},
        )
    back = reverse("governance-audit")
    target = request.POST.get("next", "")
    if target.startswith(back) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = target
    return HttpResponseRedirect(back)


@admin_required
def audit(request, actor: Member):
    if request.method == "POST":
        return _verify(request)
    params = request.GET.copy()
    export = params.pop("export", [""])[-1] == "csv"
    params.pop("page", None)
    filters = AuditFilterForm(params or None, actors=_actor_choices())
    events = _filtered(AuditEvent.objects.order_by("-pk"), filters)
    if export and not filters.errors:
        response = StreamingHttpResponse(_csv_rows(events), content_type="text/csv")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        return response
    page = Paginator(events, AUDIT_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = describe_events(list(page.object_list))
    actions = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
    return render(
        request,
        "governance/audit.html",
        {
            "actor": actor,
            "filters": filters,
            "page": page,
            "actions": list(actions),
            "verification": audit_verification_last(),
        },
    )
