from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from socialops.common.fields import BoundedFormDateField
from teams.models import Channel, Member
from workload.duration import DurationError, parse_duration
from workload.models import Category


class TaskLogForm(forms.Form):
    """One short form: the duration as typed (90, 1h30, 1:30, 1.5h), the rest optional."""

    date = BoundedFormDateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    duration = forms.CharField(
        label=_("Duration"),
        max_length=32,
        help_text=_("90, 90m, 1h30, 1:30 or 1.5h"),
        widget=forms.TextInput(
            attrs={"placeholder": "1h30", "autocomplete": "off", "inputmode": "text", "size": 6}
        ),
    )
    started_at = forms.TimeField(
        label=_("Start time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("Choose…")), *Category.choices]
    )
    channel = forms.ModelChoiceField(
        label=_("Channel"),
        queryset=Channel.objects.none(),
        required=False,
        empty_label=_("No channel"),
    )
    messages_handled = forms.IntegerField(
        label=_("Messages"), min_value=0, max_value=100_000, required=False, initial=0
    )
    hostile_messages = forms.IntegerField(
        label=_("Hostile"),
        min_value=0,
        max_value=100_000,
        required=False,
        help_text=_("Leave empty if you did not count them."),
    )
    crisis = forms.BooleanField(label=_("Crisis"), required=False)
    note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Optional note")}),
    )

    def __init__(self, *args, member: Member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member
        self.fields["date"].widget.attrs["max"] = member.today().isoformat()  # no future days
        if member.team_id is not None:  # without a team the choices stay empty (none())
            channel = cast(forms.ModelChoiceField, self.fields["channel"])
            channel.queryset = Channel.objects.filter(team_id=member.team_id)

    def clean_duration(self):
        try:
            minutes = parse_duration(self.cleaned_data["duration"])
        except DurationError as exc:
            raise forms.ValidationError(str(exc)) from exc
        if not 1 <= minutes <= 1440:
            raise forms.ValidationError(
                _("An entry lasts from 1 minute to 24 hours (1440 minutes).")
            )
        return minutes

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        data["minutes"] = data.pop("duration")
        data["messages_handled"] = data.get("messages_handled") or 0
        return data
