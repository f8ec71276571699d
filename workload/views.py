"""The My week page: log work, edit and delete entries, copy yesterday, leave and on-call."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from socialops.common.exceptions import DomainError
from teams import services as team_services
from teams.forms import LeaveForm, OnCallForm
from teams.models import Leave, Member, OnCallShift
from teams.selectors import roles_for
from workload import burnout, services
from workload.duration import format_duration
from workload.forms import TaskLogForm
from workload.models import PULSE_VALUES, PulseResponse, TaskLog
from workload.pulse import LABELS, QUESTIONS, open_weeks, pulse_submit
from workload.selectors import member_week, monday_of


def _logging_member(request) -> Member:
    roles = roles_for(request.user)
    if not roles.is_member or roles.member.team_id is None:
        raise PermissionDenied("My week is for members of a team.")
    return roles.member


def _week_url(day: dt.date) -> str:
    return f"{reverse('my-week')}?week={monday_of(day):%Y-%m-%d}"


def _apply_errors(form, exc: DomainError, aliases: dict[str, str] | None = None) -> None:
    for name, msgs in exc.errors.items():
        name = (aliases or {}).get(name, name)
        for msg in msgs:
            form.add_error(name if name in form.fields else None, msg)


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
    context = {
        "member": member,
        "today": today,
        "week": week,
        "prev_week": monday - dt.timedelta(days=7),
        "next_week": monday + dt.timedelta(days=7),
        "is_current_week": monday == monday_of(today),
        "log_form": log_form or TaskLogForm(member=member, initial={"date": today}),
        "leave_form": leave_form or LeaveForm(initial={"start_date": today, "end_date": today}),
        "on_call_form": on_call_form or OnCallForm(member=member),
    }
    return render(request, "workload/my_week.html", context)


def _requested_monday(request, today: dt.date) -> dt.date:
    try:
        return monday_of(dt.date.fromisoformat(request.GET.get("week", "")))
    except ValueError:
        return monday_of(today)


@login_required
def my_week(request):
    member = _logging_member(request)
    today = member.today()
    if request.method != "POST":
        return _render_week(request, member, _requested_monday(request, today))
    form = TaskLogForm(request.POST, member=member)
    if form.is_valid():
        try:
            log = services.task_log_create(member=member, **form.service_values())
        except DomainError as exc:
            _apply_errors(form, exc, {"minutes": "duration"})
        else:
            messages.success(
                request,
                f"Logged {format_duration(log.minutes)} of {log.get_category_display()} "
                f"on {log.date:%a %d %b}.",
            )
            return redirect(_week_url(log.date))
    day = form.cleaned_data.get("date") or today
    return _render_week(request, member, monday_of(day), log_form=form)


@login_required
def entry_edit(request, pk: int):
    member = _logging_member(request)
    log = get_object_or_404(TaskLog.objects.for_user(request.user).filter(member=member), pk=pk)
    if request.method == "POST":
        form = TaskLogForm(request.POST, member=member)
        if form.is_valid():
            try:
                services.task_log_update(task_log=log, **form.service_values())
            except DomainError as exc:
                _apply_errors(form, exc, {"minutes": "duration"})
            else:
                messages.success(request, "Entry updated.")
                return redirect(_week_url(log.date))
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
    return render(request, "workload/entry_edit.html", {"form": form, "log": log})


@login_required
@require_POST
def entry_delete(request, pk: int):
    member = _logging_member(request)
    log = get_object_or_404(TaskLog.objects.for_user(request.user).filter(member=member), pk=pk)
    day = log.date
    services.task_log_delete(task_log=log)
    messages.success(request, f"Entry of {day:%a %d %b} deleted.")
    return redirect(_week_url(day))


@login_required
@require_POST
def copy_yesterday(request):
    member = _logging_member(request)
    today = member.today()
    try:
        copied = services.task_logs_copy_day(
            member=member, from_date=today - dt.timedelta(days=1), to_date=today
        )
    except DomainError as exc:
        messages.error(request, f"Nothing copied: {exc}")
    else:
        messages.success(request, f"Copied {len(copied)} entries from yesterday to today.")
    return redirect(_week_url(today))


@login_required
@require_POST
def leave_create(request):
    member = _logging_member(request)
    form = LeaveForm(request.POST)
    if form.is_valid():
        try:
            leave = team_services.leave_create(member=member, **form.cleaned_data)
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Leave recorded.")
            return redirect(_week_url(leave.start_date))
    return _render_week(request, member, monday_of(member.today()), leave_form=form)


@login_required
@require_POST
def leave_delete(request, pk: int):
    member = _logging_member(request)
    leave = get_object_or_404(Leave.objects.for_user(request.user).filter(member=member), pk=pk)
    day = leave.start_date
    team_services.leave_delete(leave=leave)
    messages.success(request, "Leave removed.")
    return redirect(_week_url(day))


@login_required
@require_POST
def on_call_create(request):
    member = _logging_member(request)
    form = OnCallForm(request.POST, member=member)
    if form.is_valid():
        try:
            shift = team_services.on_call_create(member=member, **form.cleaned_data)
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "On-call shift recorded.")
            return redirect(_week_url(shift.first_local_date))
    return _render_week(request, member, monday_of(member.today()), on_call_form=form)


@login_required
@require_POST
def on_call_delete(request, pk: int):
    member = _logging_member(request)
    shift = get_object_or_404(
        OnCallShift.objects.for_user(request.user).filter(member=member), pk=pk
    )
    day = shift.first_local_date
    team_services.on_call_delete(shift=shift)
    messages.success(request, "On-call shift removed.")
    return redirect(_week_url(day))


@login_required
def pulse(request):
    """The weekly pulse: seven CBI questions, every item optional, answers seen by you alone."""
    member = roles_for(request.user).member
    if member is None:
        raise PermissionDenied("The pulse is for members.")
    weeks = open_weeks(member)
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and "share" in request.POST:
        share = request.POST.get("share") == "on"
        team_services.member_set_share_pulse(member=member, share=share)
        messages.success(
            request,
            "Your leader now sees your pulse-based score."
            if share
            else "Your pulse-based score is private again.",
        )
        return redirect("pulse")
    if request.method == "POST":
        try:
            week = dt.date.fromisoformat(request.POST.get("week", ""))
        except ValueError:
            week = None
            errors["week"] = ["Choose a week."]
        answers: list = []
        allowed = {str(value): value for value in PULSE_VALUES}
        for i in range(len(QUESTIONS)):
            raw = request.POST.get(f"q{i + 1}", "")
            if raw and raw not in allowed:
                errors["answers"] = ["Each answer is 0, 25, 50, 75, 100 or null."]
            answers.append(allowed.get(raw))
        if not errors:
            try:
                response = pulse_submit(member=member, answers=answers, week=week)
            except DomainError as exc:
                errors = exc.errors
            else:
                score = burnout.cbi_score(response.answers)
                messages.success(
                    request,
                    f"Pulse saved for the week of {response.week:%d %b}."
                    + (f" Your score: {burnout.round_half_up(score)}." if score is not None
                       else " Answer at least 4 items for a score."),
                )  # fmt: skip
                return redirect(f"{reverse('pulse')}?week={response.week:%Y-%m-%d}")
    try:
        selected = dt.date.fromisoformat(request.GET.get("week", "") or request.POST.get("week"))
    except (TypeError, ValueError):
        selected = weeks[0]
    if selected not in weeks:
        selected = weeks[0]
    history = list(PulseResponse.objects.for_user(request.user).filter(week__in=weeks))
    current = next((p for p in history if p.week == selected), None)
    chosen = (
        [request.POST.get(f"q{i + 1}", "") for i in range(len(QUESTIONS))]
        if request.method == "POST"
        else [("" if a is None else str(a)) for a in (current.answers if current else [None] * 7)]
    )
    items = [
        {"number": i + 1, "text": text, "labels": LABELS[i], "chosen": chosen[i]}
        for i, text in enumerate(QUESTIONS)
    ]
    return render(
        request,
        "workload/pulse.html",
        {
            "member": member,
            "weeks": weeks,
            "selected": selected,
            "items": items,
            "errors": errors,
            "history": [
                {
                    "week": p.week,
                    "score": burnout.round_half_up(burnout.cbi_score(p.answers)),
                    "answered": sum(a is not None for a in p.answers),
                }
                for p in history
            ],  # fmt: skip
            "editing": current is not None,
        },
    )
