"""The timer card of My week (docs/timer.md): start, stop and discard post here, call the
timer services and go back to My week, where a refusal shows as a message."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from socialops.common.pages import button_action
from teams.models import Channel, Member
from workload.dates import day_label
from workload.duration import format_duration
from workload.hours import monday_of
from workload.models import Category
from workload.services import timer as timers

# The one rule of who may use My week, shared with the page the card sits on.
from workload.views.my_week import _logging_member


class TimerStartForm(forms.Form):
    category = forms.ChoiceField(
        label=gettext_lazy("Category"),
        choices=[("", gettext_lazy("Choose later")), *Category.choices],
        required=False,
    )
    channel = forms.ModelChoiceField(
        label=gettext_lazy("Channel"),
        queryset=Channel.objects.none(),
        required=False,
        empty_label=gettext_lazy("No channel"),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=2000,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Optional note")}),
    )

    def __init__(self, *args, member: Member, **kwargs):
        super().__init__(*args, **kwargs)
        if member.team_id is not None:
            channel = cast(forms.ModelChoiceField, self.fields["channel"])
            channel.queryset = Channel.objects.filter(team_id=member.team_id)


class TimerStopForm(TimerStartForm):
    messages_handled = forms.IntegerField(
        label=gettext_lazy("Messages"), min_value=0, max_value=100_000, required=False
    )
    hostile_messages = forms.IntegerField(
        label=gettext_lazy("Hostile"),
        min_value=0,
        max_value=100_000,
        required=False,
        help_text=gettext_lazy("Leave empty if you did not count them."),
    )
    crisis = forms.BooleanField(label=gettext_lazy("Crisis"), required=False)

    def service_values(self) -> dict:
        """Only what the person filled in overrides the timer's own values."""
        data = self.cleaned_data
        values = {name: data[name] for name in ("category", "channel", "note") if data.get(name)}
        for name in ("messages_handled", "hostile_messages"):
            if data.get(name) is not None:
                values[name] = data[name]
        values["crisis"] = bool(data.get("crisis"))
        return values


def _both(days: list[str]) -> str:
    """One or two days (a timer run is under 24 hours, so it spans at most two dates)."""
    if len(days) == 1:
        return days[0]
    return _("%(first)s and %(second)s") % {"first": days[0], "second": days[-1]}


def _card_url() -> str:
    return f"{reverse('my-week')}#timer"


def _form_refused(request: HttpRequest, refused: str, form: forms.Form) -> HttpResponse:
    parts = []
    for name, msgs in form.errors.items():
        label = (form.fields[name].label or name.capitalize()) if name in form.fields else ""
        text = " ".join(str(msg) for msg in msgs)
        parts.append(f"{label}: {text}" if label else text)
    messages.error(request, f"{refused}: {'; '.join(parts)}")  # words already translated
    return redirect(_card_url())


@login_required
@require_POST
def timer_start(request: HttpRequest) -> HttpResponse:
    member = _logging_member(request)
    form = TimerStartForm(request.POST, member=member)
    if not form.is_valid():
        return _form_refused(request, _("Timer not started"), form)
    button_action(
        request,
        lambda: timers.timer_start(member=member, **form.cleaned_data),
        done=lambda timer: _("Timer started."),
        refused=_("Timer not started"),
    )
    return redirect(_card_url())


@login_required
@require_POST
def timer_stop(request: HttpRequest) -> HttpResponse:
    member = _logging_member(request)
    form = TimerStopForm(request.POST, member=member)
    if not form.is_valid():
        return _form_refused(request, _("Timer not stopped"), form)
    today = member.today()
    logs = button_action(
        request,
        lambda: timers.timer_stop(member=member, **form.service_values()),
        done=lambda logs: (
            _("Logged %(duration)s of %(category)s from the timer, %(days)s.")
            % {
                "duration": format_duration(sum(log.minutes for log in logs)),
                "category": logs[0].get_category_display(),
                "days": _both([day_label(log.date, today) for log in logs]),
            }
        ),
        refused=_("Timer not stopped"),
    )
    if logs:
        return redirect(f"{reverse('my-week')}?week={monday_of(logs[-1].date):%Y-%m-%d}")
    return redirect(_card_url())


@login_required
@require_POST
def timer_discard(request: HttpRequest) -> HttpResponse:
    member = _logging_member(request)
    button_action(
        request,
        lambda: timers.timer_discard(member=member),
        done=lambda _done: _("Timer discarded; nothing was logged."),
        refused=_("Nothing discarded"),
    )
    return redirect(_card_url())
