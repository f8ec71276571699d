"""Pages that change a member's own teams records: leave and on-call shifts.

Their forms sit on the My week page, which workload owns; teams cannot import workload
(docs/architecture.md), so workload's URLs hand these views the page they belong to
(`RecordsPage`): who the member is, where to go after a change, how to show the page again
with a form's errors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from socialops.common.pages import button_action, form_action
from teams import services
from teams.forms import LeaveForm, OnCallForm
from teams.models import Leave, Member, OnCallShift


@dataclass(frozen=True)
class RecordsPage:
    member: Callable[[HttpRequest], Member]  # the signed-in member, or PermissionDenied
    url_for: Callable[[dt.date], str]  # the page showing this date
    # The page again for today, with one form bound to its errors: (request, member, name=form)
    render_with: Callable[..., HttpResponse]


@login_required
@require_POST
def leave_create(request: HttpRequest, *, page: RecordsPage) -> HttpResponse:
    member = page.member(request)
    form = LeaveForm(request.POST)
    leave = form_action(
        request, form, lambda values: services.leave_create(member=member, **values),
        done=lambda leave: "Leave recorded.",
    )  # fmt: skip
    if leave is not None:
        return redirect(page.url_for(leave.start_date))
    return page.render_with(request, member, leave_form=form)


@login_required
@require_POST
def leave_delete(request: HttpRequest, pk: int, *, page: RecordsPage) -> HttpResponse:
    member = page.member(request)
    leave = get_object_or_404(Leave.objects.for_user(request.user).filter(member=member), pk=pk)
    day = leave.start_date
    button_action(
        request, lambda: services.leave_delete(leave=leave),
        done=lambda _: "Leave removed.", refused="Not removed",
    )  # fmt: skip
    return redirect(page.url_for(day))


@login_required
@require_POST
def on_call_create(request: HttpRequest, *, page: RecordsPage) -> HttpResponse:
    member = page.member(request)
    form = OnCallForm(request.POST, member=member)
    shift = form_action(
        request, form, lambda values: services.on_call_create(member=member, **values),
        done=lambda shift: "On-call shift recorded.",
    )  # fmt: skip
    if shift is not None:
        return redirect(page.url_for(shift.first_local_date))
    return page.render_with(request, member, on_call_form=form)


@login_required
@require_POST
def on_call_delete(request: HttpRequest, pk: int, *, page: RecordsPage) -> HttpResponse:
    member = page.member(request)
    shift = get_object_or_404(
        OnCallShift.objects.for_user(request.user).filter(member=member), pk=pk
    )
    day = shift.first_local_date
    button_action(
        request, lambda: services.on_call_delete(shift=shift),
        done=lambda _: "On-call shift removed.", refused="Not removed",
    )  # fmt: skip
    return redirect(page.url_for(day))
