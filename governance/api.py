"""Grants, revocation, offboarding, rotations, checklists, health and the audit log over the
JSON API (api.md)."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from governance import services
from governance.models import AccessGrant, ChecklistItem, CredentialRotation
from governance.selectors import governance_health
from socialops.audit.models import AuditEvent
from socialops.common.api import ListRetrieveViewSet, ScopedViewSet
from teams.models import Channel, Member
from teams.selectors import roles_for


class GrantSerializer(serializers.ModelSerializer):
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
        validators = []  # one open grant per pair: the service answers 409


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class GrantFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=[(s, s) for s in ("pending", "active", "expired", "revoked")],
        method="filter_status",
    )

    class Meta:
        model = AccessGrant
        fields = ["member", "channel", "role", "status"]

    def filter_status(self, queryset, name, value):
        from django.db.models import Q
        from django.utils import timezone

        now = timezone.now()
        expired = Q(expires_at__lte=now) | Q(revoke_reason=services.SYSTEM_EXPIRED)
        return {
            "revoked": queryset.filter(revoked_at__isnull=False).exclude(
                revoke_reason=services.SYSTEM_EXPIRED
            ),
            "expired": queryset.filter(expired),
            "pending": queryset.filter(approved_at__isnull=True, revoked_at__isnull=True).exclude(
                expires_at__lte=now
            ),
            "active": queryset.effective_at(now),
        }[value]


class GrantViewSet(mixins.CreateModelMixin, ListRetrieveViewSet):
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

    def create(self, request):
        self.check_create()
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        grant = services.grant_create(actor=self.roles.member, **ser.validated_data)
        return Response(self.get_serializer(grant).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=GrantSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        grant = services.grant_approve(grant=self.get_object(), actor=self.roles.member)
        return Response(self.get_serializer(grant).data)

    @extend_schema(request=ReasonSerializer, responses=GrantSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        grant = self.get_object()
        ser = ReasonSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        grant = services.grant_revoke(
            grant=grant, actor=self.roles.member, reason=ser.validated_data["reason"]
        )
        return Response(self.get_serializer(grant).data)


class OffboardSerializer(serializers.Serializer):
    ended_on = serializers.DateField()
    reason = serializers.CharField(max_length=500)
    successor = serializers.PrimaryKeyRelatedField(
        queryset=Member.objects.all(), required=False, allow_null=True
    )


OffboardResult = inline_serializer(
    "OffboardResult",
    {
        "revoked_grants": serializers.IntegerField(),
        "rotations_created": serializers.IntegerField(),
        "channels_reassigned": serializers.IntegerField(),
    },
)


class AdminOnlyViewSet(ScopedViewSet):
    """Governance records only admins handle: anyone else finds nothing here (404)."""

    def get_queryset(self):
        if not self.roles.is_admin:
            return self.model.objects.none()
        return self.model.objects.all()

    def can_change(self, roles, obj):
        return roles.is_admin


class RotationSerializer(serializers.ModelSerializer):
    rotated = serializers.BooleanField(write_only=True, required=False)

    class Meta:
        model = CredentialRotation
        fields = ["id", "channel", "member", "reason", "required_since", "rotated_at",
                  "rotated_by", "rotated"]  # fmt: skip
        read_only_fields = ["channel", "member", "reason", "required_since", "rotated_at",
                            "rotated_by"]  # fmt: skip


class RotationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AdminOnlyViewSet):
    """Shared-credential rotations. PATCH `{"rotated": true}` confirms one (not by the person
    who knew the credential)."""

    model = CredentialRotation
    serializer_class = RotationSerializer
    filterset_fields = ["channel", "member"]
    http_method_names = ["get", "patch", "head", "options"]

    def partial_update(self, request, pk=None):
        rotation = self.get_object()
        ser = self.get_serializer(rotation, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        if ser.validated_data.get("rotated") is not True:
            raise serializers.ValidationError({"rotated": ["Send true to confirm the rotation."]})
        rotation = services.rotation_confirm(rotation=rotation, actor=self.roles.member)
        return Response(self.get_serializer(rotation).data)


class ChecklistSerializer(serializers.ModelSerializer):
    confirmed = serializers.BooleanField(write_only=True, required=False)

    class Meta:
        model = ChecklistItem
        fields = ["id", "offboarding", "grant", "channel", "member", "layer", "created_at",
                  "confirmed_at", "confirmed_by", "confirmed"]  # fmt: skip
        read_only_fields = ["offboarding", "grant", "channel", "member", "layer", "created_at",
                            "confirmed_at", "confirmed_by"]  # fmt: skip


class ChecklistViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AdminOnlyViewSet):
    """Offboarding and revocation checklists. PATCH `{"confirmed": true}` confirms an item."""

    model = ChecklistItem
    serializer_class = ChecklistSerializer
    filterset_fields = ["offboarding", "member", "channel", "layer"]
    http_method_names = ["get", "patch", "head", "options"]

    def partial_update(self, request, pk=None):
        item = self.get_object()
        ser = self.get_serializer(item, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        if ser.validated_data.get("confirmed") is not True:
            raise serializers.ValidationError({"confirmed": ["Send true to confirm the item."]})
        item = services.checklist_confirm(item=item, actor=self.roles.member)
        return Response(self.get_serializer(item).data)


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_display")

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "actor", "action", "target_type", "target_id", "data", "hash",
                  "prev_hash"]  # fmt: skip


class AuditFilter(django_filters.FilterSet):
    at = django_filters.IsoDateTimeFromToRangeFilter()  # ?at_after=&at_before=

    class Meta:
        model = AuditEvent
        fields = ["action", "target_type", "target_id", "at"]


class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AdminOnlyViewSet):
    """The audit log, read-only, for admins."""

    model = AuditEvent
    serializer_class = AuditEventSerializer
    filterset_class = AuditFilter

    def get_queryset(self):
        return super().get_queryset().order_by("-pk")


def _brief(channel: Channel) -> dict:
    return {"id": channel.pk, "name": channel.name, "platform": channel.platform,
            "handle": channel.handle, "team": channel.team_id}  # fmt: skip


def _grant_brief(grant: AccessGrant) -> dict:
    return {"id": grant.pk, "member": grant.member_id, "member_name": grant.member.full_name,
            "member_status": grant.member.status, "channel": _brief(grant.channel),
            "role": grant.role}  # fmt: skip


class HealthView(APIView):
    """Governance health: admins all teams; leaders the teams they lead."""

    @extend_schema(responses=inline_serializer("GovernanceHealth", {
        "backup_gaps": serializers.ListField(), "absent_holders": serializers.ListField(),
        "dormant_grants": serializers.ListField(), "overdue_rotations": serializers.ListField(),
        "unowned_channels": serializers.ListField()}))  # fmt: skip
    def get(self, request):
        roles = roles_for(request.user)
        if not (roles.is_admin or roles.led_team_ids):
            raise PermissionDenied("Governance health is for admins and leaders.")
        health = governance_health(team_ids=None if roles.is_admin else roles.led_team_ids)
        return Response({
            "backup_gaps": [{"channel": _brief(g["channel"]), "actors": g["actors"],
                             "min_backup": g["min_backup"]} for g in health["backup_gaps"]],
            "absent_holders": [_grant_brief(g) for g in health["absent_holders"]],
            "dormant_grants": [_grant_brief(g) for g in health["dormant_grants"]],
            "overdue_rotations": [{"id": r.pk, "channel": _brief(r.channel),
                                   "required_since": r.required_since}
                                  for r in health["overdue_rotations"]],
            "unowned_channels": [_brief(c) for c in health["unowned_channels"]],
        })  # fmt: skip
