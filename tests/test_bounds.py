"""Dates and ranges (issue 12 item 3, docs/security.md "Dates and ranges"): every date and
datetime a client sends is 1970-01-01..2100-12-31 or a clear 400; the 500s the fuzzer found
stay fixed; a failed recompute job ends `failed`."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
import threading
import time

import django_filters
import pytest
from django import forms
from django.db import connection, transaction
from django.utils import timezone
from rest_framework import serializers

from governance.models import AccessGrant, AccessReview
from socialops.common import fields as bounded
from teams.models import Leave, OnCallShift
from tests.factories import AccessGrantFactory
from workload.models import RecomputeJob

APPS = ("socialops", "teams", "workload", "governance")


# ---- The 500s the fuzzer found ----


@pytest.mark.django_db
def test_leave_without_kind_is_vacation_not_500(personas, api, past_day):
    response = api(personas.member).post(
        "/api/v1/leave/", {"start_date": past_day.isoformat(), "end_date": past_day.isoformat()}
    )
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "vacation"
    assert Leave.objects.get().kind == "vacation"


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"])
@pytest.mark.parametrize(
    ("starts_at", "ends_at"),
    [
        ("0001-01-01T00:30:00+00:00", "0001-01-01T02:00:00+00:00"),
        ("0001-01-01T00:30:00", "0001-01-01T02:00:00"),
        ("9999-12-31T22:00:00+00:00", "9999-12-31T23:30:00+00:00"),
        ("9999-12-31T22:00:00", "9999-12-31T23:30:00"),
        ("9999-12-31T22:00:00-12:00", "9999-12-31T23:30:00-12:00"),
        ("1969-12-31T22:00:00Z", "1969-12-31T23:00:00Z"),
        ("2101-01-01T01:00:00Z", "2101-01-01T02:00:00Z"),
    ],
)
def test_on_call_far_years_are_a_400_in_every_zone(personas, api, zone, starts_at, ends_at):
    personas.member.timezone = zone
    personas.member.save(update_fields=["timezone"])
    response = api(personas.member).post(
        "/api/v1/on-call/", {"starts_at": starts_at, "ends_at": ends_at}, format="json"
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) & {"starts_at", "ends_at"}, body
    assert "1970-01-01" in str(body)
    assert not OnCallShift.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("as_of", ["0001-01-01", "1969-12-31"])
def test_recompute_far_past_is_a_400_and_no_job(
    personas, api, eager_celery, django_capture_on_commit_callbacks, as_of
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api(personas.member).post("/api/v1/scores/recompute/", {"as_of": as_of})
    assert response.status_code == 400, response.content
    assert "1970-01-01" in response.json()["as_of"][0]
    assert not callbacks and not RecomputeJob.objects.exists()


@pytest.mark.django_db
def test_a_recompute_task_that_fails_ends_its_job_failed(personas, monkeypatch, eager_celery):
    """Whatever the task raises (here: the far-past date the API now refuses, sent straight
    to the task as an old client or a hand-made call could), its job ends `failed`."""
    from workload import tasks

    job = tasks.jobs.job_create(as_of=dt.date(2026, 1, 5), team_ids=[personas.team.pk])
    result = tasks.recompute_team.apply(
        kwargs={"team_id": personas.team.pk, "as_of": "0001-01-01", "job_id": str(job.pk)},
        throw=False,
    )
    assert result.failed()
    job.refresh_from_db()
    assert job.state == RecomputeJob.State.FAILED, job.state
    assert job.finished_at is not None and job.error


@pytest.mark.django_db
def test_a_recompute_task_retry_exhausted_ends_its_job_failed(personas, monkeypatch, eager_celery):
    from django.db import OperationalError

    from workload import tasks

    def broken(**kwargs):
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(tasks.scoring, "team_recompute", broken)
    monkeypatch.setattr(tasks.recompute_team, "max_retries", 0)
    job = tasks.jobs.job_create(as_of=dt.date(2026, 1, 5), team_ids=[personas.team.pk])
    tasks.recompute_team.apply(
        kwargs={"team_id": personas.team.pk, "as_of": "2026-01-05", "job_id": str(job.pk)},
        throw=False,
    )
    job.refresh_from_db()
    assert job.state == RecomputeJob.State.FAILED, job.state


@pytest.mark.django_db
def test_a_running_job_whose_task_died_is_reported_failed(personas, api):
    """A job left `running` by a worker that vanished (no on_failure ever ran) does not stay
    running for ever: past RECOMPUTE_JOB_TIMEOUT it reads as failed."""
    from workload.services import jobs

    job = jobs.job_create(as_of=dt.date(2026, 1, 5), team_ids=[personas.team.pk],
                          requested_by=personas.member.user)  # fmt: skip
    jobs.job_mark_running(job_id=str(job.pk))
    RecomputeJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - jobs.JOB_TIMEOUT - dt.timedelta(seconds=1)
    )
    body = api(personas.member).get(f"/api/v1/jobs/{job.pk}/").json()
    assert body["state"] == "failed" and body["error"], body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("at_after=2026-03-12T07:51:00%2B19:51", None),
        ("at_after=0001-01-01T00:00:00%2B19:51", "at"),
        ("at_before=9999-12-31T23:59:59-19:51", "at"),
        ("at_after=1969-12-31T23:59:59Z", "at"),
        ("at_before=2101-01-01T00:00:00Z", "at"),
    ],
)
def test_audit_filter_offsets_and_bounds(personas, api, query, field):
    response = api(personas.admin).get(f"/api/v1/audit-events/?{query}")
    if field is None:
        assert response.status_code == 200, response.content
    else:
        assert response.status_code == 400, response.content
        assert field in response.json()


@pytest.mark.django_db(transaction=True)
def test_access_review_and_a_concurrent_locked_grant_do_not_deadlock(personas):
    """review_create inserts items whose foreign keys point at grants; checked at commit
    (deferred), after it took the audit lock, they wait for a grant another transaction holds
    FOR UPDATE while that one waits for the audit lock: a deadlock (a 500). The checks now
    run as the rows are inserted, before the audit lock."""
    from governance.reviews import review_create
    from socialops.audit.services import audit_append

    grant = AccessGrantFactory(member=personas.member, channel=personas.channel)
    locked, errors, done = threading.Event(), [], []

    def holder():
        try:
            with transaction.atomic():
                AccessGrant.objects.select_for_update().get(pk=grant.pk)
                locked.set()
                time.sleep(1.5)  # the reviewer's transaction reaches its commit meanwhile
                audit_append(actor=None, action="test.hold", target_type="grant",
                             target_id=grant.pk)  # fmt: skip
            done.append("holder")
        except Exception as exc:  # the deadlock victim: recorded, asserted below
            errors.append(exc)
        finally:
            connection.close()

    def reviewer():
        locked.wait(5)
        try:
            review_create(actor=personas.admin, name="Q1",
                          deadline=timezone.localdate() + dt.timedelta(days=7))  # fmt: skip
            done.append("reviewer")
        except Exception as exc:  # the deadlock victim: recorded, asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=holder), threading.Thread(target=reviewer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not errors, errors
    assert sorted(done) == ["holder", "reviewer"]
    assert AccessReview.objects.get().items.count() == 1


# ---- The range, at every door ----


BAD_DATES = ["0001-01-01", "1969-12-31", "2101-01-01", "9999-12-31"]


@pytest.mark.django_db
@pytest.mark.parametrize("day", BAD_DATES)
@pytest.mark.parametrize(
    ("who", "path", "body", "field"),
    [
        ("member", "/api/v1/leave/", {"start_date": "{d}", "end_date": "{d}"}, "start_date"),
        (
            "member",
            "/api/v1/task-logs/",
            {"date": "{d}", "category": "inbox", "duration": "1h"},
            "date",
        ),  # fmt: skip
        ("member", "/api/v1/scores/recompute/", {"as_of": "{d}"}, "as_of"),
        ("member", "/api/v1/pulse/", {"week": "{d}"}, "week"),
        ("admin", "/api/v1/access-reviews/", {"name": "Q", "deadline": "{d}"}, "deadline"),
    ],
)
def test_body_dates_out_of_range_are_a_400(personas, api, day, who, path, body, field):
    payload = {k: v.replace("{d}", day) if isinstance(v, str) else v for k, v in body.items()}
    response = api(getattr(personas, who)).post(path, payload, format="json")
    assert response.status_code == 400, (path, response.content)
    assert field in response.json(), response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("day", BAD_DATES)
@pytest.mark.parametrize(
    ("who", "query", "field"),
    [
        ("member", "/api/v1/scores/?as_of={d}", "as_of"),
        ("leader", "/api/v1/scores/summary/?team={team}&as_of={d}", "as_of"),
        ("member", "/api/v1/task-logs/?date_after={d}", "date"),
        ("member", "/api/v1/task-logs/?date_before={d}", "date"),
        ("leader", "/api/v1/staffing/?as_of={d}", "as_of"),
    ],
)
def test_query_dates_out_of_range_are_a_400(personas, api, day, who, query, field):
    url = query.replace("{d}", day).replace("{team}", str(personas.team.pk))
    response = api(getattr(personas, who)).get(url)
    assert response.status_code == 400, (url, response.content)
    assert any(k.startswith(field) for k in response.json()), response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["1970-01-01", "2100-12-31"])
def test_the_range_ends_are_accepted(personas, api, day):
    response = api(personas.member).get(f"/api/v1/scores/?as_of={day}")
    assert response.status_code == 200, response.content


# ---- No door left open: every serializer, filter set and form ----


def _app_modules():
    for app in APPS:
        package = importlib.import_module(app)
        yield package
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" in info.name or ".management" in info.name:
                continue
            yield importlib.import_module(info.name)


def _classes(base):
    seen = {}
    for module in _app_modules():
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, base) and cls.__module__.split(".")[0] in APPS:
                seen[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return seen


def _writable_dates(fields):
    for name, field in fields.items():
        child = getattr(field, "child", None)
        for candidate in (field, child):
            dated = isinstance(candidate, serializers.DateField | serializers.DateTimeField)
            if dated and not candidate.read_only:
                yield name, candidate


def test_every_serializer_date_is_bounded():
    unbounded = []
    for name, cls in _classes(serializers.Serializer).items():
        if cls is bounded.BoundedModelSerializer or inspect.isabstract(cls):
            continue
        try:
            instance = cls()
        except TypeError:  # needs arguments to build: none of ours does
            unbounded.append(f"{name}: cannot be built without arguments")
            continue
        if isinstance(instance, serializers.ModelSerializer) and not hasattr(
            getattr(cls, "Meta", None), "model"
        ):
            continue  # an abstract base
        for field_name, field in _writable_dates(instance.fields):
            if not isinstance(field, bounded.BoundedDateField | bounded.BoundedDateTimeField):
                unbounded.append(f"{name}.{field_name}")
    assert not unbounded, unbounded


def test_every_filter_date_is_bounded():
    unbounded = []
    for name, cls in _classes(django_filters.FilterSet).items():
        if getattr(cls._meta, "model", None) is None:
            continue
        for field_name, flt in cls.base_filters.items():
            field = flt.field
            parts = getattr(field, "fields", None) or [field]
            for part in parts:
                dated = isinstance(part, forms.DateField | forms.DateTimeField)
                if dated and bounded.validate_date_range not in part.validators:
                    unbounded.append(f"{name}.{field_name}")
    assert not unbounded, unbounded


def test_every_view_set_filter_date_is_bounded():
    """View sets that name `filterset_fields` get generated filter sets: their dates too."""
    from django_filters.rest_framework import DjangoFilterBackend

    importlib.import_module("socialops.urls")  # imports every view set

    unbounded = []
    for name, cls in _classes(object).items():
        model = getattr(cls, "model", None)
        fields = getattr(cls, "filterset_fields", None)
        if not (model and isinstance(fields, list | tuple)):
            continue
        view = cls()
        view.queryset = model.objects.all()
        filterset = DjangoFilterBackend().get_filterset_class(view, model.objects.all())
        for field_name, flt in filterset.base_filters.items():
            if isinstance(flt.field, forms.DateField | forms.DateTimeField):
                unbounded.append(f"{name}.{field_name}")
    assert not unbounded, unbounded


def test_every_form_date_is_bounded():
    unbounded = []
    for name, cls in _classes(forms.BaseForm).items():
        for field_name, field in getattr(cls, "base_fields", {}).items():
            dated = isinstance(field, forms.DateField | forms.DateTimeField)
            if dated and bounded.validate_date_range not in field.validators:
                unbounded.append(f"{name}.{field_name}")
    assert not unbounded, unbounded


def test_the_bounds_themselves():
    assert bounded.date_in_range(dt.date(1970, 1, 1))
    assert bounded.date_in_range(dt.date(2100, 12, 31))
    assert not bounded.date_in_range(dt.date(1969, 12, 31))
    assert not bounded.date_in_range(dt.date(2101, 1, 1))
    far = dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-19, minutes=-51)))
    assert not bounded.instant_in_range(far)


# ---- Pages that read a date from the request ----


@pytest.mark.django_db
@pytest.mark.parametrize("day", [*BAD_DATES, "2026-02-30", "x", "2026-1-1"])
def test_page_dates_far_or_malformed_fall_back_never_500(personas, client, day):
    """My week (?week=, ?day=), the pulse (?week=, and its POSTed week) and the audit page's
    filters read dates: far, impossible or malformed ones answer the page (its usual week,
    or a clear error), never a 500, and the pulse saves nothing."""
    from workload.models import PulseResponse

    client.force_login(personas.member.user)
    for url in (f"/log/?week={day}", f"/log/?day={day}", f"/pulse/?week={day}"):
        assert client.get(url).status_code == 200, url
    answers = {f"q{i}": "50" for i in range(1, 8)}
    response = client.post("/pulse/", {"week": day, **answers})
    assert response.status_code == 200
    assert not PulseResponse.objects.exists()
    client.force_login(personas.admin.user)
    for name in ("date_from", "date_to"):
        response = client.get(f"/governance/audit/?{name}={day}")
        assert response.status_code in (200, 400), (name, response.status_code)
