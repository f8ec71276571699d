"""Forms of the governance pages: they translate input; the services decide."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from governance.models import AccessGrant
from socialops.common.fields import BoundedFormDateField, BoundedFormDateTimeField
from teams.models import Channel, Member

GRANT_STATUSES = [
    ("", _("Any status")),
    ("open", _("Open (pending or active)")),
    ("pending", _("Pending")),
    ("active", _("Active")),
    ("expired", _("Expired")),
    ("revoked", _("Revoked")),
]


class ChannelChoiceField(forms.ModelChoiceField):
    """Channels named by their label ("X @HalcyonHelp") with their team: display names
    repeat across platforms, and the team tells a reader which desk the channel is."""

    def label_from_instance(self, obj: Channel) -> str:
        return f"{obj.label} ({obj.team.name})"


def _channels(user):
    return (
        Channel.objects.for_user(user)
        .select_related("team")
        .order_by("team__name", "platform", "handle")
    )


class GrantFilterForm(forms.Form):
    """The GET filters of the grants list; an invalid value is reported and ignored."""

    channel = ChannelChoiceField(
        queryset=Channel.objects.none(),
        required=False,
        empty_label=_("All channels"),
        label=_("Channel"),
    )
    member = forms.ModelChoiceField(
        queryset=Member.objects.none(),
        required=False,
        empty_label=_("All members"),
        label=_("Member"),
    )
    status = forms.ChoiceField(choices=GRANT_STATUSES, required=False, label=_("Status"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = _channels(user)
        # Departed members stay listed: their closed grants are part of the record.
        self.fields["member"].queryset = Member.objects.for_user(user).order_by("full_name")


class GrantForm(forms.Form):
    member = forms.ModelChoiceField(
        queryset=Member.objects.none(), empty_label=_("Choose…"), label=_("Member")
    )
    channel = ChannelChoiceField(
        queryset=Channel.objects.none(), empty_label=_("Choose…"), label=_("Channel")
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("", _("Choose…")), *AccessGrant.Role.choices],
        help_text=_("Owner and admin wait for a second admin's approval."),
    )
    justification = forms.CharField(
        label=_("Justification"),
        max_length=1000,
        widget=forms.TextInput(attrs={"placeholder": _("Why is this needed?")}),
    )
    expires_at = BoundedFormDateTimeField(
        label=_("Expires"),
        required=False,
        help_text=_("Optional; in your time zone."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    shared_credential = forms.BooleanField(label=_("Shared credential"), required=False)
    vault_reference = forms.CharField(
        label=_("Vault reference"),
        max_length=200,
        required=False,
        help_text=_("Where the secret lives, never the secret."),
        widget=forms.TextInput(attrs={"placeholder": "1Password: Brand IG"}),
    )

    def __init__(self, *args, user, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (
            Member.objects.for_user(user)
            .employed_on(today)
            .exclude(status=Member.Status.DEPARTED)
            .order_by("full_name")
        )
        self.fields["channel"].queryset = _channels(user)


class CoverageGapsMixin:
    """A form whose change may leave channels without anyone able to act: the coverage guard
    refuses it (docs/governance.md) until the person ticks `accept_gaps`, whose label names
    the channels."""

    fields: dict

    def ask_to_accept(self, gaps: list[dict]) -> None:
        labels = ", ".join(g["label"] for g in gaps)
        field = self.fields["accept_gaps"]
        field.label = gettext("I accept that %(channels)s will have nobody able to act") % {
            "channels": labels
        }
        field.widget.attrs["aria-describedby"] = "coverage-gaps"
        self.gaps = gaps


def accept_gaps_field() -> forms.BooleanField:
    return forms.BooleanField(required=False, label=_("I accept the coverage gaps listed above"))


class RevokeForm(CoverageGapsMixin, forms.Form):
    # A single revoke's reason; offboardings keep longer ones.
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. moved to another team")}),
        error_messages={"required": _("Say why the access is revoked.")},
    )
    accept_gaps = accept_gaps_field()


class SuccessorChoiceField(forms.ModelChoiceField):
    """People named with their team, and "other team" when it is not the leaver's:
    cross-team cover is allowed and shown as such."""

    leaver_team_id: int | None = None

    def label_from_instance(self, obj: Member) -> str:
        team = obj.team.name if obj.team is not None else gettext("no team")
        words = {"name": obj.full_name, "team": team}
        if obj.team_id != self.leaver_team_id:
            return gettext("%(name)s (%(team)s · other team)") % words
        return gettext("%(name)s (%(team)s)") % words


class OffboardForm(CoverageGapsMixin, forms.Form):
    ended_on = BoundedFormDateField(
        label=_("Last day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "Today or earlier offboards now; a later day schedules it for the end of "
            "that day in the leaver's time zone."
        ),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. resigned")}),
        error_messages={"required": _("Say why the member leaves.")},
    )
    successor = SuccessorChoiceField(
        queryset=Member.objects.none(),
        required=False,
        label=_("Successor"),
        empty_label=_("No successor"),
        help_text=_("Takes over ownership of the channels the leaver owns (not their grants)."),
    )
    accept_gaps = accept_gaps_field()

    def __init__(self, *args, user, leaver: Member, owned_count: int, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.leaver = leaver
        self.owned_count = owned_count
        successor = cast(SuccessorChoiceField, self.fields["successor"])
        successor.leaver_team_id = leaver.team_id
        # The service checks the rest (employed after the last day, not leaving first).
        successor.queryset = (
            Member.objects.for_user(user)
            .employed_on(today)
            .filter(status=Member.Status.ACTIVE)
            .exclude(pk=leaver.pk)
            .select_related("team")
            .order_by("full_name")
        )
        if owned_count:
            successor.required = True
            successor.empty_label = gettext("Choose…")
            successor.error_messages["required"] = ngettext(
                "%(member)s owns %(n)s channel(s): name a successor to hand them to.",
                "%(member)s owns %(n)s channel(s): name a successor to hand them to.",
                owned_count,
            ) % {"member": leaver, "n": owned_count}
