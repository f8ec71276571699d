"""Governance benchmark at product scale (docs/performance.md "Governance at scale").

    .venv/bin/python -m tests.benchmarks.bench_governance [--members 1000] [--runs 5] [--keep]

It creates a throwaway PostgreSQL database (``socialops_bench_gov`` beside the ``postgres``
database at ``--admin-url``), migrates, fills it through ``bulk_create`` (members, channels,
grants, tens of thousands of open follow-ups, offboardings) and measures, each as the median of
``--runs`` runs with its SQL query count:

    followups   GET /api/v1/follow-ups/ page 1 (an admin)
    overview    GET /governance/ (an admin)
    offboards   GET /api/v1/offboardings/ page 1 (progress annotations)
    offboard    member_offboard of a leaver holding --leaver-grants grants (now)
    coverage    coverage_check of those grants
    evidence    evidence_pack of that offboarding
    job         offboardings_run_due with --due scheduled offboardings coming due

The offboarding runs are measured on a copy of the leaver made for each run. The database is
dropped at the end unless --keep. The file name does not start with ``test_``: pytest never
collects it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from unittest import mock
from urllib.parse import urlsplit, urlunsplit


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench_governance")
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--channels", type=int, default=300)
    parser.add_argument("--grants-per-member", type=int, default=3)
    parser.add_argument("--followups", type=int, default=20_000, help="open checklist items")
    parser.add_argument("--offboardings", type=int, default=500)
    parser.add_argument("--leaver-grants", type=int, default=300)
    parser.add_argument("--due", type=int, default=50, help="scheduled offboardings due")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--db-name", default="socialops_bench_gov")
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args(argv)


def _database(args: argparse.Namespace) -> str:
    import psycopg2

    if "bench" not in args.db_name:
        raise SystemExit("--db-name must contain 'bench': the database is dropped first")
    conn = psycopg2.connect(args.admin_url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{args.db_name}"')
        cursor.execute(f'CREATE DATABASE "{args.db_name}"')
    conn.close()
    parts = urlsplit(args.admin_url)
    return urlunsplit(parts._replace(path=f"/{args.db_name}"))


def _drop(args: argparse.Namespace) -> None:
    import psycopg2
    from django.db import connections

    connections.close_all()
    conn = psycopg2.connect(args.admin_url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{args.db_name}"')
    conn.close()


def _generate(args: argparse.Namespace) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from governance.models import AccessGrant, ChecklistItem, CredentialRotation, Offboarding
    from teams.models import Channel, Member, Team

    now = timezone.now()
    User = get_user_model()
    password = make_password("bench-password-1")
    teams = Team.objects.bulk_create(Team(name=f"Team {i}") for i in range(60))
    users = User.objects.bulk_create(
        User(username=f"u{i}", password=password) for i in range(args.members + 2)
    )
    members = Member.objects.bulk_create(
        Member(user=users[i], full_name=f"Person {i}", team=teams[i % 60],
               started_on=dt.date(2022, 1, 3), timezone="Europe/London")
        for i in range(args.members)
    )  # fmt: skip
    admins = Member.objects.bulk_create(
        Member(user=users[args.members + k], full_name=f"Admin {k}", team=None,
               role_member=False, role_admin=True, started_on=dt.date(2022, 1, 3))
        for k in range(2)
    )  # fmt: skip
    channels = Channel.objects.bulk_create(
        Channel(team=teams[i % 60], platform="instagram", handle=f"@bench{i}",
                name=f"Bench {i}", uses_shared_credential=i % 3 == 0)
        for i in range(args.channels)
    )  # fmt: skip
    grants = []
    for i, member in enumerate(members):
        team_channels = [c for c in channels if c.team_id == member.team_id]
        for k in range(min(args.grants_per_member, len(team_channels))):
            grants.append(AccessGrant(
                member=member, channel=team_channels[(i + k) % len(team_channels)],
                role="publisher", justification="bench", granted_by=admins[0],
                granted_at=now - dt.timedelta(days=30), approved_at=now - dt.timedelta(days=30),
                shared_credential=k == 0,
            ))  # fmt: skip
    AccessGrant.objects.bulk_create(grants, batch_size=2000)
    ChecklistItem.objects.bulk_create(
        (ChecklistItem(channel=channels[i % args.channels], member=members[i % args.members],
                       layer=ChecklistItem.Layer.values[i % 4], made_by=admins[0],
                       created_at=now - dt.timedelta(minutes=i))
         for i in range(args.followups)),
        batch_size=2000,
    )  # fmt: skip
    CredentialRotation.objects.bulk_create(
        CredentialRotation(channel=c, reason="bench", opened_by=admins[0]) for c in channels
    )
    departed = members[: args.offboardings]
    Offboarding.objects.bulk_create(
        Offboarding(member=m, state="done", ended_on=dt.date(2026, 1, 1), reason="bench",
                    started_by=admins[0], ran_at=now)
        for m in departed
    )  # fmt: skip
    return {"admins": admins, "members": members, "channels": channels, "teams": teams}


def _leaver(data: dict, n_grants: int, tag: str):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from governance.models import AccessGrant
    from teams.models import Member

    user = get_user_model().objects.create(username=f"leaver-{tag}")
    leaver = Member.objects.create(user=user, full_name=f"Leaver {tag}", team=data["teams"][0],
                                   started_on=dt.date(2022, 1, 3))  # fmt: skip
    now = timezone.now() - dt.timedelta(days=1)
    AccessGrant.objects.bulk_create(
        AccessGrant(member=leaver, channel=c, role="moderator", justification="bench",
                    granted_at=now, approved_at=now, shared_credential=c.uses_shared_credential)
        for c in data["channels"][:n_grants]
    )  # fmt: skip
    return leaver


def _measure(name: str, runs: int, prepare: Callable[[int], object], op: Callable) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], []
    for run in range(runs):
        arg = prepare(run)
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            op(arg)
            times.append(time.perf_counter() - start)
        queries.append(len(captured))
    slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:2]
    return {"name": name, "median_s": statistics.median(times), "max_s": max(times),
            "queries": sorted(set(queries)),
            "slowest": [(float(q["time"]), q["sql"][:160]) for q in slowest]}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ["DATABASE_URL"] = _database(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialops.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret")
    os.environ["DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["REDIS_URL"] = ""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    import governance.outbox
    from governance import services
    from governance.coverage import coverage_check
    from governance.evidence import evidence_pack
    from governance.models import AccessGrant, Offboarding

    # Measure the services, not the outbox relay that an eager Celery would run on commit
    # (in production the relay runs in the worker, per message, at least once).
    mock.patch.object(governance.outbox, "_nudge_relay", lambda: None).start()
    settings.ALLOWED_HOSTS = ["testserver"]
    # DEBUG is off; serve templates' {% static %} without a collectstatic manifest.
    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    data = _generate(args)
    from django.db import connection

    with connection.cursor() as cursor:  # as autovacuum would, before anyone reads
        cursor.execute("ANALYZE")
    print(f"generated in {time.perf_counter() - started:.1f} s: {args.members} members, "
          f"{args.channels} channels, {AccessGrant.objects.count()} grants, "
          f"{args.followups} open checklist items, {args.channels} open rotations, "
          f"{args.offboardings} offboardings")  # fmt: skip
    admin, second = data["admins"]
    client = Client()
    client.force_login(admin.user)
    results = []
    try:
        for name, url in (("followups", "/api/v1/follow-ups/"), ("overview", "/governance/"),
                          ("offboards", "/api/v1/offboardings/")):  # fmt: skip

            def get(_arg, url=url):
                response = client.get(url, secure=True)
                assert response.status_code == 200, (url, response.status_code)

            results.append(_measure(name, args.runs, lambda run: None, get))

        leavers = {}

        def prepare_leaver(run: int):
            leavers[run] = _leaver(data, args.leaver_grants, f"now-{run}")
            return leavers[run]

        def grants_of(leaver):
            return list(AccessGrant.objects.filter(member=leaver).select_related("channel"))

        results.append(
            _measure(
                "coverage",
                args.runs,
                lambda run: grants_of(_leaver(data, args.leaver_grants, f"cov-{run}")),
                lambda g: coverage_check(grants=g),
            )
        )
        results.append(_measure(
            "offboard", args.runs, prepare_leaver,
            lambda leaver: services.member_offboard(
                member=leaver, actor=admin, ended_on=timezone.localdate(), reason="bench",
                accept_gaps=True),
        ))  # fmt: skip
        results.append(_measure(
            "evidence", args.runs, lambda run: Offboarding.objects.get(member=leavers[run]),
            evidence_pack,
        ))  # fmt: skip

        def prepare_due(run: int):
            day = timezone.localdate() + dt.timedelta(days=1)
            for k in range(args.due):
                leaver = _leaver(data, 5, f"due-{run}-{k}")
                services.member_offboard(member=leaver, actor=admin, ended_on=day,
                                         reason="bench", accept_gaps=True)  # fmt: skip
            return timezone.now() + dt.timedelta(days=3)

        results.append(_measure(
            "job", args.runs, prepare_due, lambda now: services.offboardings_run_due(now=now)
        ))  # fmt: skip
    finally:
        if not args.keep:
            _drop(args)
    print(f"{'operation':<11} {'median':>9} {'max':>9}  queries")
    for row in results:
        print(f"{row['name']:<11} {row['median_s']:>8.3f}s {row['max_s']:>8.3f}s  "
              f"{','.join(map(str, row['queries']))}")  # fmt: skip
    print("slowest queries (last run):")
    for row in results:
        for seconds, sql in row["slowest"]:
            print(f"  {row['name']:<10} {seconds:.3f}s  {sql}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
