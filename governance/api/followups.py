"""Follow-ups over the JSON API (docs/api.md Additions): `GET /api/v1/follow-ups/`, every
checklist item and rotation not yet confirmed, oldest first; `POST
/api/v1/follow-ups/<key>/confirm/` confirms one. Admins only: anyone else finds nothing
(an empty list, 404 on a key)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from governance import followups, services
from governance.coverage import channel_ref
from governance.models import ChecklistItem, CredentialRotation
from socialops.common.fields import BoundedDateTimeField
from teams.models import Member, roles_for


class PersonRef(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="full_name")


ChannelRef = inline_serializer(
    "FollowUpChannel", {"id": serializers.IntegerField(), "label": serializers.CharField()}
)


class FollowUpSerializer(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.ChoiceField(choices=followups.KINDS)
    id = serializers.IntegerField()
    channel = serializers.SerializerMethodField()
    what = serializers.CharField()
    created_at = BoundedDateTimeField()
    member = PersonRef(allow_null=True)
    made_by = PersonRef(allow_null=True)
    offboarding = serializers.IntegerField(source="offboarding_id", allow_null=True)
    confirmed_at = BoundedDateTimeField(allow_null=True)
    confirmed_by = PersonRef(allow_null=True)
    who_may_confirm = PersonRef(many=True)

    @extend_schema(responses=ChannelRef)
    def get_channel(self, followup: followups.FollowUp) -> dict:
        return channel_ref(followup.channel)


class FollowUpViewSet(viewsets.GenericViewSet):
    """The follow-ups queue for admins; `confirm` by an admin who is neither the leaver (or
    grantee) nor the admin who made the change (409 otherwise)."""

    serializer_class = FollowUpSerializer
    # Two tables behind one queue: the schema reads the path's key from the serializer.
    queryset = ChecklistItem.objects.none()
    lookup_field = "key"
    lookup_value_regex = r"(checklist|rotation)-\d+"

    def _admin(self) -> Member | None:
        roles = roles_for(self.request.user)
        return roles.member if roles.is_admin else None

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        if self._admin() is None:
            keys = followups.open_followup_keys().none()
        else:
            keys = followups.open_followup_keys()
        page = self.paginate_queryset(keys)
        rows = followups.followups_load([(kind, pk) for kind, pk, _created in page or []])
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    @extend_schema(
        request=None,
        responses=FollowUpSerializer,
        parameters=[OpenApiParameter("key", str, OpenApiParameter.PATH,
                                     description="checklist-<id> or rotation-<id>")],
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, key: str | None = None, **kwargs: object) -> Response:
        actor = self._admin()
        parsed = followups.parse_key(key or "")
        if actor is None or parsed is None:
            raise Http404
        kind, pk = parsed
        if kind == "checklist":
            item = ChecklistItem.objects.filter(pk=pk).first()
            if item is None:
                raise Http404
            services.checklist_confirm(item=item, actor=actor)
        else:
            rotation = CredentialRotation.objects.filter(pk=pk).first()
            if rotation is None:
                raise Http404
            services.rotation_confirm(rotation=rotation, actor=actor)
        return Response(self.get_serializer(followups.followups_load([parsed])[0]).data)
