"""The My week page: log work, edit and delete entries, copy yesterday. Its leave and
on-call forms post to teams.views, which this module hands the page (`RECORDS_PAGE`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from socialops.common.exceptions import DomainError
from socialops.common.fields import date_in_range
from socialops.common.pages import button_action, form_action
from teams.forms import LeaveForm, OnCallForm
from teams.models import Member, roles_for
from teams.views import RecordsPage
from workload.dates import day_label
from workload.duration import format_duration
from workload.forms import TaskLogForm
from workload.hours import monday_of
from workload.models import TaskLog
from workload.selectors.my_week import member_week
from workload.services import task_logs

# The form's `duration` is the service's `minutes`.
ALIASES = {"minutes": "duration"}


def _logging_member(request) -> Member:
    member = roles_for(request.user).member
    if member is None or not member.role_member or member.team_id is None:
        raise PermissionDenied(_("My week is for members of a team."))
    return member


def _week_url(day: dt.date) -> str:
    return f"{reverse('my-week')}?week={monday_of(day):%Y-%m-%d}"


def _render_week(
    request,
    member: Member,
    monday: dt.date,
    *,
    log_form=None,
    leave_form=None,
    on_call_form=None,
    status=200,
):
    today = member.today()
    week = member_week(member=member, monday=monday)
    # After a save the form keeps the date just used and puts the cursor in the duration, so
    # that several entries for one day need the date typed once.
    last_day = _requested_day(request, today)
    if log_form is None:
        log_form = TaskLogForm(member=member, initial={"date": last_day or today})
        if last_day is not None:
            log_form.fields["duration"].widget.attrs["autofocus"] = True
    context = {
        "member": member,
        "today": today,
        "week": week,
        "week_name": f"W{monday.isocalendar().week:02d}",
        "prev_week": monday - dt.timedelta(days=7),
        "next_week": monday + dt.timedelta(days=7),
        "is_current_week": monday == monday_of(today),
        "log_form": log_form,
        "leave_form": leave_form or LeaveForm(initial={"start_date": today, "end_date": today}),
        "on_call_form": on_call_form or OnCallForm(member=member),
    }
    return render(request, "workload/my_week.html", context)


def _requested_day(request, today: dt.date) -> dt.date | None:
    """The `day` the last entry was logged for (?day=), if it is a sane one."""
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return None
    return day if today - dt.timedelta(days=366) <= day <= today else None


def _requested_monday(request, today: dt.date) -> dt.date:
    """The `week` asked for (?week=), else this week; a date outside 1970–2100 is no week."""
    try:
        day = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        return monday_of(today)
    return monday_of(day if date_in_range(day) else today)


@login_required
def my_week(request):
    member = _logging_member(request)
    today = member.today()
    if request.method != "POST":
        return _render_week(request, member, _requested_monday(request, today))
    form = TaskLogForm(request.POST, member=member)
    log = form_action(
        request, form,
        lambda values: task_logs.task_log_create(member=member, **form.service_values()),
        done=lambda log: _logged_words(log, today), aliases=ALIASES,
    )  # fmt: skip
    if log is not None:
        return _after_new_entry(request, log, today)
    day = form.cleaned_data.get("date") or today
    return _render_week(request, member, monday_of(day), log_form=form)


def _logged_words(log: TaskLog, today: dt.date) -> str:
    return _("Logged %(duration)s of %(category)s on %(day)s.") % {
        "duration": format_duration(log.minutes),
        "category": log.get_category_display(),
        "day": day_label(log.date, today),
    }


def _after_new_entry(request, log: TaskLog, today: dt.date) -> HttpResponse:
    """Warn about overlapping times, then back to the week with the entry's day kept."""
    overlaps = task_logs.task_log_overlaps(log)
    if overlaps:
        messages.warning(request, _overlap_words(log, overlaps, today))
    return redirect(f"{_week_url(log.date)}&day={log.date:%Y-%m-%d}")


def _overlap_words(log: TaskLog, overlaps: list[int], today: dt.date) -> str:
    """The warning beside a saved entry whose time overlaps others (saved all the same)."""
    others = TaskLog.objects.filter(pk__in=overlaps).order_by("date", "started_at")
    described = ", ".join(
        f"{o.started_at:%H:%M} {o.get_category_display()} ({format_duration(o.minutes)}"
        f"{'' if o.date == log.date else ', ' + day_label(o.date, today)})"
        for o in others
    )
    return _("Saved, but it overlaps %(entries)s: check the times.") % {"entries": described}


@login_required
def entry_edit(request, pk: int):
    member = _logging_member(request)
    log = get_object_or_404(TaskLog.objects.for_user(request.user).filter(member=member), pk=pk)
    if request.method == "POST":
        form = TaskLogForm(request.POST, member=member)
        updated = form_action(
            request, form,
            lambda values: task_logs.task_log_update(task_log=log, **form.service_values()),
            done=lambda _done: _("Entry updated."), aliases=ALIASES,
        )  # fmt: skip
        if updated is not None:
            return redirect(_week_url(updated.date))
    else:
        form = TaskLogForm(
            member=member,
            initial={
                "date": log.date, "duration": format_duration(log.minutes),
                "started_at": log.started_at, "category": log.category, "channel": log.channel,
                "messages_handled": log.messages_handled,
                "hostile_messages": log.hostile_messages, "crisis": log.crisis, "note": log.note,
            },
        )  # fmt: skip
    return render(
        request, "workload/entry_edit.html", {"form": form, "log": log, "today": member.today()}
    )


@login_required
@require_POST
def entry_delete(request, pk: int):
    member = _logging_member(request)
    log = get_object_or_404(TaskLog.objects.for_user(request.user).filter(member=member), pk=pk)
    day = log.date
    button_action(
        request, lambda: task_logs.task_log_delete(task_log=log),
        done=lambda _done: _("Entry of %(day)s deleted.") % {"day": day_label(day, member.today())},
        refused=_("Not deleted"),
    )  # fmt: skip
    return redirect(_week_url(day))


@login_required
@require_POST
def entry_duplicate(request, pk: int):
    """The same work again on the same day (not the note): one more entry per press."""
    member = _logging_member(request)
    log = get_object_or_404(TaskLog.objects.for_user(request.user).filter(member=member), pk=pk)
    today = member.today()
    copy = button_action(
        request, lambda: task_logs.task_log_duplicate(task_log=log),
        done=lambda copy: _logged_words(copy, today), refused=_("Not duplicated"),
    )  # fmt: skip
    if copy is not None:
        return _after_new_entry(request, copy, today)
    return redirect(_week_url(log.date))


@login_required
@require_POST
def copy_yesterday(request):
    member = _logging_member(request)
    today = member.today()
    try:
        copied = task_logs.task_logs_copy_day(
            member=member, from_date=today - dt.timedelta(days=1), to_date=today
        )
    except DomainError as exc:
        # "detail" says it in words when every entry is copied already; else the field errors.
        words = exc.errors.get("detail") or [m for msgs in exc.errors.values() for m in msgs]
        messages.error(
            request, _("Nothing copied: %(why)s") % {"why": " ".join(str(m) for m in words)}
        )
    else:
        messages.success(
            request,
            ngettext(
                "Copied %(count)s entry from yesterday to today (without its note).",
                "Copied %(count)s entries from yesterday to today (without their notes).",
                len(copied),
            )
            % {"count": len(copied)},
        )
    return redirect(_week_url(today))


def _render_today(request: HttpRequest, member: Member, **forms: Any) -> HttpResponse:
    return _render_week(request, member, monday_of(member.today()), **forms)


RECORDS_PAGE = RecordsPage(member=_logging_member, url_for=_week_url, render_with=_render_today)
