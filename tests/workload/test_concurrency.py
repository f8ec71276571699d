"""Concurrent submissions for one member-day never exceed 24 hours (PostgreSQL, threads)."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from socialops.common.exceptions import DomainError
from workload.models import TaskLog
from workload.services.task_logs import task_log_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_submissions_for_one_member_day_stay_within_1440_minutes(personas):
    assert connection.vendor == "postgresql", "this test needs PostgreSQL's row locks"
    member = personas.member
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    outcomes: list[str] = []

    def submit():
        try:
            barrier.wait()
            # 8 × 300 minutes = 40 hours offered for one day; at most 4 entries fit.
            task_log_create(
                member=member, date=dt.date(2026, 11, 2), minutes=300, category="publishing"
            )
            outcomes.append("created")
        except DomainError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    total = sum(TaskLog.objects.filter(member=member).values_list("minutes", flat=True))
    assert total <= 1440
    assert outcomes.count("created") == 4 and outcomes.count("refused") == 4
    assert total == 1200
