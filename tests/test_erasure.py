"""An admin erases a departed member's personal data (docs/privacy.md "Erasure"):
pseudonymised, not deleted, and the audit chain still verifies."""

import datetime as dt

import pytest
from django.contrib.auth import authenticate
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance import services as governance
from governance.audit_labels import describe_events
from socialops.audit.models import AuditEvent
from socialops.audit.selectors import audit_verify
from socialops.audit.services import Entry, audit_append_many
from teams.models import Leave, Member
from tests.factories import PASSWORD, BurnoutScoreFactory, TaskLogFactory
from workload.models import BurnoutScore, PulseResponse, TaskLog

MONDAY = dt.date(2026, 11, 2)


def _url(member):
    return f"/api/v1/members/{member.pk}/erase/"


def _departed(personas, member=None):
    """Offboard `member` (the member persona by default) through the real service, after a
    little life: logs with notes, a pulse, a blended score, sick leave, audit events."""
    member = member or personas.member
    TaskLogFactory(member=member, date=MONDAY, note="Covered for my sick kid")
    TaskLogFactory(member=member, date=MONDAY, note="")
    PulseResponse.objects.create(member=member, week=MONDAY, a1=100, a2=75)
    BurnoutScoreFactory(member=member, as_of=MONDAY, wrb=80, risk=60, band="high",
                        mode=BurnoutScore.Mode.BLENDED, band_overrides=["wrb_high"])  # fmt: skip
    Leave.objects.create(member=member, start_date=MONDAY, end_date=MONDAY, kind="sick")
    audit_append_many(actor=member.user, entries=[Entry("member.updated", "member", member.pk)])
    governance.member_offboard(member=member, actor=personas.admin, reason="Burned out, left",
                               ended_on=dt.date.today() - dt.timedelta(days=2))  # fmt: skip
    member.refresh_from_db()
    assert member.status == Member.Status.DEPARTED
    return member


def test_an_admin_erases_a_departed_member_and_the_chain_still_verifies(personas, api):
    member = _departed(personas)
    before = list(AuditEvent.objects.order_by("pk").values_list("pk", "hash", "actor_display"))

    response = api(personas.admin).post(_url(member))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["already_erased"] is False
    assert body["task_log_notes"] == 1 and body["pulse_responses"] == 1
    assert body["scores_pulse_cleared"] == 1 and body["sick_leave_recoded"] == 1
    assert body["offboarding_reasons"] == 1
    assert "no-store" in response["Cache-Control"]

    member.refresh_from_db()
    user = member.user
    assert member.full_name == f"Erased member #{member.pk}"
    assert user.username == f"erased-{member.pk}"
    assert (user.email, user.first_name, user.last_name) == ("", "", "")
    assert not user.has_usable_password() and not user.is_active
    assert authenticate(username="maya", password=PASSWORD) is None
    assert set(TaskLog.objects.filter(member=member).values_list("note", flat=True)) == {""}
    assert TaskLog.objects.filter(member=member).count() == 2  # work data stays
    assert not PulseResponse.objects.filter(member=member).exists()
    score = BurnoutScore.objects.get(member=member)
    assert (score.wrb, score.risk, score.band, score.mode, score.band_overrides) == (
        None, score.wsi, score.wsi_band, BurnoutScore.Mode.OBJECTIVE_ONLY, [],
    )  # fmt: skip
    assert Leave.objects.get(member=member).kind == "other"
    assert member.offboarding.reason == "[erased]"

    # Existing audit rows are untouched, and the chain (with the erasure event) verifies.
    after = list(AuditEvent.objects.order_by("pk").values_list("pk", "hash", "actor_display"))
    assert after[: len(before)] == before
    assert list(audit_verify()) == []
    erased = AuditEvent.objects.get(action="member.erased")
    assert (erased.actor_id, erased.target_type, erased.target_id) == (
        personas.admin.user_id, "member", str(member.pk),
    )  # fmt: skip
    assert erased.data["pulse_responses"] == 1 and erased.data["task_log_notes"] == 1


def test_the_audit_log_then_shows_the_pseudonym(personas, api, client):
    member = _departed(personas)
    assert api(personas.admin).post(_url(member)).status_code == 200
    events = describe_events(list(AuditEvent.objects.filter(
        action__in=["member.updated", "member.offboarded"])))  # fmt: skip
    pseudonym = f"Erased member #{member.pk}"
    by_member = next(e for e in events if e.action == "member.updated")
    assert by_member.actor_name == pseudonym
    assert all(e.target_label == f"Member: {pseudonym}" for e in events)
    client.login(username="ada", password=PASSWORD)
    page = client.get("/governance/audit/").content.decode()
    assert pseudonym in page
    assert "Maya Member" not in page


def test_erasing_again_changes_and_records_nothing(personas, api):
    member = _departed(personas)
    client = api(personas.admin)
    assert client.post(_url(member)).status_code == 200
    count = AuditEvent.objects.count()
    again = client.post(_url(member))
    assert again.status_code == 200
    assert again.json() == {"member": member.pk, "already_erased": True}
    assert AuditEvent.objects.count() == count


@pytest.mark.parametrize("status", ["active", "on_leave"])
def test_only_a_departed_member_can_be_erased(personas, api, status):
    Member.objects.filter(pk=personas.teammate.pk).update(status=status)
    response = api(personas.admin).post(_url(personas.teammate))
    assert response.status_code == 409
    assert "status" in response.json()
    personas.teammate.refresh_from_db()
    assert personas.teammate.full_name == "Tom Teammate"
    assert not AuditEvent.objects.filter(action="member.erased").exists()


@pytest.mark.parametrize(
    ("who", "expected"),
    [("member", 404), ("teammate", 404), ("leader", 403), ("foreigner", 404), (None, 401)],
)
def test_only_an_admin_may_erase(personas, api, who, expected):
    member = _departed(personas, personas.teammate)
    caller = getattr(personas, who) if who else None
    response = api(caller).post(_url(member))
    assert response.status_code == expected, response.content
    member.refresh_from_db()
    assert member.full_name == "Tom Teammate"


def test_an_unknown_id_is_404_and_get_is_not_allowed(personas, api):
    assert api(personas.admin).post("/api/v1/members/999999/erase/").status_code == 404
    assert api(personas.admin).get(_url(personas.member)).status_code == 405


def test_erasure_runs_a_fixed_number_of_queries(personas, api):
    few_member = _departed(personas, personas.teammate)
    many_member = _departed(personas, personas.foreigner)
    for i in range(1, 30):
        day = MONDAY - dt.timedelta(weeks=i)
        TaskLogFactory(member=many_member, date=day, note=f"private {i}")
        PulseResponse.objects.create(member=many_member, week=day, a1=50)
    client = api(personas.admin)
    with CaptureQueriesContext(connection) as few:
        assert client.post(_url(few_member)).status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert client.post(_url(many_member)).json()["pulse_responses"] == 30
    assert len(many) == len(few)
