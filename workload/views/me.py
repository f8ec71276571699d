"""My dashboard: a member's own strain, trend, week and pulse (member role)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from socialops.common.pages import button_action
from teams.models import Member, roles_for
from teams.services import member_set_language
from workload import burnout
from workload.hours import monday_of
from workload.selectors import dashboards
from workload.selectors.my_week import member_week
from workload.services import jobs
from workload.tasks import recompute_start
from workload.views.panels import job_for, member_context, member_tables
from workload.views.staffing_story import leave_gap_context
from workload.views.tables import csv_response


def _own_member(request: HttpRequest) -> Member:
    member = roles_for(request.user).member
    if member is None or not member.role_member:
        raise PermissionDenied(_("My dashboard is for members."))
    return member


# Each language named in itself; blank follows the browser.
LANGUAGE_CHOICES = [("", gettext_lazy("My browser's language")), *settings.LANGUAGES]


def _saved_words(request, language: str) -> str:
    """The confirmation in the language just chosen (the browser's when blank)."""
    chosen = language or translation.get_language_from_request(request)
    with translation.override(chosen):
        return _("Language saved: %(language)s.") % {"language": dict(LANGUAGE_CHOICES)[language]}


@login_required
@require_POST
def me_language(request):
    member = _own_member(request)
    language = request.POST.get("language", "")
    button_action(
        request, lambda: member_set_language(member=member, language=language),
        done=lambda m: _saved_words(request, m.language), refused=_("Not saved"),
    )  # fmt: skip
    return redirect("me")


@login_required
def me(request):
    member = _own_member(request)
    data = dashboards.member_dashboard(
        member=member, viewer=member, as_of_fallback=jobs.default_as_of()
    )
    week = member_week(member=member, monday=monday_of(member.today()))
    pulse = dashboards.latest_pulse(member=member)
    tables = member_tables(data, "me-csv")
    context = (
        member_context(data, tables)
        | {
            "viewer_tz": member.tz,
            "today": member.today(),
            "week": week,
            "pulse": pulse,
            "pulse_score": burnout.round_half_up(burnout.cbi_score(pulse.answers))
            if pulse
            else None,
            "recompute_url": reverse("me-recompute"),
            "language_choices": LANGUAGE_CHOICES,
            "job": job_for(request),
        }
        | leave_gap_context(member, own=True)
    )
    return render(request, "workload/me.html", context)


@login_required
def me_csv(request, table: str):
    member = _own_member(request)
    data = dashboards.member_dashboard(
        member=member, viewer=member, as_of_fallback=jobs.default_as_of()
    )
    tables = member_tables(data, "me-csv")
    if table not in tables:
        raise Http404(_("No such table."))
    return csv_response(tables[table], f"my-{table}")


@login_required
@require_POST
def me_recompute(request):
    """Recompute my team's scores (the scores API lets a member do the same)."""
    member = _own_member(request)
    if member.team_id is None:
        raise PermissionDenied(_("You are in no team."))
    job = recompute_start(
        as_of=jobs.default_as_of(), team_ids=[member.team_id], requested_by=request.user
    )
    return redirect(f"{reverse('me')}?job={job.pk}#recompute")
