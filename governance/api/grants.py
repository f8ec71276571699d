"""Access grants over the JSON API (docs/api.md): create, approve, revoke; the status filter
is `AccessGrant.objects.with_status`."""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from governance import services
from governance.models import GRANT_STATUSES, AccessGrant
from socialops.common.fields import BoundedModelSerializer
from socialops.common.filters import IdFilterSet
from teams.models import Channel, Member
from teams.viewsets import ListRetrieveViewSet, ServiceCreateMixin


class GrantSerializer(BoundedModelSerializer):
    member = serializers.PrimaryKeyRelatedField(queryset=Member.objects.all())
    channel = serializers.PrimaryKeyRelatedField(queryset=Channel.objects.all())
    status = serializers.CharField(read_only=True)
    justification = serializers.CharField(max_length=1000)

    class Meta:
        model = AccessGrant
        fields = [
            "id", "member", "channel", "role", "shared_credential", "vault_reference",
            "justification", "granted_by", "granted_at", "expires_at", "revoked_at",
            "revoked_by", "revoke_reason", "approved_by", "approved_at", "status",
        ]  # fmt: skip
        read_only_fields = [
            "granted_by", "granted_at", "revoked_at", "revoked_by", "revoke_reason",
            "approved_by", "approved_at",
        ]  # fmt: skip
        validators: list[Any] = []  # one open grant per pair: the service answers 409


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
    accept_gaps = serializers.BooleanField(
        required=False, default=False,
        help_text="Go ahead although the channel would be left without anyone able to act.",
    )  # fmt: skip


class GrantFilter(IdFilterSet):
    status = django_filters.ChoiceFilter(
        choices=[(s, s) for s in GRANT_STATUSES],
        method="filter_status",
    )

    class Meta:
        model = AccessGrant
        fields = ["member", "channel", "role", "status"]

    def filter_status(self, queryset, name, value):
        return queryset.with_status(value)


class GrantViewSet(ServiceCreateMixin, ListRetrieveViewSet):
    """Access grants: admins all and write; leaders read grants on their teams' channels;
    members read their own."""

    model = AccessGrant
    serializer_class = GrantSerializer
    filterset_class = GrantFilter
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().select_related("channel").order_by("-granted_at", "-pk")

    def can_create(self, roles):
        return roles.is_admin

    def can_change(self, roles, obj):
        return roles.is_admin

    def service_create(self, values):
        return services.grant_create(actor=self.roles.member, **values)

    @extend_schema(request=None, responses=GrantSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None, **kwargs):
        grant = services.grant_approve(grant=self.get_object(), actor=self.roles.member)
        return Response(self.get_serializer(grant).data)

    @extend_schema(request=ReasonSerializer, responses=GrantSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None, **kwargs):
        grant = self.get_object()
        ser = ReasonSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        grant = services.grant_revoke(grant=grant, actor=self.roles.member, **ser.validated_data)
        return Response(self.get_serializer(grant).data)
