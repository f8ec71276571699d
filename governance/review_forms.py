"""Forms of the access review pages: they translate input; governance.reviews decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from governance.models import AccessReviewItem
from socialops.common.fields import BoundedFormDateField
from teams.models import Channel, Team

SCOPE_ALL = "all"
SCOPE_CHOSEN = "chosen"


class ChannelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Channels named by their label with their team ("Instagram @halcyonhelp (Community)"):
    display names repeat across platforms, and the team tells a reader which desk it is."""

    def label_from_instance(self, obj: Channel) -> str:
        return f"{obj.label} ({obj.team.name})"


class ReviewCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("Q3 access review")}),
    )
    deadline = BoundedFormDateField(
        label=_("Due date"),
        help_text=_("Items still open after this day are overdue."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    auto_revoke = forms.BooleanField(
        label=_("Revoke what is still undecided after the due date"),
        required=False,
        help_text=_("The system revokes overdue items the day after the due date."),
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=[
            (SCOPE_ALL, _("Every channel")),
            (SCOPE_CHOSEN, _("Only the teams and channels ticked below")),
        ],
        initial=SCOPE_ALL,
        widget=forms.RadioSelect,
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    channels = ChannelMultipleChoiceField(
        label=_("Channels"),
        queryset=Channel.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    # The service names the scope lists as the API does.
    aliases = {"team_ids": "teams", "channel_ids": "channels"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = Team.objects.order_by("name")
        self.fields["channels"].queryset = Channel.objects.select_related("team").order_by(
            "team__name", "platform", "handle"
        )

    def service_values(self) -> dict:
        """The review_create arguments: no lists for every channel; the ticked ones (an empty
        team list when nothing is ticked, which the service refuses) for a chosen scope."""
        data = self.cleaned_data
        values = {k: data[k] for k in ("name", "deadline", "auto_revoke")}
        if data["scope"] == SCOPE_CHOSEN:
            teams = [t.pk for t in data["teams"]]
            channels = [c.pk for c in data["channels"]]
            values["team_ids"] = teams or (None if channels else [])
            values["channel_ids"] = channels or None
        return values


class DecisionForm(forms.Form):
    """One decision from "My reviews": which item, keep or revoke, why, and the explicit
    acceptance of coverage gaps after the guard named them."""

    item = forms.IntegerField(min_value=1, widget=forms.HiddenInput, label=_("Item"))
    decision = forms.ChoiceField(choices=AccessReviewItem.Decision.choices, label=_("Decision"))
    reason = forms.CharField(max_length=200, required=False, label=_("Reason"))
    accept_gaps = forms.BooleanField(required=False, label=_("Accept gaps"))
