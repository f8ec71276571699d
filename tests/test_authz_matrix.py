"""The authorization matrix, exhaustive over URL patterns (issue 12, item 1).

`test_every_url_pattern_has_a_case` walks every pattern Django resolves (the pages, the DRF
router's routes and their format-suffix twins, the API views, the schema, the admin, SCIM when
present) and fails naming each pattern that has no case here: deny by default, a new endpoint
is a failing test until someone writes down who may call it.

The cases are a declarative table, `MATRIX`: pattern name → method → expected statuses, one
per role in `ROLES` order. For detail routes the statuses are given per object, named from the
`member` persona's point of view: `own` is theirs, `team` belongs to their team (their
teammate's; the leader leads that team), `foreign` to the other team (led by the foreign
leader). Out of scope is 404, visible but not allowed is 403, anonymous is 401 on the API and a
302 to the sign-in page on pages. Writes are sent with an empty body, so "allowed" shows as the
400 (or 409) of validation, or as the success of an action that needs no body; every case runs
in a savepoint rolled back afterwards, so cases never see each other's writes.

The Django admin is one generated family over `admin.site._registry` (`test_admin_family`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import (
    AccessGrantFactory,
    BurnoutScoreFactory,
    MemberFactory,
    TaskLogFactory,
)

pytestmark = pytest.mark.django_db

# The callers, in the order each status string lists them.
ROLES = ("anonymous", "member", "teammate", "leader", "foreign_leader", "admin")
DAY = dt.date(2026, 11, 2)
FORMAT = "[format]"  # marks a DRF format-suffix twin (`/teams.json`) in a pattern key


# ---------------------------------------------------------------------------------------------
# Enumerating the URL patterns
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    key: str  # "namespace:name", "name[format]" for a suffix twin, the route when unnamed
    route: str
    callback: Any


def _walk(resolver: URLResolver, prefix: str, namespace: str | None) -> list[Pattern]:
    found: list[Pattern] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            found += _walk(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            if entry.name:
                key = f"{namespace}:{entry.name}" if namespace else entry.name
                if "(?P<format>" in route or "<drf_format_suffix:format>" in route:
                    key += FORMAT
            else:
                key = route
            found.append(Pattern(key, route, entry.callback))
    return found


def all_patterns() -> list[Pattern]:
    return _walk(get_resolver(), "/", None)


def _is_admin(pattern: Pattern) -> bool:
    return pattern.route.startswith("/admin/")


def _drf_methods(callback) -> set[str] | None:
    """The HTTP methods a DRF view answers (None for a plain Django view)."""
    actions = getattr(callback, "actions", None)
    if actions:
        # DRF's as_view adds "head" to this shared mapping on the first request; HEAD is GET.
        return {method.upper() for method in actions if method not in ("head", "options")}
    cls = getattr(callback, "cls", None)
    if cls is None:
        return None
    return {
        method.upper()
        for method in cls.http_method_names
        if method not in ("head", "options", "trace") and hasattr(cls, method)
    }


# ---------------------------------------------------------------------------------------------
# The objects the cases act on
# ---------------------------------------------------------------------------------------------


class World:
    """The personas, a foreign leader, and for each kind of object one owned by the member
    (`own`), one in their team (`team`) and one in the other team (`foreign`), where the kind
    has such owners. Kinds with one object (the audit log, the outbox) use `any`."""

    def __init__(self, p):
        from django.contrib.auth import get_user_model

        from governance import reviews, services
        from governance.models import (
            AccessGrant,
            ChecklistItem,
            CredentialRotation,
            Offboarding,
            OutboxMessage,
        )
        from socialops.audit.models import AuditEvent
        from teams.models import Leave, OnCallShift
        from workload.models import PulseResponse, RecomputeJob

        self.p = p
        self.foreign_leader = MemberFactory(
            team=p.other_team, full_name="Fred Farleader", user__username="fred",
            role_member=False, role_leader=True,
        )  # fmt: skip
        p.other_team.leaders.add(self.foreign_leader)
        owners = {"own": p.member, "team": p.teammate, "foreign": p.foreigner}
        channels = {"own": p.channel, "team": p.channel, "foreign": p.other_channel}
        start = timezone.now() - dt.timedelta(days=3)
        monday = DAY - dt.timedelta(days=DAY.weekday())
        objects: dict[str, dict[str, Any]] = {}
        for scope, owner in owners.items():
            objects.setdefault("task-log", {})[scope] = TaskLogFactory(member=owner)
            objects.setdefault("leave", {})[scope] = Leave.objects.create(
                member=owner, start_date=DAY, end_date=DAY
            )
            objects.setdefault("on-call", {})[scope] = OnCallShift.objects.create(
                member=owner, starts_at=start, ends_at=start + dt.timedelta(hours=8),
                first_local_date=start.date(), last_local_date=start.date(),
            )  # fmt: skip
            objects.setdefault("pulse", {})[scope] = PulseResponse.objects.create(
                member=owner, week=monday, a1=50
            )
            objects.setdefault("score", {})[scope] = BurnoutScoreFactory(member=owner)
            objects.setdefault("grant", {})[scope] = AccessGrantFactory(
                member=owner, channel=channels[scope]
            )
            objects.setdefault("job", {})[scope] = RecomputeJob.objects.create(
                requested_by=owner.user, as_of=DAY, team_ids=[owner.team_id]
            )
            objects.setdefault("member", {})[scope] = owner
        from teams.tokens import issue_token

        objects["token"] = {s: issue_token(m.user, name="matrix")[0] for s, m in owners.items()}
        objects["team"] = {"own": p.team, "foreign": p.other_team}
        objects["channel"] = {"own": p.channel, "foreign": p.other_channel}

        # Leavers, offboarded yesterday: their offboardings, checklist items and rotations.
        leavers = {
            "team": MemberFactory(team=p.team, full_name="Lou Leaver", user__username="lou"),
            "foreign": MemberFactory(
                team=p.other_team, full_name="Flo Farleaver", user__username="flo"
            ),
        }
        for scope, leaver in leavers.items():
            AccessGrantFactory(
                member=leaver,
                channel=channels[scope],
                role=AccessGrant.Role.OWNER,
                shared_credential=True,
            )
            services.member_offboard(
                member=leaver, actor=p.admin, ended_on=timezone.localdate() - dt.timedelta(days=1),
                reason="left", accept_gaps=True,
            )  # fmt: skip
        objects["leaver"] = leavers
        objects["offboarding"] = {s: Offboarding.objects.get(member=m) for s, m in leavers.items()}
        objects["checklist-item"] = {
            s: ChecklistItem.objects.filter(offboarding__member=m).first()
            for s, m in leavers.items()
        }
        objects["credential-rotation"] = {
            s: CredentialRotation.objects.filter(member=m).first() for s, m in leavers.items()
        }
        objects["review"] = {
            "team": reviews.review_create(
                actor=p.admin, name="Community review", deadline=timezone.localdate(),
                team_ids=[p.team.pk],
            ),
            "foreign": reviews.review_create(
                actor=p.admin, name="Brand review", deadline=timezone.localdate(),
                team_ids=[p.other_team.pk],
            ),
        }  # fmt: skip
        objects["review-item"] = {s: r.items.first() for s, r in objects["review"].items()}
        objects["audit-event"] = {"any": AuditEvent.objects.order_by("pk").first()}
        objects["outbox"] = {
            "any": OutboxMessage.objects.create(topic="grant.revoked", dead_at=timezone.now())
        }
        self.objects = objects
        self.users = {
            "anonymous": None,
            "member": p.member.user,
            "teammate": p.teammate.user,
            "leader": p.leader.user,
            "foreign_leader": self.foreign_leader.user,
            "admin": p.admin.user,
        }
        self.user_model = get_user_model()

    def obj(self, kind: str, scope: str):
        found = self.objects[kind][scope]
        assert found is not None, f"the world has no {scope} {kind}"
        return found

    def kwargs(self, route: Route, scope: str | None) -> dict[str, Any]:
        values: dict[str, Any] = dict(route.extra)
        if route.kind is not None:
            assert scope is not None
            values[route.arg] = self.obj(route.kind, scope).pk
        if route.key_of is not None:
            assert scope is not None
            values[route.arg] = route.key_of(self.obj(route.kind_for_key, scope))
        if route.channel_arg:
            values[route.channel_arg] = self.p.channel.pk
        return values


# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------


@dataclass
class Route:
    """How to build the pattern's URL and what each role gets, per method (and object)."""

    cases: dict[str, str | dict[str, str]]
    kind: str | None = None  # the kind of object the URL names (World.objects)
    arg: str = "pk"  # the URL keyword that names it
    extra: dict[str, Any] = field(default_factory=dict)  # other URL keywords
    key_of: Any = None  # builds the URL keyword from an object (follow-up keys)
    kind_for_key: str = ""
    channel_arg: str = ""  # a second keyword naming the member's team's channel


def _follow_up_key(item) -> str:
    return f"checklist-{item.pk}"


MATRIX: dict[str, Route] = {
    #                    anonymous member teammate leader foreign_leader admin
    "home": Route(
        cases={
            "GET": "302 302 302 302 302 302",
            "POST": "302 302 302 302 302 302",
        },
    ),
    "manifest": Route(
        cases={
            "GET": "200 200 200 200 200 200",
            "POST": "405 405 405 405 405 405",
        },
    ),
    "service-worker": Route(
        cases={
            "GET": "200 200 200 200 200 200",
            "POST": "405 405 405 405 405 405",
        },
    ),
    "login": Route(
        cases={
            "GET": "200 302 302 302 302 302",
            "POST": "200 302 302 302 302 302",
        },
    ),
    "logout": Route(
        cases={
            "GET": "405 405 405 405 405 405",
            "POST": "302 302 302 302 302 302",
        },
    ),
    "my-week": Route(
        cases={
            "GET": "302 200 200 403 403 403",
            "POST": "302 200 200 403 403 403",
        },
    ),
    "copy-yesterday": Route(
        cases={
            "GET": "302 405 405 405 405 405",
            "POST": "302 302 302 403 403 403",
        },
    ),
    "timer-start": Route(
        cases={
            "GET": "302 405 405 405 405 405",
            "POST": "302 302 302 403 403 403",
        },
    ),
    "timer-stop": Route(
        cases={
            "GET": "302 405 405 405 405 405",
            "POST": "302 302 302 403 403 403",
        },
    ),
    "timer-discard": Route(
        cases={
            "GET": "302 405 405 405 405 405",
            "POST": "302 302 302 403 403 403",
        },
    ),
    "leave-create": Route(
        cases={
            "GET": "302 405 405 405 405 405",
            "POST": "302 200 200 403 403 403",
        },
    ),
    "on-call-create": Route(
        cases={
            "GET": "302 405 405 405 405 405",
            "POST": "302 200 200 403 403 403",
        },
    ),
    "pulse": Route(
        cases={
            "GET": "302 200 200 200 200 200",
            "POST": "302 200 200 200 200 200",
        },
    ),
    "dashboard": Route(
        cases={
            "GET": "302 403 403 200 200 403",
            "POST": "302 403 403 200 200 403",
        },
    ),
    "dashboard-org": Route(
        cases={
            "GET": "302 403 403 200 200 403",
            "POST": "302 403 403 200 200 403",
        },
    ),
    "me": Route(
        cases={
            "GET": "302 200 200 403 403 403",
            "POST": "302 200 200 403 403 403",
        },
    ),
    "me-recompute": Route(
        cases={
            "GET": "302 405 405 405 405 405",
            "POST": "302 302 302 403 403 403",
        },
    ),
    "me-language": Route(
        cases={
            "GET": "302 405 405 405 405 405",
            "POST": "302 302 302 403 403 403",
        },
    ),
    "governance": Route(
        cases={
            "GET": "302 403 403 403 403 200",
            "POST": "302 403 403 403 403 200",
        },
    ),
    "governance-channels": Route(
        cases={
            "GET": "302 403 403 403 403 200",
            "POST": "302 403 403 403 403 200",
        },
    ),
    "governance-followups": Route(
        cases={
            "GET": "302 403 403 403 403 200",
            "POST": "302 403 403 403 403 200",
        },
    ),
    "governance-grants": Route(
        cases={
            "GET": "302 403 403 403 403 200",
            "POST": "302 403 403 403 403 200",
        },
    ),
    "governance-audit": Route(
        cases={
            "GET": "302 403 403 403 403 200",
            "POST": "302 403 403 403 403 302",
        },
    ),
    "governance-reviews": Route(
        cases={
            "GET": "302 403 403 403 403 200",
            "POST": "302 403 403 403 403 200",
        },
    ),
    "my-reviews": Route(
        cases={
            "GET": "302 200 200 200 200 200",
            "POST": "302 302 302 302 302 302",
        },
    ),
    "api-token": Route(
        cases={
            "POST": "400 400 400 400 400 400",
        },
    ),
    "api-me": Route(
        cases={
            "GET": "401 200 200 200 200 200",
            "PATCH": "401 200 200 200 200 200",
        },
    ),
    "api-governance-health": Route(
        cases={
            "GET": "401 403 403 200 200 200",
        },
    ),
    "api-timer": Route(
        cases={
            "DELETE": "401 404 404 403 403 403",
            "GET": "401 200 200 403 403 403",
            "POST": "401 201 201 403 403 403",
        },
    ),
    "api-timer-stop": Route(
        cases={
            "POST": "401 404 404 403 403 403",
        },
    ),
    "team-list": Route(
        cases={
            "GET": "401 200 200 200 200 200",
            "POST": "401 403 403 403 403 400",
        },
    ),
    "member-list": Route(
        cases={
            "GET": "401 200 200 200 200 200",
            "POST": "401 403 403 403 403 400",
        },
    ),
    "channel-list": Route(
        cases={
            "GET": "401 200 200 200 200 200",
            "POST": "401 403 403 403 403 400",
        },
    ),
    "task-log-list": Route(
        cases={
            "GET": "401 200 200 200 200 200",
            "POST": "401 400 400 403 403 403",
        },
    ),
    "task-log-copy-day": Route(
        cases={
            "POST": "401 400 400 403 403 403",
        },
    ),
    "leave-list": Route(
        cases={
            "GET": "401 200 200 200 200 200",
            "POST": "401 400 400 403 403 403",
        },
    ),
    "on-call-list": Route(
        cases={
            "GET": "401 200 200 200 200 200",
            "POST": "401 400 400 403 403 403",
        },
    ),
    "pulse-list": Route(
        cases={
            "GET": "401 200 200 200 200 200",
            "POST": "401 400 400 400 400 400",
        },
    ),
    "score-list": Route(
        cases={
            "GET": "401 200 200 200 200 200",
        },
    ),
    "score-recompute": Route(
        cases={
            "POST": "401 202 202 202 202 202",
        },
    ),
    "score-summary": Route(
        cases={
            "GET": "401 400 400 400 400 400",
        },
    ),
    "staffing-list": Route(
        cases={
            "GET": "401 200 200 200 200 200",
        },
    ),
    "staffing-calculator": Route(
        cases={
            "GET": "401 400 400 400 400 400",
        },
    ),
    "grant-list": Route(
        cases={
            "GET": "401 200 200 200 200 200",
            "POST": "401 403 403 403 403 400",
        },
    ),
    "credential-rotation-list": Route(
        cases={
            "GET": "401 200 200 200 200 200",
        },
    ),
    "checklist-item-list": Route(
        cases={
            "GET": "401 200 200 200 200 200",
        },
    ),
    "offboarding-list": Route(
        cases={
            "GET": "401 200 200 200 200 200",
        },
    ),
    "follow-up-list": Route(
        cases={
            "GET": "401 200 200 200 200 200",
        },
    ),
    "audit-event-list": Route(
        cases={
            "GET": "401 200 200 200 200 200",
        },
    ),
    "access-review-list": Route(
        cases={
            "GET": "401 200 200 200 200 200",
            "POST": "401 403 403 403 403 400",
        },
    ),
    "access-review-item-list": Route(
        cases={
            "GET": "401 200 200 200 200 200",
        },
    ),
    "api-root": Route(
        cases={
            "GET": "401 200 200 200 200 200",
        },
    ),
    "api-schema": Route(
        cases={
            "GET": "401 200 200 200 200 200",
        },
    ),
    "api-docs": Route(
        cases={
            "GET": "302 200 200 200 200 200",
        },
    ),
    "entry-edit": Route(
        kind="task-log",
        cases={
            "GET": {
                "own": "302 200 404 403 403 403",
                "team": "302 404 200 403 403 403",
                "foreign": "302 404 404 403 403 403",
            },
            "POST": {
                "own": "302 200 404 403 403 403",
                "team": "302 404 200 403 403 403",
                "foreign": "302 404 404 403 403 403",
            },
        },
    ),
    "entry-delete": Route(
        kind="task-log",
        cases={
            "GET": {
                "own": "302 405 405 405 405 405",
                "team": "302 405 405 405 405 405",
                "foreign": "302 405 405 405 405 405",
            },
            "POST": {
                "own": "302 302 404 403 403 403",
                "team": "302 404 302 403 403 403",
                "foreign": "302 404 404 403 403 403",
            },
        },
    ),
    "entry-duplicate": Route(
        kind="task-log",
        cases={
            "GET": {
                "own": "302 405 405 405 405 405",
                "team": "302 405 405 405 405 405",
                "foreign": "302 405 405 405 405 405",
            },
            "POST": {
                "own": "302 302 404 403 403 403",
                "team": "302 404 302 403 403 403",
                "foreign": "302 404 404 403 403 403",
            },
        },
    ),
    "task-log-detail": Route(
        kind="task-log",
        cases={
            "DELETE": {
                "own": "401 204 404 204 404 404",
                "team": "401 404 204 204 404 404",
                "foreign": "401 404 404 404 204 404",
            },
            "GET": {
                "own": "401 200 404 200 404 404",
                "team": "401 404 200 200 404 404",
                "foreign": "401 404 404 404 200 404",
            },
            "PATCH": {
                "own": "401 200 404 200 404 404",
                "team": "401 404 200 200 404 404",
                "foreign": "401 404 404 404 200 404",
            },
        },
    ),
    "task-log-duplicate": Route(
        kind="task-log",
        cases={
            "POST": {
                "own": "401 201 404 403 404 404",
                "team": "401 404 201 403 404 404",
                "foreign": "401 404 404 404 403 404",
            },
        },
    ),
    "leave-delete": Route(
        kind="leave",
        cases={
            "GET": {
                "own": "302 405 405 405 405 405",
                "team": "302 405 405 405 405 405",
                "foreign": "302 405 405 405 405 405",
            },
            "POST": {
                "own": "302 302 404 403 403 403",
                "team": "302 404 302 403 403 403",
                "foreign": "302 404 404 403 403 403",
            },
        },
    ),
    "leave-detail": Route(
        kind="leave",
        cases={
            "DELETE": {
                "own": "401 204 404 403 404 404",
                "team": "401 404 204 403 404 404",
                "foreign": "401 404 404 404 403 404",
            },
            "GET": {
                "own": "401 200 404 200 404 404",
                "team": "401 404 200 200 404 404",
                "foreign": "401 404 404 404 200 404",
            },
        },
    ),
    "on-call-delete": Route(
        kind="on-call",
        cases={
            "GET": {
                "own": "302 405 405 405 405 405",
                "team": "302 405 405 405 405 405",
                "foreign": "302 405 405 405 405 405",
            },
            "POST": {
                "own": "302 302 404 403 403 403",
                "team": "302 404 302 403 403 403",
                "foreign": "302 404 404 403 403 403",
            },
        },
    ),
    "on-call-detail": Route(
        kind="on-call",
        cases={
            "DELETE": {
                "own": "401 204 404 403 404 404",
                "team": "401 404 204 403 404 404",
                "foreign": "401 404 404 404 403 404",
            },
            "GET": {
                "own": "401 200 404 200 404 404",
                "team": "401 404 200 200 404 404",
                "foreign": "401 404 404 404 200 404",
            },
        },
    ),
    "dashboard-org-csv": Route(
        extra={"table": "teams"},
        cases={
            "GET": "302 403 403 200 200 403",
            "POST": "302 403 403 200 200 403",
        },
    ),
    "dashboard-team": Route(
        kind="team",
        arg="team_id",
        cases={
            "GET": {"own": "302 403 403 200 404 403", "foreign": "302 403 403 404 200 403"},
            "POST": {"own": "302 403 403 200 404 403", "foreign": "302 403 403 404 200 403"},
        },
    ),
    "dashboard-team-csv": Route(
        kind="team",
        arg="team_id",
        extra={"table": "members"},
        cases={
            "GET": {"own": "302 403 403 200 404 403", "foreign": "302 403 403 404 200 403"},
            "POST": {"own": "302 403 403 200 404 403", "foreign": "302 403 403 404 200 403"},
        },
    ),
    "dashboard-recompute": Route(
        kind="team",
        arg="team_id",
        cases={
            "GET": {"own": "302 405 405 405 405 405", "foreign": "302 405 405 405 405 405"},
            "POST": {"own": "302 403 403 302 404 403", "foreign": "302 403 403 404 302 403"},
        },
    ),
    "dashboard-member": Route(
        kind="member",
        arg="member_id",
        cases={
            "GET": {
                "own": "302 403 403 200 404 403",
                "team": "302 403 403 200 404 403",
                "foreign": "302 403 403 404 200 403",
            },
            "POST": {
                "own": "302 403 403 200 404 403",
                "team": "302 403 403 200 404 403",
                "foreign": "302 403 403 404 200 403",
            },
        },
    ),
    "dashboard-member-csv": Route(
        kind="member",
        arg="member_id",
        extra={"table": "trend"},
        cases={
            "GET": {
                "own": "302 403 403 200 404 403",
                "team": "302 403 403 200 404 403",
                "foreign": "302 403 403 404 200 403",
            },
            "POST": {
                "own": "302 403 403 200 404 403",
                "team": "302 403 403 200 404 403",
                "foreign": "302 403 403 404 200 403",
            },
        },
    ),
    "job-progress": Route(
        kind="job",
        arg="job_id",
        cases={
            "GET": {
                "own": "302 200 404 404 404 404",
                "team": "302 404 200 404 404 404",
                "foreign": "302 404 404 404 404 404",
            },
            "POST": {
                "own": "302 200 404 404 404 404",
                "team": "302 404 200 404 404 404",
                "foreign": "302 404 404 404 404 404",
            },
        },
    ),
    "job-detail": Route(
        kind="job",
        cases={
            "GET": {
                "own": "401 200 404 404 404 404",
                "team": "401 404 200 404 404 404",
                "foreign": "401 404 404 404 404 404",
            },
        },
    ),
    "me-csv": Route(
        extra={"table": "trend"},
        cases={
            "GET": "302 200 200 403 403 403",
            "POST": "302 200 200 403 403 403",
        },
    ),
    "governance-grant-approve": Route(
        kind="grant",
        cases={
            "GET": {
                "own": "302 403 403 403 403 405",
                "team": "302 403 403 403 403 405",
                "foreign": "302 403 403 403 403 405",
            },
            "POST": {
                "own": "302 403 403 403 403 302",
                "team": "302 403 403 403 403 302",
                "foreign": "302 403 403 403 403 302",
            },
        },
    ),
    "governance-grant-revoke": Route(
        kind="grant",
        cases={
            "GET": {
                "own": "302 403 403 403 403 200",
                "team": "302 403 403 403 403 200",
                "foreign": "302 403 403 403 403 200",
            },
            "POST": {
                "own": "302 403 403 403 403 200",
                "team": "302 403 403 403 403 200",
                "foreign": "302 403 403 403 403 200",
            },
        },
    ),
    "grant-detail": Route(
        kind="grant",
        cases={
            "GET": {
                "own": "401 200 404 200 404 200",
                "team": "401 404 200 200 404 200",
                "foreign": "401 404 404 404 200 200",
            },
        },
    ),
    "grant-approve": Route(
        kind="grant",
        cases={
            "POST": {
                "own": "401 403 404 403 404 409",
                "team": "401 404 403 403 404 409",
                "foreign": "401 404 404 404 403 409",
            },
        },
    ),
    "grant-revoke": Route(
        kind="grant",
        cases={
            "POST": {
                "own": "401 403 404 403 404 400",
                "team": "401 404 403 403 404 400",
                "foreign": "401 404 404 404 403 400",
            },
        },
    ),
    "governance-member-offboard": Route(
        kind="member",
        cases={
            "GET": {
                "own": "302 403 403 403 403 200",
                "team": "302 403 403 403 403 200",
                "foreign": "302 403 403 403 403 200",
            },
            "POST": {
                "own": "302 403 403 403 403 200",
                "team": "302 403 403 403 403 200",
                "foreign": "302 403 403 403 403 200",
            },
        },
    ),
    "member-offboard": Route(
        kind="member",
        cases={
            "DELETE": {
                "own": "401 403 404 403 404 409",
                "team": "401 404 403 403 404 409",
                "foreign": "401 404 404 404 403 409",
            },
            "POST": {
                "own": "401 403 404 403 404 400",
                "team": "401 404 403 403 404 400",
                "foreign": "401 404 404 404 403 400",
            },
        },
    ),
    "member-detail": Route(
        kind="member",
        cases={
            "GET": {
                "own": "401 200 404 200 404 200",
                "team": "401 404 200 200 404 200",
                "foreign": "401 404 404 404 200 200",
            },
            "PATCH": {
                "own": "401 403 404 403 404 200",
                "team": "401 404 403 403 404 200",
                "foreign": "401 404 404 404 403 200",
            },
        },
    ),
    "governance-offboarding": Route(
        kind="offboarding",
        cases={
            "GET": {"team": "302 403 403 403 403 200", "foreign": "302 403 403 403 403 200"},
            "POST": {"team": "302 403 403 403 403 200", "foreign": "302 403 403 403 403 200"},
        },
    ),
    "governance-offboarding-evidence": Route(
        kind="offboarding",
        cases={
            "GET": {"team": "302 403 403 403 403 200", "foreign": "302 403 403 403 403 200"},
            "POST": {"team": "302 403 403 403 403 200", "foreign": "302 403 403 403 403 200"},
        },
    ),
    "offboarding-detail": Route(
        kind="offboarding",
        cases={
            "GET": {"team": "401 404 404 404 404 200", "foreign": "401 404 404 404 404 200"},
        },
    ),
    "offboarding-evidence": Route(
        kind="offboarding",
        cases={
            "GET": {"team": "401 404 404 404 404 200", "foreign": "401 404 404 404 404 200"},
        },
    ),
    "governance-checklist-confirm": Route(
        kind="checklist-item",
        cases={
            "GET": {"team": "302 403 403 403 403 405", "foreign": "302 403 403 403 403 405"},
            "POST": {"team": "302 403 403 403 403 302", "foreign": "302 403 403 403 403 302"},
        },
    ),
    "checklist-item-detail": Route(
        kind="checklist-item",
        cases={
            "GET": {"team": "401 404 404 404 404 200", "foreign": "401 404 404 404 404 200"},
            "PATCH": {"team": "401 404 404 404 404 400", "foreign": "401 404 404 404 404 400"},
        },
    ),
    "governance-rotation-confirm": Route(
        kind="credential-rotation",
        cases={
            "GET": {"team": "302 403 403 403 403 405", "foreign": "302 403 403 403 403 405"},
            "POST": {"team": "302 403 403 403 403 302", "foreign": "302 403 403 403 403 302"},
        },
    ),
    "credential-rotation-detail": Route(
        kind="credential-rotation",
        cases={
            "GET": {"team": "401 404 404 404 404 200", "foreign": "401 404 404 404 404 200"},
            "PATCH": {"team": "401 404 404 404 404 400", "foreign": "401 404 404 404 404 400"},
        },
    ),
    "governance-outbox-retry": Route(
        kind="outbox",
        cases={
            "GET": {"any": "302 403 403 403 403 405"},
            "POST": {"any": "302 403 403 403 403 302"},
        },
    ),
    "governance-offboarding-cancel": Route(
        kind="leaver",
        cases={
            "GET": {"team": "302 403 403 403 403 405", "foreign": "302 403 403 403 403 405"},
            "POST": {"team": "302 403 403 403 403 302", "foreign": "302 403 403 403 403 302"},
        },
    ),
    "governance-review": Route(
        kind="review",
        cases={
            "GET": {"team": "302 403 403 403 403 200", "foreign": "302 403 403 403 403 200"},
            "POST": {"team": "302 403 403 403 403 200", "foreign": "302 403 403 403 403 200"},
        },
    ),
    "access-review-detail": Route(
        kind="review",
        cases={
            "GET": {"team": "401 404 404 404 404 200", "foreign": "401 404 404 404 404 200"},
        },
    ),
    "access-review-decide": Route(
        kind="review",
        cases={
            "POST": {"team": "401 404 404 404 404 400", "foreign": "401 404 404 404 404 400"},
        },
    ),
    "access-review-keep-channel": Route(
        kind="review",
        cases={
            "POST": {"team": "401 404 404 404 404 400", "foreign": "401 404 404 404 404 400"},
        },
    ),
    "review-keep-channel": Route(
        kind="review",
        channel_arg="channel_pk",
        cases={
            "GET": {"team": "302 405 405 405 405 405", "foreign": "302 405 405 405 405 405"},
            "POST": {"team": "302 404 404 404 404 302", "foreign": "302 404 404 404 404 404"},
        },
    ),
    "access-review-item-detail": Route(
        kind="review-item",
        cases={
            "GET": {"team": "401 404 404 404 404 200", "foreign": "401 404 404 404 404 200"},
            "PATCH": {"team": "401 404 404 404 404 400", "foreign": "401 404 404 404 404 400"},
        },
    ),
    "team-detail": Route(
        kind="team",
        cases={
            "GET": {"own": "401 404 404 200 404 200", "foreign": "401 404 404 404 200 200"},
            "PATCH": {"own": "401 404 404 403 404 200", "foreign": "401 404 404 404 403 200"},
        },
    ),
    "channel-detail": Route(
        kind="channel",
        cases={
            "GET": {"own": "401 200 200 200 404 200", "foreign": "401 404 404 404 200 200"},
            "PATCH": {"own": "401 403 403 403 404 200", "foreign": "401 404 404 404 403 200"},
        },
    ),
    "pulse-detail": Route(
        kind="pulse",
        cases={
            "GET": {
                "own": "401 200 404 404 404 404",
                "team": "401 404 200 404 404 404",
                "foreign": "401 404 404 404 404 404",
            },
        },
    ),
    "audit-event-detail": Route(
        kind="audit-event",
        cases={
            "GET": {"any": "401 404 404 404 404 200"},
        },
    ),
    "follow-up-confirm": Route(
        arg="key",
        key_of=_follow_up_key,
        kind_for_key="checklist-item",
        cases={
            "POST": {"team": "401 404 404 404 404 409", "foreign": "401 404 404 404 404 409"},
        },
    ),
    # Added by issue 12 (tokens listed and revoked by their owner; the data export; erasure).
    "api-me-export": Route(cases={"GET": "401 200 200 200 200 200"}),
    "api-token-item-list": Route(cases={"GET": "401 200 200 200 200 200"}),
    "api-token-item-detail": Route(
        kind="token",
        cases={
            "DELETE": {
                "own": "401 204 404 404 404 404",
                "team": "401 404 204 404 404 404",
                "foreign": "401 404 404 404 404 404",
            }
        },
    ),
    "member-erase": Route(
        kind="leaver",
        cases={"POST": {"team": "401 404 404 403 404 200", "foreign": "401 404 404 404 403 200"}},
    ),
}


def _codes(text: str) -> tuple[int, ...]:
    codes = tuple(int(code) for code in text.split())
    assert len(codes) == len(ROLES), text
    return codes


def cases_of(key: str) -> list[tuple[str, str | None, str, int]]:
    """(method, scope, role, expected) for every case of a table entry."""
    out: list[tuple[str, str | None, str, int]] = []
    for method, spec in MATRIX[key].cases.items():
        per_scope = spec if isinstance(spec, dict) else {None: spec}
        for scope, text in per_scope.items():
            for role, code in zip(ROLES, _codes(text), strict=True):
                out.append((method, scope, role, code))
    return out


# ---------------------------------------------------------------------------------------------
# Running a case
# ---------------------------------------------------------------------------------------------


def request(world: World, url: str, method: str, role: str):
    """One request as `role`, in a savepoint rolled back afterwards, on a fresh client."""
    cache.clear()  # no throttle or lockout counter carries over from one case to the next
    with transaction.atomic():
        client = APIClient()
        user = world.users[role]
        if user is not None:
            client.force_login(world.user_model.objects.get(pk=user.pk))
        call = getattr(client, method.lower())
        body = {"data": {}, "format": "json"} if method in ("POST", "PUT", "PATCH") else {}
        response = call(url, **body)
        transaction.set_rollback(True)
    return response


def check(response, expected: int, where: str, *, api: bool) -> str | None:
    got = response.status_code
    if got != expected:
        return f"{where}: expected {expected}, got {got}"
    if expected == 302 and "anonymous" in where and not api and "/admin/logout/" not in where:
        location = response.get("Location", "")
        if not (location.startswith(reverse("login")) or location.startswith("/admin/login/")):
            return f"{where}: 302 to {location}, not to the sign-in page"
    if got >= 500:
        return f"{where}: a server error is never an expected status"
    return None


def _url(world: World, pattern_key: str, scope: str | None, *, suffix: bool = False) -> str:
    route = MATRIX[pattern_key]
    name = pattern_key.removesuffix(FORMAT)
    kwargs = world.kwargs(route, scope)
    if suffix:
        kwargs["format"] = "json"
    return reverse(name, kwargs=kwargs or None)


@pytest.fixture
def world(personas) -> World:
    return World(personas)


# ---------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------


def _admin_keys() -> set[str]:
    """The admin patterns the generated family covers: the site's own views and, for every
    registered model, its changelist, add, change, delete, history and bare-id redirect."""
    keys = {f"admin:{name}" for name in ADMIN_SITE}
    keys.add("/admin/(?P<url>.*)$")  # the catch-all (404 or redirect to sign-in)
    keys.add("admin:view_on_site")
    for model in admin.site._registry:
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        keys |= {f"admin:{info}_{view}" for view in ADMIN_MODEL_VIEWS}
        keys.add(f"/admin/{model._meta.app_label}/{model._meta.model_name}/<path:object_id>/")
        if model._meta.label == "auth.User":
            keys.add("admin:auth_user_password_change")
    return keys


def test_every_url_pattern_has_a_case():
    patterns = all_patterns()
    admin_keys = _admin_keys()
    missing, untested_methods = [], []
    for pattern in patterns:
        if _is_admin(pattern):
            if pattern.key not in admin_keys:
                missing.append(f"{pattern.key} ({pattern.route})")
            continue
        base = pattern.key.removesuffix(FORMAT)
        if base not in MATRIX:
            missing.append(f"{pattern.key} ({pattern.route})")
            continue
        methods = _drf_methods(pattern.callback)
        if methods is not None and not pattern.key.endswith(FORMAT):
            lacking = methods - set(MATRIX[base].cases)
            if lacking:
                untested_methods.append(f"{pattern.key}: {sorted(lacking)}")
    assert not missing, "URL patterns without an authorization case in MATRIX:\n  " + (
        "\n  ".join(sorted(missing))
    )
    assert not untested_methods, "methods without a case:\n  " + "\n  ".join(untested_methods)
    known = {pattern.key for pattern in patterns}
    stale = sorted(key for key in MATRIX if key not in known)
    assert not stale, f"MATRIX names patterns that no longer exist: {stale}"


def test_the_meta_test_names_a_pattern_without_a_case(monkeypatch):
    """Deny by default: drop one entry and the enumeration reports it by name."""
    monkeypatch.delitem(MATRIX, "task-log-detail")
    with pytest.raises(AssertionError, match=r"task-log-detail \(/api/v1/"):
        test_every_url_pattern_has_a_case()


@pytest.mark.parametrize("pattern_key", sorted(MATRIX))
def test_pattern(world, pattern_key):
    failures = []
    for method, scope, role, expected in cases_of(pattern_key):
        url = _url(world, pattern_key, scope)
        response = request(world, url, method, role)
        where = f"{method} {url} as {role}" + (f" on {scope}" if scope else "")
        problem = check(response, expected, where, api=_is_api(url))
        if problem:
            failures.append(problem)
    assert not failures, "\n".join(failures)


def _is_api(url: str) -> bool:
    return url.startswith("/api/")


def test_format_suffix_twins(world):
    """`/api/v1/teams.json` answers as `/api/v1/teams/` does: for every suffix twin, the GET
    cases (or, for action routes without GET, the first method's) replayed on the twin."""
    twins = sorted({p.key.removesuffix(FORMAT) for p in all_patterns() if p.key.endswith(FORMAT)})
    assert twins, "the DRF router's format-suffix routes were not found"
    failures = []
    for pattern_key in twins:
        route = MATRIX[pattern_key]
        method = "GET" if "GET" in route.cases else next(iter(route.cases))
        for case_method, scope, role, expected in cases_of(pattern_key):
            if case_method != method:
                continue
            url = _url(world, pattern_key, scope, suffix=True)
            response = request(world, url, method, role)
            where = f"{method} {url} as {role}" + (f" on {scope}" if scope else "")
            problem = check(response, expected, where, api=True)
            if problem:
                failures.append(problem)
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------------------------------------
# The admin family
# ---------------------------------------------------------------------------------------------

ADMIN_MODEL_VIEWS = ("changelist", "add", "change", "delete", "history")
# The admin site's own views: name → (URL kwargs, operator's status on GET). Anonymous callers
# and signed-in non-staff members get a 302 to the admin's sign-in page on every one, except
# the sign-in page itself.
ADMIN_SITE: dict[str, tuple[dict[str, Any], int]] = {
    "index": ({}, 200),
    "login": ({}, 302),  # already signed in: on to the index
    "logout": ({}, 405),  # sign-out is a POST
    "password_change": ({}, 200),
    "password_change_done": ({}, 200),
    "autocomplete": ({}, 403),  # without a field to complete
    "jsi18n": ({}, 200),
    "app_list": ({"app_label": "teams"}, 200),
}
# "View on site" for an object of a model without a public page: 404 for the operator.
VIEW_ON_SITE_MODEL = "teams.team"
# Models whose admin refuses an operator's add / delete / change (append-only or
# service-only data); checked against what the admin answers, so the lists stay true.
ADMIN_NO_ADD = {
    "axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog", "audit.AuditEvent",
    "audit.AuditVerification", "workload.BurnoutScore", "workload.StaffingSnapshot",
    "workload.RecomputeJob", "governance.AccessGrant", "governance.CredentialRotation",
    "governance.ChecklistItem", "governance.Offboarding", "governance.OutboxMessage",
    "governance.AccessReview", "django_celery_beat.PeriodicTask",
    "django_celery_beat.IntervalSchedule", "django_celery_beat.CrontabSchedule",
}  # fmt: skip
ADMIN_NO_DELETE = {
    "auth.User", "audit.AuditEvent", "audit.AuditVerification", "teams.Team", "teams.Member",
    "teams.Channel",
    "workload.BurnoutScore", "workload.StaffingSnapshot", "workload.RecomputeJob",
    "governance.AccessGrant", "governance.CredentialRotation", "governance.ChecklistItem",
    "governance.Offboarding", "governance.OutboxMessage", "governance.Connector",
    "governance.AccessReview", "django_celery_beat.PeriodicTask",
    "django_celery_beat.IntervalSchedule", "django_celery_beat.CrontabSchedule",
}  # fmt: skip


def _admin_cases(world: World):
    """(pattern key, URL, role, expected) for the admin family."""
    from django.contrib.auth.models import Group

    Group.objects.get_or_create(name="Reviewers")
    out = []
    for name, (kwargs, operator) in ADMIN_SITE.items():
        url = reverse(f"admin:{name}", kwargs=kwargs or None)
        out.append((f"admin:{name}", url, "operator", operator))
        login_page = name == "login"
        for role in ("anonymous", "member"):
            out.append((f"admin:{name}", url, role, 200 if login_page else 302))
    from django.contrib.contenttypes.models import ContentType

    team_type = ContentType.objects.get_by_natural_key(*VIEW_ON_SITE_MODEL.split("."))
    url = reverse("admin:view_on_site", args=[team_type.pk, world.p.team.pk])
    out += [
        ("admin:view_on_site", url, "anonymous", 302),
        ("admin:view_on_site", url, "member", 302),
        ("admin:view_on_site", url, "operator", 404),
    ]
    catch_all = "/admin/no-such-page/"
    out += [
        ("/admin/(?P<url>.*)$", catch_all, "anonymous", 302),
        ("/admin/(?P<url>.*)$", catch_all, "member", 302),
        ("/admin/(?P<url>.*)$", catch_all, "operator", 404),
    ]
    for model in admin.site._registry:
        opts = model._meta
        info = f"{opts.app_label}_{opts.model_name}"
        obj = model._default_manager.order_by("pk").first()
        object_id = str(obj.pk) if obj is not None else "0"  # 0: a missing object
        found = 200 if obj is not None else 302  # a missing object: back to the index
        urls = {
            f"admin:{info}_changelist": (reverse(f"admin:{info}_changelist"), 200),
            f"admin:{info}_add": (
                reverse(f"admin:{info}_add"),
                403 if opts.label in ADMIN_NO_ADD else 200,
            ),
            f"admin:{info}_change": (reverse(f"admin:{info}_change", args=[object_id]), found),
            f"admin:{info}_history": (reverse(f"admin:{info}_history", args=[object_id]), found),
            f"admin:{info}_delete": (
                reverse(f"admin:{info}_delete", args=[object_id]),
                403 if opts.label in ADMIN_NO_DELETE else found,
            ),
            f"/admin/{opts.app_label}/{opts.model_name}/<path:object_id>/": (
                f"/admin/{opts.app_label}/{opts.model_name}/{object_id}/",
                302,
            ),
        }
        if opts.label == "auth.User":
            urls["admin:auth_user_password_change"] = (
                reverse("admin:auth_user_password_change", args=[object_id]),
                200,
            )
        for key, (url, operator) in urls.items():
            out.append((key, url, "operator", operator))
            out.append((key, url, "anonymous", 302))
            out.append((key, url, "member", 302))
    return out


def test_admin_family(world):
    """Every admin pattern: anonymous and non-staff callers are sent to the admin's sign-in,
    the staff operator (a superuser) reaches changelists, forms and history."""
    operator = world.p.admin.user
    operator.is_staff = operator.is_superuser = True
    operator.save()
    world.users["operator"] = operator
    cases = _admin_cases(world)
    covered = {key for key, *_ in cases}
    admin_patterns = {p.key for p in all_patterns() if _is_admin(p)}
    assert admin_patterns <= covered, sorted(admin_patterns - covered)
    failures = []
    for key, url, role, expected in cases:
        response = request(world, url, "GET", role)
        where = f"GET {url} as {role} ({key})"
        problem = check(response, expected, where, api=False)
        if not problem and expected == 302 and role != "operator" and key != "admin:logout":
            location = response.get("Location", "")
            if not location.startswith(reverse("admin:login")):
                problem = f"{where}: 302 to {location}, not to the admin sign-in"
        if problem:
            failures.append(problem)
    assert not failures, "\n".join(failures)
