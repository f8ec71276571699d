"""Governance health over the JSON API (docs/api.md): admins all teams, leaders theirs."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.models import AccessGrant
from governance.selectors import governance_health
from teams.models import Channel, roles_for


def _brief(channel: Channel) -> dict:
    return {"id": channel.pk, "label": channel.label, "name": channel.name,
            "platform": channel.platform, "handle": channel.handle,
            "team": channel.team_id}  # fmt: skip


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
            raise PermissionDenied(_("Governance health is for admins and leaders."))
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
