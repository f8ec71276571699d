"""Idempotency-Key on POSTs under /api/v1/ (docs/api.md, docs/idempotency.md)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from socialops.idempotency.models import IdempotencyRecord
from socialops.idempotency.tasks import idempotency_purge
from teams.tokens import issue_token
from tests.factories import PASSWORD
from workload.models import TaskLog

pytestmark = pytest.mark.django_db

URL = "/api/v1/task-logs/"
BODY = {"date": "2026-11-02", "category": "community_management", "minutes": 30}


def session(member) -> APIClient:
    client = APIClient()
    assert client.login(username=member.user.username, password=PASSWORD)
    return client


def token(member) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(member.user)[1]}")
    return client


def post(client, key="k-1", body=None, url=URL, **kwargs):
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post(url, BODY if body is None else body, format="json", headers=headers,
                       **kwargs)  # fmt: skip


@pytest.mark.parametrize("make_client", [session, token], ids=["session", "token"])
def test_a_retry_replays_the_first_response_and_creates_nothing_more(personas, make_client):
    client = make_client(personas.member)
    first = post(client)
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    # The same JSON, keys in another order: the same request.
    again = post(client, body=dict(reversed(list(BODY.items()))))
    assert again.status_code == 201
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Idempotent-Replayed"] == "true"
    assert TaskLog.objects.filter(member=personas.member).count() == 1
    record = IdempotencyRecord.objects.get()
    assert (record.state, record.status_code, record.user) == ("done", 201, personas.member.user)


def test_the_same_key_with_another_body_is_422_and_changes_nothing(personas):
    client = session(personas.member)
    assert post(client).status_code == 201
    other = post(client, body={**BODY, "minutes": 45})
    assert other.status_code == 422
    assert other.json() == {"detail": "This Idempotency-Key was used with another request."}
    assert TaskLog.objects.filter(member=personas.member).count() == 1


def test_the_key_is_scoped_to_the_user_and_the_path(personas, past_day):
    assert post(session(personas.member)).status_code == 201
    assert post(session(personas.teammate)).status_code == 201
    assert TaskLog.objects.count() == 2
    # Same user, same key, another path: independent (here it answers 400 on its own terms).
    copy = post(session(personas.member), url=URL + "copy-day/",
                body={"from_date": "2026-11-02", "to_date": str(past_day)})  # fmt: skip
    assert "Idempotent-Replayed" not in copy
    assert IdempotencyRecord.objects.filter(key="k-1").count() == 3


def test_a_400_is_replayed_too(personas):
    client = session(personas.member)
    bad = {**BODY, "minutes": 0}
    first = post(client, body=bad)
    assert first.status_code == 400
    again = post(client, body=bad)
    assert (again.status_code, again.content) == (400, first.content)
    assert again["Idempotent-Replayed"] == "true"
    assert not TaskLog.objects.exists()


def test_a_5xx_is_not_stored_and_the_retry_runs_again(personas, monkeypatch):
    from workload.services import task_logs

    client = session(personas.member)
    client.raise_request_exception = False
    real = task_logs.task_log_create

    def broken(**kwargs):
        raise RuntimeError("database fell over")

    monkeypatch.setattr(task_logs, "task_log_create", broken)
    assert post(client).status_code == 500
    assert not IdempotencyRecord.objects.exists()
    monkeypatch.setattr(task_logs, "task_log_create", real)
    retry = post(client)
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry
    assert TaskLog.objects.count() == 1


def test_a_retry_while_the_first_still_runs_is_409(personas):
    client = session(personas.member)
    assert post(client).status_code == 201
    IdempotencyRecord.objects.update(state=IdempotencyRecord.State.RUNNING)
    running = post(client)
    assert running.status_code == 409
    assert running.json() == {"detail": "A request with this Idempotency-Key is still running."}
    assert TaskLog.objects.count() == 1


def test_a_record_older_than_7_days_is_ignored(personas):
    client = session(personas.member)
    assert post(client).status_code == 201
    IdempotencyRecord.objects.update(created_at=timezone.now() - dt.timedelta(days=7, minutes=1))
    again = post(client, body={**BODY, "minutes": 45})  # another body: no 422 either
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert TaskLog.objects.count() == 2
    assert IdempotencyRecord.objects.get().created_at > timezone.now() - dt.timedelta(minutes=1)


def test_anonymous_with_a_key_is_401_and_nothing_is_stored(personas):
    assert post(APIClient()).status_code == 401
    bad_token = APIClient()
    bad_token.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert post(bad_token).status_code == 401
    assert not IdempotencyRecord.objects.exists()


def test_a_key_over_255_characters_is_400(personas):
    client = session(personas.member)
    response = post(client, key="k" * 256)
    assert response.status_code == 400
    assert "255" in response.json()["detail"]
    assert not TaskLog.objects.exists()
    assert post(client, key="k" * 255).status_code == 201


def test_multipart_is_compared_by_its_fields_and_the_files_bytes(personas):
    client = session(personas.member)

    def send(content: bytes):
        upload = SimpleUploadedFile("logs.csv", content, content_type="text/csv")
        return client.post(URL, {**BODY, "file": upload}, format="multipart",
                           headers={"Idempotency-Key": "upload"})  # fmt: skip

    first = send(b"date,minutes\n2026-11-02,30\n")
    assert first.status_code == 201, first.content
    again = send(b"date,minutes\n2026-11-02,30\n")
    assert (again.status_code, again.content) == (201, first.content)
    assert again["Idempotent-Replayed"] == "true"
    assert send(b"date,minutes\n2026-11-02,45\n").status_code == 422
    assert TaskLog.objects.count() == 1


def test_without_the_header_nothing_changes(personas):
    client = session(personas.member)
    assert post(client, key=None).status_code == 201
    assert post(client, key=None).status_code == 201
    assert TaskLog.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_the_purge_deletes_records_past_7_days(personas, eager_celery):
    client = session(personas.member)
    assert post(client, key="old").status_code == 201
    assert post(client, key="new", body={**BODY, "minutes": 45}).status_code == 201
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - dt.timedelta(days=8)
    )
    assert idempotency_purge.delay().get() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_the_purge_is_scheduled_daily():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="socialops.idempotency.tasks.idempotency_purge")
    assert (task.crontab.hour, task.crontab.minute) == ("3", "40")


def _queries(client, **kwargs) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = post(client, **kwargs)
    assert response.status_code == 201
    return len(queries)


def test_the_middleware_adds_a_constant_number_of_queries(personas):
    client = token(personas.member)
    plain = _queries(client, key=None, body={**BODY, "date": "2026-11-03"})
    first = _queries(client, key="q", body={**BODY, "date": "2026-11-04"})
    replay = _queries(client, key="q", body={**BODY, "date": "2026-11-04"})
    # First: the token, the lookup, the claim (insert in a savepoint: 3 statements in a test)
    # and the stored response.
    assert first - plain <= 6, (plain, first)
    # Replay: the token and the stored record; the view does not run.
    assert replay <= 2, replay
    print(f"queries: plain={plain} first={first} replay={replay}")
