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
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
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


def _record_create(
    request: HttpRequest,
    page: RecordsPage,
    form_name: str,
    form: forms.Form,
    create: Callable[[Member, dict[str, Any]], Any],
    *,
    done: str,
    day_of: Callable[[Any], dt.date],
) -> HttpResponse:
    """Record leave or a shift for the signed-in member: to the day it starts on the page,
    or the page again with the form's errors."""
    member = page.member(request)
    record = form_action(
        request, form, lambda values: create(member, values), done=lambda _result: done
    )
    if record is not None:
        return redirect(page.url_for(day_of(record)))
    return page.render_with(request, member, **{form_name: form})


def _record_delete(
    request: HttpRequest, page: RecordsPage, day: dt.date, delete: Callable[[], None], done: str
) -> HttpResponse:
    button_action(request, delete, done=lambda _result: done, refused=_("Not removed"))
    return redirect(page.url_for(day))


@login_required
@require_POST
def leave_create(request: HttpRequest, *, page: RecordsPage) -> HttpResponse:
    return _record_create(
        request, page, "leave_form", LeaveForm(request.POST),
        lambda member, values: services.leave_create(member=member, **values),
        done=_("Leave recorded."), day_of=lambda leave: leave.start_date,
    )  # fmt: skip


@login_required
@require_POST
def leave_delete(request: HttpRequest, pk: int, *, page: RecordsPage) -> HttpResponse:
    member = page.member(request)
    leave = get_object_or_404(Leave.objects.for_user(request.user).filter(member=member), pk=pk)
    return _record_delete(
        request, page, leave.start_date, lambda: services.leave_delete(leave=leave),
        _("Leave removed."),
    )  # fmt: skip


@login_required
@require_POST
def on_call_create(request: HttpRequest, *, page: RecordsPage) -> HttpResponse:
    form = OnCallForm(request.POST, member=page.member(request))
    return _record_create(
        request, page, "on_call_form", form,
        lambda member, values: services.on_call_create(member=member, **values),
        done=_("On-call shift recorded."), day_of=lambda shift: shift.first_local_date,
    )  # fmt: skip


@login_required
@require_POST
def on_call_delete(request: HttpRequest, pk: int, *, page: RecordsPage) -> HttpResponse:
    member = page.member(request)
    shift = get_object_or_404(
        OnCallShift.objects.for_user(request.user).filter(member=member), pk=pk
    )
    return _record_delete(
        request, page, shift.first_local_date, lambda: services.on_call_delete(shift=shift),
        _("On-call shift removed."),
    )  # fmt: skip
