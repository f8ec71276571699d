"""The weekly pulse over the JSON API (docs/api.md): yours alone, to write and to read."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from socialops.common.fields import BoundedDateField, BoundedModelSerializer
from teams.viewsets import ListRetrieveViewSet, OwnMemberField, ServiceCreateMixin
from workload import burnout
from workload.models import PulseResponse
from workload.services.pulse import pulse_submit


class PulseSerializer(BoundedModelSerializer):
    member = OwnMemberField(required=False)
    week = BoundedDateField(required=False)
    answers = serializers.ListField(
        child=serializers.IntegerField(allow_null=True), min_length=7, max_length=7
    )
    score = serializers.SerializerMethodField()

    class Meta:
        model = PulseResponse
        fields = ["id", "member", "week", "answers", "score"]
        validators: list[Any] = []  # answering a week again replaces it (the service's upsert)

    def get_score(self, pulse) -> float | None:
        return burnout.round_half_up(burnout.cbi_score(pulse.answers))


class PulseViewSet(ServiceCreateMixin, ListRetrieveViewSet):
    """Your weekly pulse. Raw answers are yours alone: nobody else can read them here."""

    model = PulseResponse
    serializer_class = PulseSerializer
    http_method_names = ["get", "post", "head", "options"]

    def can_create(self, roles):
        return roles.member is not None

    def service_create(self, values):
        claimed = values.pop("member", None)
        member = self.roles.member
        if claimed is not None and claimed != member.pk:
            raise ValidationError({"member": [_("You can only answer your own pulse.")]})
        return pulse_submit(member=member, answers=values["answers"], week=values.get("week"))
