"""With a real Celery worker process on the local Redis: POST recompute → the worker computes
→ GET scores returns them; a worker child killed mid-task re-runs the task and leaves exactly
one row per (member, as_of)."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from socialops.celery import app
from teams.models import Team
from workload.models import BurnoutScore, RecomputeJob, StaffingSnapshot
from workload.services.task_logs import task_log_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 11, 15)


def _database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


@pytest.fixture
def worker(tmp_path):
    """A Celery worker process (prefork, one child) against the test database and Redis."""
    assert settings.REDIS_URL, "this test needs Redis: run it through `make test` (REDIS_URL)"
    assert not app.conf.task_always_eager
    app.control.purge()  # nothing left over from an earlier run
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DEBUG": "1",
        "SECRET_KEY": "worker-test",
    }
    name = f"test-{uuid.uuid4().hex[:8]}@%h"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "socialops", "worker", "-Q", "scores,default",
             "--pool=prefork", "--concurrency=1", "-n", name, "-l", "info",
             "--without-mingle", "--without-gossip"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait(lambda: b"ready." in log.read_bytes(), 60, "the worker to start", log)
        yield process, log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait(condition, seconds, what, log=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:] if log else ""
    raise AssertionError(f"timed out waiting for {what}\n{tail}")


def _data(personas):
    for member in (personas.member, personas.teammate):
        # History recorded when it happened: the edit window (35 days) does not apply to setup.
        Team.objects.filter(pk=member.team_id).update(log_window_days=366)
        for day in range(20):
            task_log_create(member=member, date=AS_OF - dt.timedelta(days=day), minutes=420,
                            category="community_management", started_at=dt.time(9))  # fmt: skip


def _job_state(client, job_id):
    return client.get(f"/api/v1/jobs/{job_id}/").json()


def test_recompute_runs_on_a_real_worker(personas, api, worker):
    _process, log = worker
    _data(personas)
    leader = api(personas.leader)
    response = leader.post("/api/v1/scores/recompute/",
                           {"as_of": str(AS_OF), "team": personas.team.pk})  # fmt: skip
    assert response.status_code == 202
    job_id = response.json()["job_id"]
    _wait(lambda: _job_state(leader, job_id)["state"] == "done", 60, "the job", log)
    assert _job_state(leader, job_id)["progress"] == 1.0
    scores = leader.get(f"/api/v1/scores/?as_of={AS_OF}").json()["results"]
    assert {s["member"] for s in scores} == {personas.member.pk, personas.teammate.pk}
    assert all(s["status"] == "ok" and s["wsi"] is not None for s in scores)
    assert StaffingSnapshot.objects.filter(team=personas.team, as_of=AS_OF).count() == 1


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def test_a_worker_child_killed_mid_task_reruns_it_once(personas, api, worker):
    process, log = worker
    _data(personas)
    db = connection.settings_dict
    # Hold a lock that blocks the task's upsert of scores, so the child is mid-task for sure.
    blocker = psycopg2.connect(dbname=db["NAME"], user=db["USER"] or "postgres",
                               host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432)  # fmt: skip
    blocker.autocommit = False
    with blocker.cursor() as cursor:
        cursor.execute("LOCK TABLE workload_burnoutscore IN EXCLUSIVE MODE")
    try:
        leader = api(personas.leader)
        body = {"as_of": str(AS_OF), "team": personas.team.pk}
        job_id = leader.post("/api/v1/scores/recompute/", body).json()["job_id"]

        def child_blocked():
            # The blocker's own transaction sees one frozen pg_stat_activity snapshot: clear it.
            with blocker.cursor() as cursor:
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE 'INSERT INTO \"workload_burnoutscore\"%'"
                )
                return cursor.fetchone()[0] == 1

        _wait(child_blocked, 60, "the task to reach its upsert", log)
        assert RecomputeJob.objects.get(pk=job_id).state == "running"
        [child] = _children(process.pid)
        os.kill(child, signal.SIGKILL)
        _wait(lambda: _children(process.pid) and _children(process.pid) != [child], 30,
              "a new worker child", log)  # fmt: skip
    finally:
        blocker.rollback()
        blocker.close()
    _wait(lambda: _job_state(leader, job_id)["state"] == "done", 60, "the re-run", log)
    text = log.read_text(errors="replace")
    assert "signal 9" in text or "WorkerLostError" in text, text[-2000:]
    rows = BurnoutScore.objects.filter(as_of=AS_OF)
    assert rows.count() == 2
    assert sorted(rows.values_list("member_id", flat=True)) == sorted(
        [personas.member.pk, personas.teammate.pk]
    )
    assert StaffingSnapshot.objects.filter(team=personas.team, as_of=AS_OF).count() == 1
