"""Offboarding over the JSON API (docs/api.md): the offboard action on a member, and the
follow-up an admin confirms (credential rotations, checklist items)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from governance import services
from governance.models import ChecklistItem, CredentialRotation
from socialops.common.fields import BoundedDateField, BoundedDateTimeField, BoundedModelSerializer
from teams.models import Member, roles_for
from teams.viewsets import AdminOnlyViewSet, ServiceUpdateMixin


class OffboardSerializer(serializers.Serializer):
    ended_on = BoundedDateField(help_text="The leaver's last working day.")
    reason = serializers.CharField(max_length=500)
    successor = serializers.PrimaryKeyRelatedField(
        queryset=Member.objects.all(), required=False, allow_null=True
    )
    accept_gaps = serializers.BooleanField(
        required=False, default=False,
        help_text="Go ahead although channels would be left without anyone able to act.",
    )  # fmt: skip

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:  # a successor outside the caller's scope is "not found"
            field = self.fields["successor"]
            field.queryset = Member.objects.for_user(user)


OffboardResult = inline_serializer(
    "OffboardResult",
    {
        "revoked_grants": serializers.IntegerField(),
        "rotations_created": serializers.IntegerField(),
        "channels_reassigned": serializers.IntegerField(),
    },
)
ScheduledResult = inline_serializer("OffboardScheduled", {"scheduled_for": BoundedDateTimeField()})
GapsResult = inline_serializer(
    "CoverageGaps",
    {"channels_without_actor": inline_serializer(
        "ChannelWithoutActor", {"id": serializers.IntegerField(), "label": serializers.CharField()},
        many=True,
    )},
)  # fmt: skip


class MemberOffboardView(APIView):
    """POST /api/v1/members/<id>/offboard/: offboard a leaver (docs/governance.md). A last day
    of today or earlier revokes everything now (200, idempotent); a later one schedules it
    (202 `{scheduled_for}`; a new POST replaces the schedule). DELETE cancels a scheduled
    offboarding (204; 409 once it ran). The member comes through the members door (404 out
    of scope); anyone but an admin gets 403."""

    def _admin(self, request: Request, pk: int) -> tuple[Member, Member]:
        actor = roles_for(request.user).member
        member = get_object_or_404(Member.objects.for_user(request.user), pk=pk)
        if actor is None or not actor.role_admin:
            raise PermissionDenied(_("Your role may not change this."))
        return actor, member

    @extend_schema(
        request=OffboardSerializer,
        responses={200: OffboardResult, 202: ScheduledResult, 409: GapsResult},
    )
    def post(self, request: Request, pk: int) -> Response:
        actor, member = self._admin(request, pk)
        ser = OffboardSerializer(data=request.data, user=request.user)
        ser.is_valid(raise_exception=True)
        result = services.member_offboard(member=member, actor=actor, **ser.validated_data)
        state = result.pop("state")
        if state == "scheduled":
            return Response(
                {"scheduled_for": result["scheduled_for"].isoformat()},
                status=status.HTTP_202_ACCEPTED,
            )
        return Response(result)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        actor, member = self._admin(request, pk)
        services.offboarding_cancel(member=member, actor=actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RotationSerializer(BoundedModelSerializer):
    rotated = serializers.BooleanField(write_only=True, required=False)

    class Meta:
        model = CredentialRotation
        fields = ["id", "channel", "member", "reason", "required_since", "rotated_at",
                  "rotated_by", "rotated"]  # fmt: skip
        read_only_fields = ["channel", "member", "reason", "required_since", "rotated_at",
                            "rotated_by"]  # fmt: skip


class RotationViewSet(
    ServiceUpdateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, AdminOnlyViewSet
):
    """Shared-credential rotations. PATCH `{"rotated": true}` confirms one (not by the person
    who knew the credential)."""

    model = CredentialRotation
    serializer_class = RotationSerializer
    filterset_fields = ["channel", "member"]
    http_method_names = ["get", "patch", "head", "options"]

    def service_update(self, record, values):
        if values.get("rotated") is not True:
            raise serializers.ValidationError(
                {"rotated": [_("Send true to confirm the rotation.")]}
            )
        return services.rotation_confirm(rotation=record, actor=self.roles.member)


class ChecklistSerializer(BoundedModelSerializer):
    confirmed = serializers.BooleanField(write_only=True, required=False)

    class Meta:
        model = ChecklistItem
        fields = ["id", "offboarding", "grant", "channel", "member", "layer", "created_at",
                  "confirmed_at", "confirmed_by", "confirmed"]  # fmt: skip
        read_only_fields = ["offboarding", "grant", "channel", "member", "layer", "created_at",
                            "confirmed_at", "confirmed_by"]  # fmt: skip


class ChecklistViewSet(
    ServiceUpdateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, AdminOnlyViewSet
):
    """Offboarding and revocation checklists. PATCH `{"confirmed": true}` confirms an item."""

    model = ChecklistItem
    serializer_class = ChecklistSerializer
    filterset_fields = ["offboarding", "member", "channel", "layer"]
    http_method_names = ["get", "patch", "head", "options"]

    def service_update(self, record, values):
        if values.get("confirmed") is not True:
            raise serializers.ValidationError({"confirmed": [_("Send true to confirm the item.")]})
        return services.checklist_confirm(item=record, actor=self.roles.member)
