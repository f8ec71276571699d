"""The audit log people can read (docs/governance.md "Reading the audit log"): actor names and
target labels, the filters of the API and the page, the CSV export, the recorded chain
verifications, query counts and who may see it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from contextlib import contextmanager
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from governance.audit_labels import describe_events
from governance.models import (
    AccessReview,
    AccessReviewItem,
    ChecklistItem,
    Connector,
    OutboxMessage,
)
from socialops.audit.models import AuditEvent, AuditVerification
from socialops.audit.services import Entry, audit_append, audit_append_many
from socialops.audit.tasks import audit_verify_nightly
from tests.factories import AccessGrantFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/audit-events/"
PAGE = "/governance/audit/"


@pytest.fixture(autouse=True)
def _triggers_on():
    """The append-only triggers fire in every test here (an earlier transactional test may
    have left this connection as a replica); undone with the test's transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = origin")


@pytest.fixture
def admin(personas, client):
    client.force_login(personas.admin.user)
    return client


@pytest.fixture
def targets(personas):
    """One object of every target type, and what the log calls it."""
    p = personas
    grant = AccessGrantFactory(member=p.member, channel=p.channel, role="publisher")
    item = ChecklistItem.objects.create(channel=p.other_channel, member=p.member,
                                        layer=ChecklistItem.Layer.TOOL_ROLE)  # fmt: skip
    review = AccessReview.objects.create(
        name="Q4 review", created_by=p.admin, deadline=timezone.localdate()
    )
    review_item = AccessReviewItem.objects.create(review=review, grant=grant)
    connector = Connector.objects.create(platform="instagram")
    message = OutboxMessage.objects.create(topic="grant.revoked")
    return [
        ("member", p.member.pk, "Member: Maya Member"),
        ("channel", p.channel.pk, "Channel: Instagram @community"),
        ("grant", grant.pk, "Grant: Publisher on Instagram @community for Maya Member"),
        ("team", p.team.pk, "Team: Community"),
        ("checklist_item", item.pk,
         "Checklist item: Tool role removed on X @brand for Maya Member"),
        ("access_review", review.pk, "Access review: Q4 review"),
        ("access_review_item", review_item.pk,
         "Access review item: Publisher on Instagram @community for Maya Member"),
        ("connector", connector.pk, "Connector: Instagram"),
        ("user", p.teammate.user_id, "User: Tom Teammate"),
        ("user", "fay", "User: Fay Foreign"),  # a failed sign-in names the username typed
        ("organisation", "demo", "Organisation"),
        ("outbox", message.pk, f"Outbox message: {message.pk}"),
    ]  # fmt: skip


def _log(targets, actor=None) -> list[AuditEvent]:
    return audit_append_many(
        actor=actor, entries=[Entry("test.labelled", t, i) for t, i, _ in targets]
    )


def _fresh(events) -> list[AuditEvent]:
    """The events as read back (labels are computed on loaded rows)."""
    return list(AuditEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("pk"))


# ---- Names and labels ----


def test_every_target_type_has_a_label(personas, targets):
    events = describe_events(_fresh(_log(targets, personas.admin.user)))
    assert [e.target_label for e in events] == [label for _, _, label in targets]
    assert {e.actor_name for e in events} == {"Ada Admin"}


def test_targets_that_are_gone_or_nameless_show_kind_and_id(personas):
    nameless = MemberFactory(team=personas.team, full_name="")
    gone = str(uuid.uuid4())
    events = describe_events(_fresh(_log([
        ("member", 987654, ""), ("member", nameless.pk, ""), ("grant", 987654, ""),
        ("checklist_item", "x1", ""), ("access_review_item", 987654, ""), ("outbox", gone, ""),
        ("outbox", "not-a-uuid", ""), ("user", "nobody-here", ""), ("user", 987654, ""),
        ("connector", 99999999999999999999, ""),
    ])))  # fmt: skip
    assert [e.target_label for e in events] == [
        "Member #987654", f"Member #{nameless.pk}", "Grant #987654", "Checklist item #x1",
        "Access review item #987654", f"Outbox message #{gone}", "Outbox message #not-a-uuid",
        "User #nobody-here", "User #987654", "Connector #99999999999999999999",
    ]  # fmt: skip


def test_actor_names(personas):
    no_member = UserFactory(username="operator-olga")
    scim = SimpleNamespace(pk=None, get_username=lambda: "scim:Okta production")
    events = [
        audit_append(actor=None, action="test.a", target_type="team", target_id=1),
        audit_append(actor=personas.leader.user, action="test.a", target_type="team", target_id=1),
        audit_append(actor=no_member, action="test.a", target_type="team", target_id=1),
        audit_append(actor=scim, action="test.a", target_type="team", target_id=1),
    ]
    names = [e.actor_name for e in describe_events(_fresh(events))]
    assert names == ["system", "Leo Leader", "operator-olga", 'SCIM token "Okta production"']


def test_labels_take_a_fixed_number_of_queries(personas, targets):
    events = _fresh(_log(targets * 5, personas.admin.user))
    # Users (actors and user targets) 1, and one per other target type that is a row: member,
    # channel, grant, team, checklist item, review, review item, connector, outbox (9).
    with CaptureQueriesContext(connection) as ctx:
        describe_events(events)
    assert len(ctx.captured_queries) == 1 + 9


# ---- API ----


def test_the_api_shows_names_beside_ids(personas, api, targets):
    _log(targets[:2], personas.admin.user)
    body = api(personas.admin).get(API).json()
    channel, member = body["results"]
    assert channel["actor"] == "ada" and channel["actor_id"] == personas.admin.user_id
    assert channel["actor_name"] == "Ada Admin"
    assert channel["target_label"] == "Channel: Instagram @community"
    assert member["target_label"] == "Member: Maya Member"
    assert set(channel) == {"id", "at", "actor", "actor_id", "actor_name", "action",
                            "target_type", "target_id", "target_label", "data", "hash",
                            "prev_hash"}  # fmt: skip
    one = api(personas.admin).get(f"{API}{channel['id']}/").json()
    assert one["target_label"] == "Channel: Instagram @community"
    assert one["actor_name"] == "Ada Admin"


@pytest.fixture
def mixed(personas):
    """A change by the admin, a change by the system, a failed sign-in and a leader's score
    read, at known times."""
    p = personas
    at = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
    with _at(at):
        grant = audit_append(actor=p.admin.user, action="grant.created", target_type="grant",
                             target_id=7)  # fmt: skip
    with _at(at + dt.timedelta(days=1)):
        expired = audit_append(actor=None, action="grant.expired", target_type="grant",
                               target_id=7)  # fmt: skip
        failed = audit_append(actor=None, action="auth.login_failed", target_type="user",
                              target_id="maya")  # fmt: skip
    with _at(at + dt.timedelta(days=2)):
        read = audit_append(actor=p.leader.user, action="score.read", target_type="member",
                            target_id=p.member.pk, data={"via": "api"})  # fmt: skip
    return SimpleNamespace(grant=grant, expired=expired, failed=failed, read=read)


@contextmanager
def _at(moment: dt.datetime):
    """Append events as if at `moment` (the chain does not depend on time order)."""
    with mock.patch("socialops.audit.services.timezone.now", return_value=moment):
        yield


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["read", "failed", "expired", "grant"]),  # both kinds unless filtered
        ("kind=read", ["read"]),
        ("kind=change", ["failed", "expired", "grant"]),
        ("actor={admin}", ["grant"]),
        ("actor={leader}&kind=read", ["read"]),
        ("action=grant.expired", ["expired"]),
        ("action=grant", []),  # exact in the API
        ("target_type=grant", ["expired", "grant"]),
        ("target_type=user&target_id=maya", ["failed"]),
        ("at_after=2026-03-11T00:00:00Z", ["read", "failed", "expired"]),
        ("at_before=2026-03-11T00:00:00Z", ["grant"]),
        ("at_after=2026-03-11T00:00:00Z&at_before=2026-03-12T00:00:00Z", ["failed", "expired"]),
        # 2026-03-11T12:00Z is 2026-03-12T07:51+19:51: an offset PostgreSQL would refuse.
        ("at_after=2026-03-12T07:51:00%2B19:51", ["read", "failed", "expired"]),
        ("at_before=2026-03-11T13:00:00%2B01:00", ["failed", "expired", "grant"]),
    ],
)
def test_api_filters(personas, api, mixed, query, expected):
    query = query.format(admin=personas.admin.user_id, leader=personas.leader.user_id)
    got = _ids(api(personas.admin).get(f"{API}?{query}"))
    assert got == [getattr(mixed, name).pk for name in expected]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("kind=bogus", "kind"),
        ("kind=both", "kind"),  # the API has change and read; no filter means both
        ("at_after=yesterday", "at"),
        ("at_after=2026-03-12T07:51:00+19:51", "at"),  # an unencoded + is a space
        ("at_after=2026-03-12T07:51:00%2B25:00", "at"),
        ("at_before=0001-01-01T00:00:00%2B14:00", "at"),
        ("at_after=9999-12-31T23:59:59-23:59", "at"),
        ("at_after=2026-02-30T00:00:00Z", "at"),
        ("actor=ada", "actor"),
        ("actor=0", "actor"),
        ("actor=1.5", "actor"),
        ("actor=99999999999999999999", "actor"),
        ("target_id=" + "x" * 65, "target_id"),
    ],
)
def test_bad_api_filters_are_400(personas, api, mixed, query, field):
    response = api(personas.admin).get(f"{API}?{query}")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_an_unknown_kind_says_which_kinds_there_are(personas, api):
    body = api(personas.admin).get(f"{API}?kind=bogus").json()
    assert body["kind"] == ["Unknown kind bogus: use change or read."]


@pytest.mark.parametrize("caller", ["member", "leader", "foreigner"])
def test_the_api_is_for_admins_only(personas, api, mixed, caller):
    client = api(getattr(personas, caller))
    assert client.get(API).json()["count"] == 0
    assert client.get(f"{API}?kind=read").json()["count"] == 0
    assert client.get(f"{API}{mixed.read.pk}/").status_code == 404


def test_anonymous_api_callers_are_refused(mixed, api):
    assert api().get(API).status_code in (401, 403)
    assert api().get(f"{API}{mixed.read.pk}/").status_code in (401, 403)


def _mixed_events(p, n: int) -> None:
    """n events cycling through five target types (member, channel, grant, user and the
    organisation), by four actors; every third a score read."""
    grant = AccessGrantFactory(member=MemberFactory(team=p.team), channel=p.channel)
    kinds = [("member", p.member.pk), ("channel", p.channel.pk), ("grant", grant.pk),
             ("user", "maya"), ("organisation", "demo")]  # fmt: skip
    actors = [None, p.admin.user, p.leader.user, MemberFactory(team=p.team).user]
    for i in range(n):
        target_type, target_id = kinds[i % len(kinds)]
        action = "score.read" if i % 3 == 0 else f"test.{target_type}"
        audit_append(actor=actors[i % len(actors)], action=action, target_type=target_type,
                     target_id=target_id)  # fmt: skip


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def test_api_list_query_count_is_constant(personas, api):
    _mixed_events(personas, 5)
    few = _count(api(personas.admin), API)
    _mixed_events(personas, 45)
    many = _count(api(personas.admin), API)
    # The user and the admin's member record (2; an admin who leads no team skips the
    # led-teams query); the count and the page (2); the labels: users, actors and user
    # targets at once (1), members, channels, grants (3; the organisation needs none).
    assert few == many == 2 + 2 + 1 + 3


# ---- The page ----


def _rows(response) -> str:
    body = response.content.decode()
    assert response.status_code == 200
    return body.split('id="audit-events"')[1].split("</table>")[0]


def test_the_page_shows_names_beside_ids(personas, admin, targets):
    _log(targets, personas.leader.user)
    rows = _rows(admin.get(PAGE))
    assert f'Leo Leader <small class="muted">user {personas.leader.user_id}</small>' in rows
    assert "<td>leo</td>" in rows  # the username recorded
    for target_type, target_id, label in targets:
        assert f'{label} <small class="muted">{target_type}:{target_id}</small>' in rows


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["failed", "expired", "grant"]),  # changes by default
        ("kind=change", ["failed", "expired", "grant"]),
        ("kind=read", ["read"]),
        ("kind=both", ["read", "failed", "expired", "grant"]),
        ("actor={admin}", ["grant"]),
        ("actor={leader}&kind=both", ["read"]),
        ("actor=system", ["failed", "expired"]),
        ("actor=987654", []),  # a user id not among the choices is still a filter
        ("action=grant", ["expired", "grant"]),  # a prefix: every grant.* action
        ("action=grant.created", ["grant"]),
        ("action=gra", []),
        ("target=grant", ["expired", "grant"]),
        ("target=user:maya", ["failed"]),
        # Dates are the admin's (Europe/London, UTC in March): both days included.
        ("date_from=2026-03-11", ["failed", "expired"]),
        ("date_to=2026-03-10", ["grant"]),
        ("date_from=2026-03-11&date_to=2026-03-12&kind=both", ["read", "failed", "expired"]),
        ("date_from=2026-03-10&date_to=2026-03-10&action=grant", ["grant"]),
    ],
)
def test_page_filters(personas, admin, mixed, query, expected):
    query = query.format(admin=personas.admin.user_id, leader=personas.leader.user_id)
    rows = _rows(admin.get(f"{PAGE}?{query}"))
    shown = [int(cell.split("</td>")[0]) for cell in rows.split("<tr>\n        <td>")[1:]]
    assert shown == [getattr(mixed, name).pk for name in expected]


def test_page_dates_are_in_the_admins_time_zone(personas, admin, mixed):
    personas.admin.timezone = "Pacific/Auckland"  # UTC+13 in March
    personas.admin.save(update_fields=["timezone"])
    # 2026-03-11 12:00 UTC is already the 12th in Auckland.
    rows = _rows(admin.get(f"{PAGE}?date_from=2026-03-12&date_to=2026-03-12"))
    assert f"<td>{mixed.expired.pk}</td>" in rows and f"<td>{mixed.grant.pk}</td>" not in rows
    assert "12 Mar 2026 01:00:00" in rows


@pytest.mark.parametrize(
    "query",
    [
        "kind=bogus",
        "actor=nobody",
        "actor=0",
        "actor=99999999999999999999",
        "date_from=yesterday",
        "date_from=2026-02-30",
        "date_to=9999-12-31",
        "date_from=2026-03-12&date_to=2026-03-11",
        "action=" + "a" * 65,
        "date_from=0001-01-01",
    ],
)
def test_bad_page_filters_show_an_error_and_the_unfiltered_list(personas, admin, mixed, query):
    personas.admin.timezone = "Asia/Tokyo"  # ahead of UTC: 1 January of year 1 is before it
    personas.admin.save(update_fields=["timezone"])
    response = admin.get(f"{PAGE}?{query}")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'class="error"' in body and "none is applied" in body
    rows = _rows(response)
    for name in ("failed", "expired", "grant"):  # every change, as with no filter
        assert f"<td>{getattr(mixed, name).pk}</td>" in rows
    assert "Download CSV" not in body
    # Exporting with a bad filter shows the page and its errors, not a file.
    export = admin.get(f"{PAGE}?{query}&export=csv")
    assert export["Content-Type"].startswith("text/html") and "none is applied" in (
        export.content.decode()
    )


def test_the_page_offers_the_actions_and_actors_present(personas, admin, mixed):
    body = admin.get(PAGE).content.decode()
    datalist = body.split('<datalist id="audit-actions">')[1].split("</datalist>")[0]
    assert datalist == "".join(
        f'<option value="{a}">'
        for a in ["auth.login_failed", "grant.created", "grant.expired", "score.read"]
    )
    select = body.split('name="actor"')[1].split("</select>")[0]
    assert f'value="{personas.admin.user_id}">Ada Admin (user {personas.admin.user_id})' in select
    assert f'value="{personas.leader.user_id}">Leo Leader' in select
    assert 'value="system">The system' in select and "Maya Member" not in select


def test_page_query_count_is_constant(personas, admin):
    _mixed_events(personas, 5)
    few = _count(admin, f"{PAGE}?kind=both")
    _mixed_events(personas, 45)
    many = _count(admin, f"{PAGE}?kind=both")
    filtered = _count(admin, f"{PAGE}?kind=both&action=test&date_from=2020-01-01")
    _mixed_events(personas, 60)
    second = _count(admin, f"{PAGE}?kind=both&page=2")
    # Session and user, the admin's member record (3); the actor choices (1); the count and
    # the page (2); labels: users (1), members, channels, grants (3); the actions present
    # (1); the last verification (1).
    assert few == many == filtered == second == 3 + 1 + 2 + 1 + 3 + 1 + 1


# ---- CSV ----


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_holds_the_filtered_events_with_names(personas, admin, mixed):
    rows = _csv(admin.get(f"{PAGE}?action=grant&export=csv"))
    assert [r["id"] for r in rows] == [str(mixed.expired.pk), str(mixed.grant.pk)]
    created = rows[1]
    event = AuditEvent.objects.get(pk=mixed.grant.pk)
    assert created == {
        "id": str(event.pk), "at": "2026-03-10T12:00:00+00:00",
        "actor_id": str(personas.admin.user_id), "actor_name": "Ada Admin",
        "action": "grant.created", "target_type": "grant", "target_id": "7",
        "target_label": "Grant #7", "data": "{}", "prev_hash": event.prev_hash,
        "hash": event.hash,
    }  # fmt: skip
    assert rows[0]["actor_id"] == "" and rows[0]["actor_name"] == "system"
    everything = _csv(admin.get(f"{PAGE}?kind=both&export=csv&page=2"))
    assert len(everything) == 4  # the whole selection, not a page of it


def test_csv_neutralises_formulas(personas, admin):
    evil = MemberFactory(team=personas.team, full_name='=HYPERLINK("http://x")')
    audit_append(actor=evil.user, action="@sum", target_type="team", target_id="+1",
                 data={"note": "=1+1"})  # fmt: skip
    audit_append(actor=None, action="-2", target_type="team", target_id="\tx")
    audit_append(actor=None, action="\rcr", target_type="team", target_id="ok")
    rows = _csv(admin.get(f"{PAGE}?export=csv"))
    cr, tab, formula = rows
    assert formula["actor_name"] == '\'=HYPERLINK("http://x")'
    assert formula["action"] == "'@sum" and formula["target_id"] == "'+1"
    assert formula["target_label"] == "Team #+1"
    assert json.loads(formula["data"]) == {"note": "=1+1"}  # JSON starts with {: harmless
    assert tab["action"] == "'-2" and tab["target_id"] == "'\tx"
    assert cr["action"] == "'\rcr"


def test_csv_is_streamed_in_batches_of_fixed_queries(personas, admin, monkeypatch):
    import governance.audit_views as audit_views

    monkeypatch.setattr(audit_views, "CSV_BATCH", 7)
    audit_append_many(actor=None, entries=[Entry("test.n", "team", i) for i in range(20)])
    rows = _csv(admin.get(f"{PAGE}?export=csv"))
    assert [int(r["target_id"]) for r in rows] == list(range(19, -1, -1))


# ---- Verification records ----


def test_the_command_records_its_result(personas):
    audit_append(actor=None, action="test.a", target_type="team", target_id=1)
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "Audit chain verified: 1 rows, no break." in out.getvalue()
    record = AuditVerification.objects.get()
    assert (record.ok, record.rows, record.first_broken_row, record.problem, record.source) == (
        True, 1, None, "", "command",
    )  # fmt: skip


def _break_the_chain() -> list[AuditEvent]:
    rows = audit_append_many(actor=None, entries=[Entry("test.n", "team", i) for i in range(3)])
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "UPDATE governance_auditevent SET data = '{\"x\": 1}'::jsonb WHERE id = %s",
            [rows[1].pk],
        )
        cursor.execute("SET session_replication_role = origin")
    return rows


def test_a_broken_chain_is_recorded_too(personas):
    rows = _break_the_chain()
    with pytest.raises(CommandError, match=f"row {rows[1].pk}"):
        call_command("verify_audit", stdout=io.StringIO())
    record = AuditVerification.objects.get()
    assert not record.ok and record.first_broken_row == rows[1].pk and record.rows == 3
    assert record.problem == "hash does not match the row's contents"


def test_the_nightly_job_records_and_is_scheduled(personas):
    audit_append(actor=None, action="test.a", target_type="team", target_id=1)
    assert audit_verify_nightly() == {"ok": True, "rows": 1, "first_broken_row": None}
    assert AuditVerification.objects.get().source == "job"
    scheduled = PeriodicTask.objects.get(task="socialops.audit.tasks.audit_verify_nightly")
    assert scheduled.enabled and scheduled.queue == "governance"
    assert (scheduled.crontab.hour, scheduled.crontab.minute) == ("2", "15")


def test_verify_now_on_the_page(personas, admin):
    audit_append(actor=None, action="test.a", target_type="team", target_id=1)
    body = admin.get(PAGE).content.decode()
    assert "The chain has not been verified yet." in body
    response = admin.post(PAGE, {"next": f"{PAGE}?kind=read"}, follow=True)
    assert response.redirect_chain == [(f"{PAGE}?kind=read", 302)]
    body = response.content.decode()
    assert "Audit chain verified: 1 rows, no break." in body  # the message
    panel = body.split('id="audit-verification"')[1].split("</section>")[0]
    assert "Intact" in panel and "1 row, no break" in panel and "Audit page" in panel
    assert AuditVerification.objects.get().source == "page"
    # A next that leaves the audit page is not followed.
    assert admin.post(PAGE, {"next": "https://evil.example/"}).url == PAGE
    assert admin.post(PAGE, {"next": "/governance/grants/"}).url == PAGE


def test_a_broken_chain_shows_on_the_page(personas, admin):
    rows = _break_the_chain()
    response = admin.post(PAGE, follow=True)
    body = response.content.decode()
    assert f"Audit chain broken at row {rows[1].pk}" in body
    panel = body.split('id="audit-verification"')[1].split("</section>")[0]
    assert "Broken" in panel and f"breaks at row {rows[1].pk}" in panel and "3 rows" in panel


def test_verify_now_needs_csrf(personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.admin.user)
    assert client.post(PAGE).status_code == 403
    assert not AuditVerification.objects.exists()


@pytest.mark.parametrize("who", ["member", "leader", "foreigner"])
def test_the_page_and_verify_now_are_for_admins(personas, client, mixed, who):
    client.force_login(getattr(personas, who).user)
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}?export=csv").status_code == 403
    assert client.post(PAGE).status_code == 403
    assert not AuditVerification.objects.exists()


def test_anonymous_is_sent_to_sign_in(client, mixed):
    for response in (client.get(PAGE), client.get(f"{PAGE}?export=csv"), client.post(PAGE)):
        assert response.status_code == 302 and response.url.startswith("/login/")
    assert not AuditVerification.objects.exists()
