from __future__ import annotations

import datetime as dt
from typing import cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from socialops.common.fields import BoundedFormDateField, BoundedFormDateTimeField
from teams.models import Channel, Leave, Member


class LeaveForm(forms.Form):
    start_date = BoundedFormDateField(
        label=gettext_lazy("Start date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end_date = BoundedFormDateField(
        label=gettext_lazy("End date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=Leave.Kind.choices, initial=Leave.Kind.VACATION
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("Leave cannot end before it starts."))
        return data


class OnCallForm(forms.Form):
    """Start and end in the member's own time zone; stored as instants."""

    starts_at = BoundedFormDateTimeField(
        label=gettext_lazy("Starts"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = BoundedFormDateTimeField(
        label=gettext_lazy("Ends"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    channel = forms.ModelChoiceField(
        label=gettext_lazy("Channel"),
        queryset=Channel.objects.none(),
        required=False,
        empty_label=gettext_lazy("No channel"),
    )

    def __init__(self, *args, member: Member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member
        if member.team_id is not None:  # without a team the choices stay empty (none())
            channel = cast(forms.ModelChoiceField, self.fields["channel"])
            channel.queryset = Channel.objects.filter(team_id=member.team_id)

    def _aware(self, value: dt.datetime) -> dt.datetime:
        return value.replace(tzinfo=self.member.tz) if value.tzinfo is None else value

    def clean_starts_at(self):
        return self._aware(self.cleaned_data["starts_at"].replace(tzinfo=None))

    def clean_ends_at(self):
        return self._aware(self.cleaned_data["ends_at"].replace(tzinfo=None))
