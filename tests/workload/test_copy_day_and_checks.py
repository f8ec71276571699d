"""Fewer keystrokes, safer entries (docs/api.md Additions): copy any day, idempotently;
hostile messages never above messages handled; an overlapping entry is saved with a warning."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ChannelFactory
from workload.models import TaskLog

pytestmark = pytest.mark.django_db

LOGS = "/api/v1/task-logs/"
COPY = "/api/v1/task-logs/copy-day/"


def _log(client, **fields):
    body = {"date": "2026-11-30", "started_at": "09:00", "minutes": 60, "category": "publishing",
            **fields}  # fmt: skip
    return client.post(LOGS, body, format="json")


@pytest.fixture
def maya(personas, api):
    return api(personas.member)


def test_copy_day_copies_entries_without_their_notes_and_remembers_the_source(personas, maya):
    channel = ChannelFactory(team=personas.team)
    first = _log(maya, note="private detail", channel=channel.pk, messages_handled=12,
                 hostile_messages=2, crisis=True).json()  # fmt: skip
    second = _log(maya, started_at="11:00", minutes=30, category="community_management").json()
    response = maya.post(COPY, {"from_date": "2026-11-30", "to_date": "2026-12-01"}, format="json")
    assert response.status_code == 201, response.content
    copies = response.json()["task_logs"]
    assert [(c["date"], c["started_at"], c["minutes"]) for c in copies] == [
        ("2026-12-01", "09:00", 60), ("2026-12-01", "11:00", 30)
    ]  # fmt: skip
    assert copies[0]["note"] == "" and copies[0]["channel"] == channel.pk
    assert (copies[0]["messages_handled"], copies[0]["hostile_messages"], copies[0]["crisis"]) == (
        12, 2, True
    )  # fmt: skip
    sources = TaskLog.objects.filter(date=dt.date(2026, 12, 1)).values_list(
        "copied_from_id", flat=True
    )
    assert sorted(sources) == sorted([first["id"], second["id"]])


def test_copying_twice_copies_nothing_twice(personas, maya):
    _log(maya)
    body = {"from_date": "2026-11-30", "to_date": "2026-12-01"}
    first = maya.post(COPY, body, format="json")
    assert first.status_code == 201
    again = maya.post(COPY, body, format="json")
    assert again.status_code == 409
    assert again.json()["existing"] == [first.json()["task_logs"][0]["id"]]
    assert TaskLog.objects.filter(date=dt.date(2026, 12, 1)).count() == 1

    # A new entry on the source day is copied alone; a deleted copy may be copied again.
    _log(maya, started_at="14:00")
    some = maya.post(COPY, body, format="json")
    assert some.status_code == 201 and len(some.json()["task_logs"]) == 1
    maya.delete(f"{LOGS}{first.json()['task_logs'][0]['id']}/")
    anew = maya.post(COPY, body, format="json")
    assert anew.status_code == 201 and len(anew.json()["task_logs"]) == 1
    assert TaskLog.objects.filter(date=dt.date(2026, 12, 1)).count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"from_date": "2026-11-29", "to_date": "2026-12-01"}, "from_date"),  # nothing logged
        ({"from_date": "2026-11-30", "to_date": "2026-11-30"}, "to_date"),  # the same day
        ({"from_date": "2026-11-30", "to_date": "2099-01-01"}, "date"),  # the future
        ({"from_date": "2026-11-30", "to_date": "2999-01-01"}, "to_date"),  # past 2100
        ({"from_date": "2026-11-30", "to_date": "someday"}, "to_date"),
        ({"from_date": "2026-11-30"}, "to_date"),
    ],
)
def test_bad_copy_requests_are_400_and_create_nothing(personas, maya, body, field):
    _log(maya)
    before = TaskLog.objects.count()
    response = maya.post(COPY, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert TaskLog.objects.count() == before


def test_the_day_cap_applies_to_copies_all_or_nothing(personas, maya):
    _log(maya, started_at="00:00", minutes=720)
    _log(maya, started_at="12:00", minutes=600)
    _log(maya, date="2026-12-01", started_at="00:00", minutes=600)
    before = TaskLog.objects.count()
    response = maya.post(COPY, {"from_date": "2026-11-30", "to_date": "2026-12-01"}, format="json")
    assert response.status_code == 400 and "24h" in str(response.json())
    assert TaskLog.objects.count() == before


def test_copy_day_is_the_callers_own_and_leaders_cannot(personas, api, maya):
    _log(maya)
    body = {"from_date": "2026-11-30", "to_date": "2026-12-01"}
    # Tom has nothing on that day: his copy never touches Maya's entries.
    tom = api(personas.teammate).post(COPY, body, format="json")
    assert tom.status_code == 400
    assert api(personas.leader).post(COPY, body, format="json").status_code == 403
    assert api(personas.admin).post(COPY, body, format="json").status_code == 403
    assert api(None).post(COPY, body, format="json").status_code == 401
    assert not TaskLog.objects.filter(date=dt.date(2026, 12, 1)).exists()


def test_copy_day_runs_a_fixed_number_of_queries(personas, maya):
    channel = ChannelFactory(team=personas.team)

    def copy(n: int, to: str) -> int:
        for k in range(n):
            _log(maya, date="2026-11-25", started_at=f"{8 + k:02d}:00", minutes=30,
                 channel=channel.pk)  # fmt: skip
        with CaptureQueriesContext(connection) as captured:
            assert maya.post(COPY, {"from_date": "2026-11-25", "to_date": to},
                             format="json").status_code == 201  # fmt: skip
        return len(captured)

    # The sources, the copies already there, the member's lock, the day cap, one insert.
    one = copy(1, "2026-11-26")
    TaskLog.objects.filter(date=dt.date(2026, 11, 25)).delete()
    five = copy(5, "2026-11-27")
    assert one == five


def test_hostile_messages_cannot_exceed_messages_handled(personas, maya):
    before = TaskLog.objects.count()
    response = _log(maya, messages_handled=3, hostile_messages=10)
    assert response.status_code == 400
    assert "cannot be more than the messages handled" in response.json()["hostile_messages"][0]
    both_zero = _log(maya, messages_handled=0, hostile_messages=1)
    assert both_zero.status_code == 400
    assert TaskLog.objects.count() == before
    assert _log(maya, messages_handled=3, hostile_messages=3).status_code == 201
    assert _log(maya, started_at="12:00", hostile_messages=2).status_code == 201  # not both given
    entry = TaskLog.objects.filter(messages_handled=3).get()
    patched = maya.patch(f"{LOGS}{entry.pk}/", {"hostile_messages": 4}, format="json")
    assert patched.status_code == 400  # the stored 3 handled still count


def test_an_overlapping_entry_is_saved_with_a_warning(personas, maya):
    first = _log(maya, started_at="09:00", minutes=60).json()
    assert first["warnings"] == []
    overlapping = _log(maya, started_at="09:30", minutes=60)
    assert overlapping.status_code == 201
    assert overlapping.json()["warnings"] == [{"overlaps": first["id"]}]
    touching = _log(maya, started_at="10:30", minutes=30)  # starts when the second ends
    assert touching.json()["warnings"] == []
    # Across midnight: 23:30 + 60 min runs into the next day's 00:00 entry.
    late = _log(maya, date="2026-11-29", started_at="23:30", minutes=60).json()
    early = _log(maya, date="2026-11-30", started_at="00:00", minutes=15)
    assert {"overlaps": late["id"]} in early.json()["warnings"]
    assert TaskLog.objects.count() == 5
    listed = maya.get(LOGS).json()["results"]
    assert all(row["warnings"] == [] for row in listed)  # lists carry no warnings


def test_the_edit_window_closes_old_days(personas, maya, api):
    today = personas.member.today()
    old = today - dt.timedelta(days=36)
    inside = today - dt.timedelta(days=35)
    before = TaskLog.objects.count()
    refused = _log(maya, date=old.isoformat())
    assert (
        refused.status_code == 400
        and "more than 35 days old are closed" in (refused.json()["date"][0])
    )
    assert TaskLog.objects.count() == before
    kept = _log(maya, date=inside.isoformat())
    assert kept.status_code == 201
    # An entry that has since fallen out of the window can no longer change or go.
    stale = TaskLog.objects.create(member=personas.member, date=old, minutes=30,
                                   category="publishing")  # fmt: skip
    assert maya.patch(f"{LOGS}{stale.pk}/", {"minutes": 45}, format="json").status_code == 400
    assert maya.patch(f"{LOGS}{kept.json()['id']}/", {"date": old.isoformat()},
                      format="json").status_code == 400  # fmt: skip
    assert maya.delete(f"{LOGS}{stale.pk}/").status_code == 400
    stale.refresh_from_db()
    assert stale.minutes == 30
    copy = maya.post(COPY, {"from_date": inside.isoformat(), "to_date": old.isoformat()},
                     format="json")  # fmt: skip
    assert copy.status_code == 400 and "closed" in copy.json()["date"][0]

    # An admin widens the window for the team: the day opens.
    team = api(personas.admin).patch(f"/api/v1/teams/{personas.team.pk}/",
                                     {"log_window_days": 60}, format="json")  # fmt: skip
    assert team.status_code == 200 and team.json()["log_window_days"] == 60
    assert _log(maya, date=old.isoformat(), started_at="15:00").status_code == 201
    bad = api(personas.admin).patch(f"/api/v1/teams/{personas.team.pk}/",
                                    {"log_window_days": 0}, format="json")  # fmt: skip
    assert bad.status_code == 400
