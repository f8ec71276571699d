"""Schemathesis over the whole API, in CI (issue 12 item 2, docs/security.md): every operation
in the OpenAPI schema (/api/schema/, drf-spectacular) as anonymous, member, leader and admin,
against a small seeded dataset. No 5xx, and every response conforms to the schema: a
documented status code, its content type, its body shape.

Then stateful workflows for each signed-in role: chains of calls along the links schemathesis
infers from the schema (SCHEMATHESIS_STATEFUL_EXAMPLES scenarios of up to 6 steps, default 30).

Time-bounded: a few examples per operation and role (SCHEMATHESIS_MAX_EXAMPLES, default 4);
the module takes about 7 minutes (docs/security.md has the measured figures). Signing in is
a Django session (force_login) with its CSRF pair, independent of how API tokens are stored.
"""

from __future__ import annotations

import os
import time

import pytest
import schemathesis
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from socialops.wsgi import application

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "4"))
STATEFUL_EXAMPLES = int(os.environ.get("SCHEMATHESIS_STATEFUL_EXAMPLES", "30"))
ROLES = ["anonymous", "member", "leader", "admin"]
# No 5xx, and every response as the schema says: a documented status code (the error answers
# are documented once for all operations, socialops/common/schema.py), its content type and
# its body.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
STATS = {"requests": 0, "operations": set(), "stateful_steps": 0, "started": time.monotonic()}


def _schema_dict() -> dict:
    import json

    from drf_spectacular.renderers import OpenApiJsonRenderer

    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw))


schema = schemathesis.openapi.from_dict(_schema_dict())


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """A small organisation (the test personas plus a grant and a log), built once for the
    module in a transaction rolled back when it ends."""
    from django.db import transaction

    from tests.conftest import FAST_HASHERS
    from tests.factories import (
        AccessGrantFactory,
        ChannelFactory,
        MemberFactory,
        TaskLogFactory,
        TeamFactory,
    )

    STATS["started"] = time.monotonic()  # the figures count from the first case
    with django_db_blocker.unblock(), transaction.atomic():
        from django.test.utils import override_settings

        with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            team, other = TeamFactory(name="Community"), TeamFactory(name="Brand")
            member = MemberFactory(team=team, user__username="st-maya")
            leader = MemberFactory(team=team, user__username="st-leo", role_member=False,
                                   role_leader=True)  # fmt: skip
            team.leaders.add(leader)
            admin = MemberFactory(team=None, user__username="st-ada", role_member=False,
                                  role_admin=True)  # fmt: skip
            MemberFactory(team=other, user__username="st-fay")
            channel = ChannelFactory(team=team, handle="@st-community")
            AccessGrantFactory(member=member, channel=channel)
            TaskLogFactory(member=member)
        yield {"member": member, "leader": leader, "admin": admin}
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Called straight through WSGI, Django would close the test's connection after every
    request (close_old_connections), as django.test.Client prevents: do the same."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(params=ROLES)
def auth(request, seeded, db):
    """Cookies and headers of a signed-in session for the role (nothing for anonymous)."""
    if request.param == "anonymous":
        return {"cookies": {}, "headers": {}}
    client = Client()
    client.force_login(seeded[request.param].user)
    csrf = "s" * 32
    return {
        "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf},
        "headers": {"X-CSRFToken": csrf},
    }


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, auth):
    STATS["requests"] += 1
    STATS["operations"].add(f"{case.method} {case.path}")
    case.call_and_validate(
        app=application,
        headers=auth["headers"],
        cookies=auth["cookies"],
        checks=CHECKS,
    )


@pytest.fixture(params=ROLES[1:])
def signed_in(request, auth):
    return auth


def test_stateful_workflows(signed_in):
    """Chains of calls, each using what an earlier one answered: schemathesis infers the links
    from the schema (dependency analysis: POST /grants/ → /grants/{id}/revoke/, a task log →
    its duplicate, a review → its items…), up to 6 steps a scenario, for each signed-in role.
    The same checks as above on every step."""
    workflow = schema.as_state_machine()
    before = STATS["stateful_steps"]

    class Flow(workflow):  # type: ignore[misc, valid-type]
        def call(self, case, **kwargs):
            STATS["stateful_steps"] += 1
            return case.call(
                app=application, headers=signed_in["headers"], cookies=signed_in["cookies"]
            )

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS)

    Flow.run(
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
    # Links were inferred and followed: scenarios of several steps, not one call each.
    assert STATS["stateful_steps"] - before > 2 * STATEFUL_EXAMPLES


def test_zz_report_figures(capsys):
    """Prints what the run covered (shown with -s; kept in the CI log)."""
    with capsys.disabled():
        print(
            f"\nschemathesis: {len(STATS['operations'])} operations, {STATS['requests']} "
            f"requests, {STATS['stateful_steps']} stateful steps, "
            f"{time.monotonic() - STATS['started']:.1f} s"
        )
    assert STATS["requests"] == 0 or len(STATS["operations"]) >= 1
