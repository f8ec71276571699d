"""A person's own data over the JSON API (docs/privacy.md "Your data"): GET /api/v1/me/export/
downloads everything about the caller; POST /api/v1/members/<id>/erase/ pseudonymises a
departed member (admin only)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from teams.models import Member, roles_for
from workload.services import personal_data


class MyDataExportView(APIView):
    """GET: all of the caller's own data as one JSON file (member record, task logs, leave,
    on-call shifts, pulse answers, scores, timer, grants held, offboarding, and the audit
    events by them or about them). There is no id: nobody exports someone else's data.
    404 without a member record."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        member = roles_for(request.user).member
        if member is None:
            raise NotFound(_("You have no member record."))
        data = personal_data.personal_data_export(member)
        day = timezone.now().date().isoformat()
        response = Response(data)
        response["Content-Disposition"] = f'attachment; filename="my-socialops-data-{day}.json"'
        response["Cache-Control"] = "no-store"
        return response


EraseResult = inline_serializer(
    "EraseResult",
    {
        "member": serializers.IntegerField(),
        "already_erased": serializers.BooleanField(),
        "task_log_notes": serializers.IntegerField(required=False),
        "pulse_responses": serializers.IntegerField(required=False),
        "scores_pulse_cleared": serializers.IntegerField(required=False),
        "sick_leave_recoded": serializers.IntegerField(required=False),
        "timers": serializers.IntegerField(required=False),
        "offboarding_reasons": serializers.IntegerField(required=False),
        "grant_reasons": serializers.IntegerField(required=False),
        "rotation_reasons": serializers.IntegerField(required=False),
    },
)


class MemberEraseView(APIView):
    """POST: erase a departed member's personal data (pseudonymised, not deleted). 200 with
    what changed; 200 `already_erased` again (nothing recorded); 409 unless departed; 403
    for anyone but an admin; 404 out of scope."""

    @extend_schema(request=None, responses={200: EraseResult})
    def post(self, request: Request, pk: int) -> Response:
        actor = roles_for(request.user).member
        member = get_object_or_404(Member.objects.for_user(request.user), pk=pk)
        if actor is None or not actor.role_admin:
            raise PermissionDenied(_("Your role may not change this."))
        result = personal_data.member_erase(member=member, actor=actor)
        response = Response(result)
        response["Cache-Control"] = "no-store"
        return response
