"""Recompute and page benchmark at product scale (docs/performance.md "Targets").

    DJANGO_SETTINGS_MODULE=socialops.settings .venv/bin/python -m tests.benchmarks.bench_recompute
        [--members 1000] [--days 730] [--runs 3] [--explain] [--proposals] [--keep] [--reuse]

It creates a throwaway PostgreSQL database (``socialops_bench`` next to the ``postgres``
database at ``--admin-url``), points DATABASE_URL at it before Django starts, migrates, fills
it with synthetic data (task logs, pulses and earlier nightly results through
``INSERT … SELECT generate_series``, not the ORM), then measures each operation in a forked
child process, so that its peak RSS is its own:

    (a) scores_recompute for all teams         (b) staffing_recompute for all teams
    (c) team_recompute for one team            (f) the nightly fan-out: team_recompute × every team
    (d) GET /api/v1/task-logs/ page 1 for a leader; (d2) for a leader who also logs work
    (e) GET /log/ (My week) for a member       (g) GET /api/v1/scores/ for a leader

For each: wall time (first run, and the median of the others), SQL queries and the time spent
in them, peak RSS of the process and its growth during the runs, and the Python-side peak
allocation (tracemalloc, in a separate run so that its overhead does not distort the times).
``--proposals`` also measures the pages with the change docs/performance.md proposes (patched
in the measuring process only); ``--extra-sql`` tries a database change (an index, a setting).
The database is dropped at the end unless --keep. The file name does not start with
``test_``: pytest never collects it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import secrets
import statistics
import sys
import time
import traceback
import tracemalloc
import warnings
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

MB = 1024 * 1024


# ---- Arguments and the throwaway database ----


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.bench_recompute",
        description="Benchmark the recompute services and two pages at product scale.",
    )
    parser.add_argument("--members", type=int, default=1000, help="members (default 1000)")
    parser.add_argument(
        "--teams", type=int, help="teams (default: 60 per 1,000 members, at least 1)"
    )
    parser.add_argument("--channels", type=int, help="channels (default: 5 per team)")
    parser.add_argument("--grants", type=int, help="access grants (default: 3 per member)")
    parser.add_argument(
        "--days", type=int, default=730, help="days of task-log history (default 730 = 2 years)"
    )
    parser.add_argument(
        "--as-of", type=dt.date.fromisoformat, help="the scored day (default: yesterday, UTC)"
    )
    parser.add_argument(
        "--score-days",
        type=int,
        help="days of earlier nightly results (burnout scores, staffing snapshots) before "
        "as_of (default: the history less the 28-day window; 0: none)",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per recompute (default 3)")
    parser.add_argument("--page-runs", type=int, default=10, help="requests per page (default 10)")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument(
        "--admin-url",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL URL allowed to CREATE/DROP DATABASE",
    )
    parser.add_argument("--db-name", default="socialops_bench")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse a database kept by an earlier --keep run (skips migrate and data)",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print EXPLAIN (ANALYZE, BUFFERS) of each operation's slowest SELECT",
    )
    parser.add_argument(
        "--extra-sql",
        action="append",
        default=[],
        metavar="SQL",
        help="SQL to run on the bench database before measuring, to try a change (repeatable): "
        "'CREATE INDEX … ; ANALYZE workload_tasklog' or 'ALTER DATABASE socialops_bench SET jit "
        "= off'",
    )
    parser.add_argument(
        "--proposals",
        action="store_true",
        help="also measure (d), (d2) and (g) with the changes docs/performance.md proposes "
        "(patched in the measuring process only; the app is not changed)",
    )
    parser.add_argument(
        "--no-tracemalloc", action="store_true", help="skip the tracemalloc (Python peak) runs"
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated operation keys to run: a,b,c,f,d,d2,e,g (and dp,d2p,gp,gpp with "
        "--proposals)",
    )
    args = parser.parse_args(argv)
    if "bench" not in args.db_name:
        parser.error("--db-name must contain 'bench': the database is dropped and re-created")
    if args.members < 1 or args.days < 28:
        parser.error("--members must be ≥ 1 and --days ≥ 28 (the scoring window)")
    args.teams = args.teams or max(1, round(args.members * 60 / 1000))
    args.channels = args.channels if args.channels is not None else 5 * args.teams
    args.grants = args.grants if args.grants is not None else 3 * args.members
    if args.score_days is None:
        args.score_days = args.days - 28
    args.as_of = args.as_of or (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1))
    return args


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _admin_connection(url: str):
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    return conn


def database_exists(admin_url: str, name: str) -> bool:
    conn = _admin_connection(admin_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cur.fetchone() is not None
    finally:
        conn.close()


def database_create(admin_url: str, name: str) -> None:
    from psycopg2 import sql

    conn = _admin_connection(admin_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()


def database_drop(admin_url: str, name: str) -> None:
    from psycopg2 import sql

    conn = _admin_connection(admin_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    finally:
        conn.close()


def configure_environment(db_url: str) -> None:
    """Production-like settings, before Django reads them: DEBUG off, no broker (Celery would
    run eagerly; nothing here enqueues), the test client's host allowed."""
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialops.settings")
    os.environ["DEBUG"] = "0"
    os.environ["SECRET_KEY"] = "bench-only-" + secrets.token_urlsafe(40)
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    os.environ["REDIS_URL"] = ""
    os.environ.setdefault("LOG_LEVEL", "WARNING")


# ---- Memory of the current process ----


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0), so the peak is this operation's."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_kb() -> int:
    return _status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# ---- Synthetic data ----

PLATFORMS = ["facebook", "instagram", "x", "linkedin", "tiktok", "youtube", "threads", "pinterest"]
TIMEZONES = ["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "Asia/Singapore"]
# 40 slots, 2.5 % each: community management 35 %, publishing 15 %, content 12.5 %, crisis
# response 2.5 %, analytics 7.5 %, training, governance, tools, learning 5 % each, meetings 7.5 %.
CATEGORY_SLOTS = (
    ["community_management"] * 14 + ["publishing"] * 6 + ["content_creation"] * 5
    + ["crisis_response"] * 1 + ["analytics_reporting"] * 3 + ["training_education"] * 2
    + ["governance_security"] * 2 + ["tools_admin"] * 2 + ["learning"] * 2
    + ["meetings_approvals"] * 3
)  # fmt: skip

# One row per (member, day, entry), inserted in date order as production writes them: the
# table's physical order follows the date, not the member, and index scans per member pay for
# it. Contracted weekdays carry 5 to 8 entries (6.3 on average) from 08:00 at 100-minute
# steps; other days 1–2 entries for 12 % of members (50 % of the "heavy" tenth, whose entries
# are longer and whose last one starts after 22:00, often past midnight). Days of leave carry
# nothing. 5 % of entries have no start time; 80 % name one of the team's channels; community
# management records messages (and hostile ones 70 % of the time); 1 % are flagged crisis.
TASK_LOG_SQL = """
WITH chans AS (
    SELECT m.id AS member_id, array_agg(c.id ORDER BY c.id) AS ids
    FROM teams_member m JOIN teams_channel c ON c.team_id = m.team_id
    GROUP BY m.id
)
INSERT INTO workload_tasklog (
    member_id, date, started_at, minutes, category, channel_id, messages_handled,
    hostile_messages, crisis, note, created_at, updated_at
)
SELECT e.member_id, e.day, e.started_at, e.minutes, e.category,
       CASE WHEN e.r_channel < 0.8 THEN e.ids[1 + floor(random() * cardinality(e.ids))::int] END,
       CASE WHEN e.category = 'community_management' THEN 5 + floor(random() * 60)::int ELSE 0 END,
       CASE WHEN e.category = 'community_management' AND random() < 0.7
            THEN floor(random() * 4)::int END,
       random() < 0.01, '', now(), now()
FROM (
    SELECT m.id AS member_id, d.day::date AS day, ch.ids, random() AS r_channel,
           CASE WHEN random() < 0.05 THEN NULL
                WHEN s.rest_day THEN time '10:00' + floor(random() * 480)::int * interval '1 minute'
                WHEN s.heavy AND i.i = s.k
                    THEN time '22:00' + floor(random() * 100)::int * interval '1 minute'
                ELSE time '08:00' + ((i.i - 1) * 100 + floor(random() * 30)::int)
                     * interval '1 minute'
           END AS started_at,
           CASE WHEN s.heavy AND i.i = s.k THEN 30 + floor(random() * 120)::int
                WHEN s.heavy THEN 60 + floor(random() * 40)::int
                ELSE 20 + floor(random() * 70)::int
           END AS minutes,
           (%(categories)s::text[])[1 + floor(random() * %(n_categories)s)::int] AS category
    FROM teams_member m
    LEFT JOIN chans ch ON ch.member_id = m.id
    CROSS JOIN LATERAL generate_series(
        greatest(%(lo)s::date, m.started_on),
        least(%(hi)s::date, coalesce(m.ended_on, %(hi)s::date)),
        interval '1 day'
    ) AS d(day)
    CROSS JOIN LATERAL (
        SELECT w.rest_day, w.heavy,
               CASE WHEN NOT w.rest_day THEN 5 + floor(random() * 3.5)::int
                    WHEN random() < CASE WHEN w.heavy THEN 0.5 ELSE 0.12 END
                        THEN 1 + floor(random() * 2)::int
                    ELSE 0
               END AS k
        FROM (SELECT NOT (m.workdays @> to_jsonb(extract(isodow FROM d.day)::int - 1))
                         AS rest_day,
                     mod(m.id, 10) = 0 AS heavy) w
    ) s
    CROSS JOIN LATERAL generate_series(1, s.k) AS i(i)
    WHERE m.role_member AND m.team_id IS NOT NULL
      AND NOT EXISTS (
          SELECT 1 FROM teams_leave l
          WHERE l.member_id = m.id AND l.start_date <= d.day::date AND l.end_date >= d.day::date
      )
) e
ORDER BY e.day, e.member_id, e.started_at
"""

# 40 % of members answer the pulse in 80 % of the weeks.
PULSE_SQL = """
INSERT INTO workload_pulseresponse (member_id, week, a1, a2, a3, a4, a5, a6, a7,
                                    created_at, updated_at)
SELECT m.id, w.week::date,
       25 * floor(random() * 5)::int, 25 * floor(random() * 5)::int,
       25 * floor(random() * 5)::int, 25 * floor(random() * 5)::int,
       25 * floor(random() * 5)::int, 25 * floor(random() * 5)::int,
       CASE WHEN random() < 0.9 THEN 25 * floor(random() * 5)::int END,
       now(), now()
FROM teams_member m
CROSS JOIN LATERAL generate_series(%(first_monday)s::date, %(last)s::date, interval '7 days')
    AS w(week)
WHERE m.role_member AND m.team_id IS NOT NULL AND mod(m.id, 5) IN (1, 2)
  AND w.week::date >= m.started_on AND (m.ended_on IS NULL OR w.week::date <= m.ended_on)
  AND random() < 0.8
"""


# Earlier nightly results, as two years of the schedule leave them: one score per scored
# member per day and one snapshot per team per day, before as_of (the measured recompute
# writes as_of itself). Values are synthetic; only the volume matters to the reads.
SCORE_HISTORY_SQL = """
INSERT INTO workload_burnoutscore (
    member_id, as_of, status, reason, risk, wsi, wrb, band, wsi_band, mode, contributions,
    band_overrides, coverage, aggregates, computed_at
)
SELECT h.member_id, h.day, 'ok', '', h.wsi, h.wsi, NULL, h.band, h.band, 'objective_only',
       '{}'::jsonb, '[]'::jsonb, 0.95, '{}'::jsonb, h.day + interval '36 hours'
FROM (
    SELECT m.id AS member_id, d.day::date AS day, s.wsi,
           CASE WHEN s.wsi < 25 THEN 'low' WHEN s.wsi < 50 THEN 'moderate'
                WHEN s.wsi < 75 THEN 'high' ELSE 'very_high' END AS band
    FROM teams_member m
    CROSS JOIN LATERAL generate_series(
        greatest(%(lo)s::date, m.started_on),
        least(%(hi)s::date, coalesce(m.ended_on + 27, %(hi)s::date)),
        interval '1 day'
    ) AS d(day)
    CROSS JOIN LATERAL (SELECT round((random() * 80 + 0 * extract(day FROM d.day))::numeric, 2)
                        AS wsi) s
    WHERE m.role_member AND m.team_id IS NOT NULL
) h
ORDER BY h.day, h.member_id
"""
SNAPSHOT_HISTORY_SQL = """
INSERT INTO workload_staffingsnapshot (
    team_id, as_of, demand_hours, required_fte, available_fte, gap_fte, hidden_overtime_fte,
    seat_floor_fte, rotation_gap, backup_gaps, unreachable_channels, details, computed_at,
    demand_fte, binding, shrinkage, drivers, what_if, logged_hours_per_week,
    contracted_hours_per_week, delivered_coverage, coverage_ahead
)
SELECT t.id, d.day::date, '{}'::jsonb, 5, 4.5, 0.5, 0.2, 1.2, 0, '[]'::jsonb, '[]'::jsonb,
       '{}'::jsonb, d.day + interval '36 hours',
       5, 'demand', 0.15, '[]'::jsonb, '[]'::jsonb, 150, 160, '[]'::jsonb, '[]'::jsonb
FROM teams_team t CROSS JOIN generate_series(%(lo)s::date, %(hi)s::date, interval '1 day') AS d(day)
ORDER BY d.day, t.id
"""


class Step:
    """Prints how long each generation step takes."""

    def __init__(self, label: str):
        self.label = label

    def __enter__(self):
        self.t0 = time.perf_counter()
        print(f"  {self.label} …", end="", flush=True)
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
        print(f" {self.seconds:.1f} s", flush=True)


def _dates(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def generate(args, as_of: dt.date) -> dict[str, float]:
    """Fill the empty, migrated database; returns seconds per step."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from governance.models import AccessGrant
    from teams.models import Channel, Leave, Member, OnCallShift, Team
    from teams.services import on_call_local_dates

    rng = random.Random(args.seed)
    first = as_of - dt.timedelta(days=args.days - 1)
    User = get_user_model()
    timings: dict[str, float] = {}

    with Step("teams, users, members, channels") as step, transaction.atomic():
        teams = []
        for i in range(args.teams):
            kind = rng.random()
            window = (
                (dt.time(9), dt.time(17), [0, 1, 2, 3, 4])
                if kind < 0.7
                else (dt.time(8), dt.time(20), [0, 1, 2, 3, 4])
                if kind < 0.9
                else (dt.time(7), dt.time(22), [0, 1, 2, 3, 4, 5, 6])
            )
            teams.append(
                Team(
                    name=f"Bench team {i + 1:03d}",
                    timezone=rng.choice(TIMEZONES),
                    staffed_window_start=window[0],
                    staffed_window_end=window[1],
                    staffed_weekdays=window[2],
                )
            )
        teams = Team.objects.bulk_create(teams)
        weights = [rng.uniform(0.5, 1.5) for _ in teams]
        team_of = [teams[i % len(teams)] if i < len(teams) else None for i in range(args.members)]
        for i in range(len(teams), args.members):
            team_of[i] = rng.choices(teams, weights)[0]

        users = User.objects.bulk_create(
            [User(username=f"bench{i:05d}", password="!") for i in range(args.members)]
            + [
                User(username="bench-leader", password="!"),
                User(username="bench-admin", password="!"),
            ]
        )
        members = []
        long_ago = first - dt.timedelta(days=365)
        for i in range(args.members):
            team = team_of[i]
            started, ended, status = long_ago, None, Member.Status.ACTIVE
            roll = rng.random()
            if i >= len(teams) and roll < 0.10:  # joined during the history
                started = first + dt.timedelta(days=rng.randrange(max(1, args.days - 60)))
            elif i >= len(teams) and roll < 0.13:  # left recently
                ended = as_of - dt.timedelta(days=rng.randrange(1, 200))
                ended = max(ended, started)
                status = Member.Status.DEPARTED
            elif i >= len(teams) and roll < 0.15:
                status = Member.Status.ON_LEAVE
            shape = rng.random()
            workdays, hours = ([0, 1, 2, 3, 4], "37.5")
            if shape < 0.10:
                workdays, hours = [0, 1, 2, 3], "30"
            elif shape < 0.15:
                workdays, hours = [1, 2, 3, 4, 5], "37.5"
            elif shape < 0.20:
                hours = "22.5"
            start_hour = rng.choice([8, 9, 9, 9, 10])
            members.append(
                Member(
                    user=users[i],
                    full_name=f"Bench Member {i:05d}",
                    team=team,
                    timezone=team.timezone,
                    workday_start=dt.time(start_hour),
                    workday_end=dt.time(start_hour + 8, 30),
                    workdays=workdays,
                    weekly_hours=hours,
                    status=status,
                    started_on=started,
                    ended_on=ended,
                    share_pulse_with_leader=rng.random() < 0.3,
                )
            )
        members = Member.objects.bulk_create(members)
        admin = Member.objects.create(
            user=users[-1], full_name="Bench Admin", team=None, role_member=False,
            role_admin=True, started_on=long_ago,
        )  # fmt: skip

        # Every team's first member also leads it; the pure leader (no member role) leads the
        # team of median size: the persona of measurement (d).
        by_team: dict[int, list] = {}
        for member in members:
            by_team.setdefault(member.team_id, []).append(member)
        for team in teams:
            lead = by_team[team.pk][0]
            lead.role_leader = True
            team.leaders.add(lead)
        Member.objects.bulk_update([by_team[t.pk][0] for t in teams], ["role_leader"])
        median_team = sorted(teams, key=lambda t: (len(by_team[t.pk]), t.pk))[len(teams) // 2]
        pure_leader = Member.objects.create(
            user=users[-2], full_name="Bench Leader", team=median_team, role_member=False,
            role_leader=True, started_on=long_ago,
        )  # fmt: skip
        median_team.leaders.add(pure_leader)

        channels = []
        for i in range(args.channels):
            team = teams[i % len(teams)]
            roll = rng.random()
            sla = None if roll < 0.40 else 60 if roll < 0.70 else 30 if roll < 0.85 else 240
            channels.append(
                Channel(
                    platform=PLATFORMS[i % len(PLATFORMS)],
                    handle=f"@bench{i:05d}",
                    name=f"Bench channel {i:05d}",
                    team=team,
                    always_on=sla is not None and sla <= 60 and rng.random() < 0.25,
                    response_sla_minutes=sla,
                    expected_weekly_messages=rng.choice([0, 0, 200, 500, 1500]),
                    uses_shared_credential=rng.random() < 0.2,
                    owner=rng.choice(by_team[team.pk]),
                )
            )
        channels = Channel.objects.bulk_create(channels)
    timings["teams, users, members, channels"] = step.seconds

    with Step(f"{args.grants:,} access grants") as step:
        channels_by_team: dict[int, list] = {}
        for channel in channels:
            channels_by_team.setdefault(channel.team_id, []).append(channel)
        pairs = [
            (m, c)
            for m in members
            if m.status != Member.Status.DEPARTED
            for c in channels_by_team.get(m.team_id, [])
        ]
        roles = ["publisher"] * 35 + ["moderator"] * 25 + ["analyst"] * 20 + ["admin"] * 12
        roles += ["owner"] * 8
        grants = []
        for member, channel in rng.sample(pairs, min(args.grants, len(pairs))):
            granted = dt.datetime.combine(
                first + dt.timedelta(days=rng.randrange(args.days - 1)), dt.time(10), dt.UTC
            )
            expires = None
            if rng.random() < 0.15:
                expires = dt.datetime.combine(
                    as_of + dt.timedelta(days=rng.randrange(30, 365)), dt.time(10), dt.UTC
                )
            grants.append(
                AccessGrant(
                    member=member, channel=channel, role=rng.choice(roles),
                    shared_credential=channel.uses_shared_credential,
                    justification="benchmark", granted_by=admin, granted_at=granted,
                    approved_by=admin, approved_at=granted + dt.timedelta(hours=2),
                    expires_at=expires,
                )
            )  # fmt: skip
        AccessGrant.objects.bulk_create(grants, batch_size=1000)
    timings["access grants"] = step.seconds

    with Step("leave") as step:
        leave = []
        for member in members:
            lo = max(first, member.started_on)
            hi = min(as_of, member.ended_on or as_of)
            if (hi - lo).days < 14:
                continue
            year_start = lo
            while year_start <= hi:
                span = min(365, (hi - year_start).days + 1)
                for length, kind in ((5, "vacation"), (5, "vacation"), (3, "vacation")):
                    start = year_start + dt.timedelta(days=rng.randrange(max(1, span - 7)))
                    start -= dt.timedelta(days=start.weekday())  # a Monday
                    start = max(start, lo)
                    end = start + dt.timedelta(days=length - 1)
                    leave.append(Leave(member=member, start_date=start, end_date=end, kind=kind))
                for _ in range(3):
                    day = year_start + dt.timedelta(days=rng.randrange(span))
                    leave.append(Leave(member=member, start_date=day, end_date=day, kind="sick"))
                year_start += dt.timedelta(days=365)
            # A week booked in the coming four weeks for a third of the people: what coverage
            # ahead (docs/scoring.md 3.4) reads.
            if member.pk % 3 == 0 and member.ended_on is None:
                start = as_of + dt.timedelta(days=rng.randrange(1, 22))
                end = start + dt.timedelta(days=4)
                leave.append(Leave(member=member, start_date=start, end_date=end, kind="vacation"))
        Leave.objects.bulk_create(leave, batch_size=2000)
    timings["leave"] = step.seconds

    with Step("on-call shifts") as step:
        shifts = []
        always_on_teams = {c.team_id for c in channels if c.always_on}
        first_monday = first + dt.timedelta(days=(7 - first.weekday()) % 7)
        for team in teams:
            crew = [m for m in by_team[team.pk] if m.status == Member.Status.ACTIVE]
            if team.pk in always_on_teams and crew:
                rota = crew[: min(4, len(crew))]
                for n, monday in enumerate(_dates_step(first_monday, as_of, 7)):
                    member = rota[n % len(rota)]
                    if member.started_on > monday:
                        continue
                    tz = member.tz
                    starts = dt.datetime.combine(monday, dt.time(9), tz)
                    ends = starts + dt.timedelta(days=7)
                    shifts.append(_shift(member, starts, ends, on_call_local_dates))
            for member in crew:
                if rng.random() >= 0.2:
                    continue
                for saturday in _dates_step(first_monday + dt.timedelta(days=5), as_of, 28):
                    if member.started_on > saturday:
                        continue
                    starts = dt.datetime.combine(saturday, dt.time(8), member.tz)
                    ends = starts + dt.timedelta(hours=36)
                    shifts.append(_shift(member, starts, ends, on_call_local_dates))
        OnCallShift.objects.bulk_create(shifts, batch_size=2000)
    timings["on-call shifts"] = step.seconds

    with Step("pulses") as step, connection.cursor() as cur:
        cur.execute("SELECT setseed(%s)", [(args.seed % 1000) / 1000])
        cur.execute(PULSE_SQL, {"first_monday": first_monday, "last": as_of})
    timings["pulses"] = step.seconds

    chunk_days = 14
    t0 = time.perf_counter()
    print(f"  task logs ({len(members):,} members, {args.days} days, in date order) …", flush=True)
    with connection.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        inserted = 0
        for lo in _dates_step(first, as_of, chunk_days):
            hi = min(as_of, lo + dt.timedelta(days=chunk_days - 1))
            cur.execute(
                TASK_LOG_SQL,
                {
                    "lo": lo, "hi": hi, "categories": CATEGORY_SLOTS,
                    "n_categories": len(CATEGORY_SLOTS),
                },
            )  # fmt: skip
            inserted += cur.rowcount
            elapsed = time.perf_counter() - t0
            print(
                f"\r    up to {hi}: {inserted:>11,} rows, {elapsed:6.1f} s "
                f"({inserted / max(elapsed, 1e-9):,.0f} rows/s)",
                end="",
                flush=True,
            )
        cur.execute("SET synchronous_commit = on")
    print()
    timings["task logs"] = time.perf_counter() - t0

    if args.score_days > 0:
        with Step(f"{args.score_days} days of earlier scores and snapshots") as step:
            lo, hi = as_of - dt.timedelta(days=args.score_days), as_of - dt.timedelta(days=1)
            with connection.cursor() as cur:
                cur.execute("SET synchronous_commit = off")
                for start in _dates_step(lo, hi, 90):
                    end = min(hi, start + dt.timedelta(days=89))
                    cur.execute(SCORE_HISTORY_SQL, {"lo": start, "hi": end})
                cur.execute(SNAPSHOT_HISTORY_SQL, {"lo": lo, "hi": hi})
                cur.execute("SET synchronous_commit = on")
        timings["score history"] = step.seconds

    with Step("VACUUM ANALYZE") as step, connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    timings["VACUUM ANALYZE"] = step.seconds
    return timings


def _dates_step(first: dt.date, last: dt.date, step: int):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=step)


def _shift(member, starts, ends, local_dates):
    from teams.models import OnCallShift

    first_local, last_local = local_dates(member, starts, ends)
    return OnCallShift(
        member=member, starts_at=starts, ends_at=ends,
        first_local_date=first_local, last_local_date=last_local,
    )  # fmt: skip


# ---- Personas and sizes of an existing database ----


def personas() -> dict:
    """The pure leader, a leader who also logs work (same team), a plain member (same team)."""
    from teams.models import Member

    leader = Member.objects.select_related("team").get(user__username="bench-leader")
    team = leader.team
    logging_leader = Member.objects.filter(led_teams=team, role_member=True).order_by("pk").first()
    member = (
        Member.objects.filter(
            team=team, role_member=True, role_leader=False, status=Member.Status.ACTIVE,
            ended_on__isnull=True,
        )
        .order_by("pk")
        .first()
    )  # fmt: skip
    return {
        "team_id": team.pk,
        "team_name": team.name,
        "team_members": team.members.filter(role_member=True).count(),
        "leader_user_id": leader.user_id,
        "logging_leader_user_id": logging_leader.user_id,
        "member_user_id": member.user_id,
        "member_id": member.pk,
    }


def data_sizes() -> dict:
    from django.db import connection

    tables = {
        "teams": "teams_team", "members": "teams_member", "channels": "teams_channel",
        "access grants": "governance_accessgrant", "leave": "teams_leave",
        "on-call shifts": "teams_oncallshift", "pulses": "workload_pulseresponse",
        "task logs": "workload_tasklog", "burnout scores": "workload_burnoutscore",
        "staffing snapshots": "workload_staffingsnapshot",
    }  # fmt: skip
    out = {}
    with connection.cursor() as cur:
        for label, table in tables.items():
            cur.execute(f"SELECT count(*) FROM {table}")
            out[label] = cur.fetchone()[0]
        cur.execute("SELECT min(date), max(date) FROM workload_tasklog")
        out["task log dates"] = [str(d) for d in cur.fetchone()]
        cur.execute(
            "SELECT pg_size_pretty(pg_relation_size('workload_tasklog')),"
            " pg_size_pretty(pg_indexes_size('workload_tasklog')),"
            " pg_size_pretty(pg_database_size(current_database()))"
        )
        heap, indexes, database = cur.fetchone()
        out["task log table / indexes"] = f"{heap} / {indexes}"
        out["database"] = database
    return out


def machine() -> dict:
    from django.db import connection

    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem_kb = 0
    try:
        with open("/proc/meminfo") as f:
            mem_kb = int(next(line.split()[1] for line in f if line.startswith("MemTotal")))
    except (OSError, StopIteration):
        pass
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
        cur.execute("SHOW shared_buffers")
        shared_buffers = cur.fetchone()[0]
        cur.execute("SHOW work_mem")
        work_mem = cur.fetchone()[0]
    import django

    return {
        "date (UTC)": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        "cpu": f"{os.cpu_count()} × {cpu}",
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "python / django": f"{platform.python_version()} / {django.get_version()}",
        "postgresql": f"{pg} (shared_buffers {shared_buffers}, work_mem {work_mem}), same host",
        "load average": _load(),
    }


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1, 5, 15 min)"


# ---- Measuring, each operation in its own forked process ----


def in_child(work: Callable[[], object]) -> object:
    """Run work() in a forked child (its own RSS peak and database connection); return its
    JSON-able result."""
    from django.db import connections

    connections.close_all()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_fd)
        code = 0
        try:
            payload = {"ok": True, "result": work()}
        # Anything at all, even SystemExit: the forked child must report and _exit, never
        # unwind into the parent's code.
        except BaseException:
            payload = {"ok": False, "error": traceback.format_exc()}
            code = 1
        try:
            with os.fdopen(write_fd, "w") as f:
                json.dump(payload, f, default=str)
            connections.close_all()
        finally:
            os._exit(code)
    os.close(write_fd)
    with os.fdopen(read_fd) as f:
        data = f.read()
    os.waitpid(pid, 0)
    payload = json.loads(data)
    if not payload["ok"]:
        raise RuntimeError(payload["error"])
    return payload["result"]


def timed_runs(make: Callable[[], Callable[[], object]], runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn = make()  # setup (a signed-in client…) is not measured
    reset_peak_rss()
    rss_before = _status_kb("VmRSS") or 0
    out = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            value = fn()
            wall = time.perf_counter() - t0
        queries = [(float(q["time"]), q["sql"]) for q in ctx.captured_queries]
        slowest = sorted(queries, key=lambda q: -q[0])[:3]
        out.append(
            {
                "wall": wall,
                "queries": len(queries),
                "sql_time": sum(t for t, _ in queries),
                "value": value,
                "slowest": [(t, sql[:160]) for t, sql in slowest],
                "slowest_select": next(
                    (sql for t, sql in slowest if sql.lstrip().upper().startswith("SELECT")), None
                ),
            }
        )
    return {"runs": out, "rss_before_kb": rss_before, "rss_peak_kb": peak_rss_kb()}


def traced_run(make: Callable[[], Callable[[], object]]) -> int:
    fn = make()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def patch_owner_filter() -> None:
    """docs/performance.md, proposal 1: filter member-owned rows on their own member_id column
    (``member_id IN (SELECT id FROM teams_member WHERE team_id IN … OR id = me)``) instead of
    ``member.team_id IN … OR member_id = me`` across the join, which no index can serve."""
    from django.db.models import Q

    from teams import models as team_models
    from teams.models import Member

    def for_user(self, user):
        roles = team_models._roles(user)
        if not roles.led_team_ids:
            return self.filter(member_id=roles.member.pk) if roles.member else self.none()
        owners = Q(team_id__in=roles.led_team_ids)
        if roles.member is not None:
            owners |= Q(pk=roles.member.pk)
        return self.filter(member_id__in=Member.objects.filter(owners).values("pk"))

    team_models.MemberOwnedQuerySet.for_user = for_user


def patch_latest_scores() -> None:
    """docs/performance.md, proposal 2: "each member's latest score" as one subquery per
    visible member (an index probe on (member, as_of) each) instead of one per score row."""
    from django.db.models import OuterRef, Q, Subquery

    from teams.models import Member
    from teams.viewsets import ScopedViewSet
    from workload.api import scores as api
    from workload.models import BurnoutScore

    def get_queryset(self):
        queryset = ScopedViewSet.get_queryset(self).select_related("member")
        if "as_of" not in self.request.query_params:
            latest = BurnoutScore.objects.filter(member=OuterRef("pk")).order_by("-as_of")
            owners = Q(team_id__in=self.roles.led_team_ids)
            if self.roles.member is not None:
                owners |= Q(pk=self.roles.member.pk)
            latest_ids = Member.objects.filter(owners).annotate(
                latest=Subquery(latest.values("pk")[:1])
            )
            queryset = queryset.filter(pk__in=latest_ids.values("latest"))
        return queryset.order_by("member__full_name", "member_id")

    api.ScoreViewSet.get_queryset = get_queryset


PATCHES = {"owner-filter": patch_owner_filter, "latest-scores": patch_latest_scores}


def operations(
    as_of: dt.date, who: dict, proposals: bool = False
) -> list[tuple[str, str, Callable, bool]]:
    """(key, label, make, is_page): make() does the setup and returns the measured call."""

    def scores_all():
        from workload.services.scoring import scores_recompute

        return lambda: scores_recompute(as_of=as_of, team_ids=None)

    def staffing_all():
        from workload.services.scoring import staffing_recompute

        return lambda: staffing_recompute(as_of=as_of, team_ids=None)

    def team_one():
        from workload.services.scoring import team_recompute

        return lambda: team_recompute(team_id=who["team_id"], as_of=as_of)

    def fan_out():
        from teams.models import Team
        from workload.services.scoring import team_recompute

        team_ids = list(Team.objects.order_by("pk").values_list("pk", flat=True))

        def run():
            slowest = 0.0
            scored = 0
            for team_id in team_ids:
                t0 = time.perf_counter()
                scored += team_recompute(team_id=team_id, as_of=as_of)
                slowest = max(slowest, time.perf_counter() - t0)
            return f"{len(team_ids)} teams, {scored} scores, slowest team {slowest:.2f} s"

        return run

    def page(user_id: int, url: str, patches: tuple[str, ...] = ()):
        def make():
            from django.contrib.auth import get_user_model
            from django.test import Client

            for name in patches:  # only in this forked process
                PATCHES[name]()

            client = Client()
            client.force_login(get_user_model().objects.get(pk=user_id))

            def run():
                response = client.get(url, secure=True)
                if response.status_code != 200:
                    raise AssertionError(f"GET {url}: {response.status_code}")
                if response["Content-Type"].startswith("application/json"):
                    body = response.json()
                    return f"{len(body['results'])} of {body['count']:,} rows"
                return f"{len(response.content) / 1024:.0f} KiB HTML"

            return run

        return make

    monday = as_of - dt.timedelta(days=as_of.weekday())
    owner, both = ("owner-filter",), ("owner-filter", "latest-scores")
    proposed = [
        ("dp", "(d′) (d) with proposal 1 (owner filter)",
         page(who["leader_user_id"], "/api/v1/task-logs/", owner), True),
        ("d2p", "(d2′) (d2) with proposal 1",
         page(who["logging_leader_user_id"], "/api/v1/task-logs/", owner), True),
        ("gp", "(g′) (g) with proposal 1",
         page(who["leader_user_id"], "/api/v1/scores/", owner), True),
        ("gpp", "(g″) (g) with proposals 1 and 2 (latest scores)",
         page(who["leader_user_id"], "/api/v1/scores/", both), True),
    ]  # fmt: skip
    return [
        ("a", "(a) scores_recompute, all teams", scores_all, False),
        ("b", "(b) staffing_recompute, all teams", staffing_all, False),
        ("c", f"(c) team_recompute, one team ({who['team_members']} members)", team_one, False),
        ("f", "(f) nightly fan-out: team_recompute × every team", fan_out, False),
        ("d", "(d) GET /api/v1/task-logs/ page 1, leader",
         page(who["leader_user_id"], "/api/v1/task-logs/"), True),
        ("d2", "(d2) same, a leader who also logs work",
         page(who["logging_leader_user_id"], "/api/v1/task-logs/"), True),
        ("e", "(e) GET /log/ (My week), member",
         page(who["member_user_id"], f"/log/?week={monday:%Y-%m-%d}"), True),
        ("g", "(g) GET /api/v1/scores/ (latest per member), leader",
         page(who["leader_user_id"], "/api/v1/scores/"), True),
    ] + (proposed if proposals else [])  # fmt: skip


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cur.fetchall())


def summarise(key: str, label: str, timed: dict, py_peak: int | None) -> dict:
    runs = timed["runs"]
    walls = [r["wall"] for r in runs]
    later = walls[1:] or walls
    median_run = sorted(runs[1:] or runs, key=lambda r: r["wall"])[len(later) // 2]
    counts = sorted({r["queries"] for r in runs})
    return {
        "key": key,
        "label": label,
        "runs": len(runs),
        "first_s": walls[0],
        "median_s": statistics.median(later),
        "queries": "/".join(str(c) for c in counts),
        "sql_s": median_run["sql_time"],
        "rss_peak_mb": timed["rss_peak_kb"] / 1024,
        "rss_growth_mb": (timed["rss_peak_kb"] - timed["rss_before_kb"]) / 1024,
        "py_peak_mb": None if py_peak is None else py_peak / MB,
        "result": str(runs[-1]["value"]),
        "slowest": median_run["slowest"],
        "slowest_select": median_run["slowest_select"],
    }


def print_table(rows: list[dict]) -> None:
    header = (
        f"{'operation':<52} {'runs':>4} {'first s':>8} {'median s':>9} {'queries':>7} "
        f"{'SQL s':>7} {'peak RSS MB':>11} {'+RSS MB':>8} {'py peak MB':>10}  result"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        py = "-" if r["py_peak_mb"] is None else f"{r['py_peak_mb']:.1f}"
        print(
            f"{r['label']:<52} {r['runs']:>4} {r['first_s']:>8.3f} {r['median_s']:>9.3f} "
            f"{r['queries']:>7} {r['sql_s']:>7.3f} {r['rss_peak_mb']:>11.1f} "
            f"{r['rss_growth_mb']:>8.1f} {py:>10}  {r['result']}"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    db_url = _with_db(args.admin_url, args.db_name)
    reuse = args.reuse and database_exists(args.admin_url, args.db_name)
    if not reuse:
        database_create(args.admin_url, args.db_name)
    configure_environment(db_url)

    import django

    # whitenoise looks for collected static files, which only deployments build.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import override_settings

    # DEBUG is off; serve templates' {% static %} without a collectstatic manifest.
    static_override = override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    )
    static_override.enable()
    try:
        print(f"socialops benchmark — database {args.db_name} ({'reused' if reuse else 'new'})")
        print("command: python -m tests.benchmarks.bench_recompute " + " ".join(sys.argv[1:]))
        timings = {}
        if reuse:
            from django.db import connection

            with connection.cursor() as cur:
                cur.execute("SELECT max(date) FROM workload_tasklog")
                as_of = cur.fetchone()[0]
        else:
            as_of = args.as_of
            print(
                f"Generating: {args.members:,} members, {args.teams} teams, {args.channels} "
                f"channels, {args.grants:,} grants, {args.days} days of logs ending {as_of}"
            )

            def build() -> dict[str, float]:
                with Step("migrate") as step:
                    call_command("migrate", verbosity=0, interactive=False)
                return {"migrate": step.seconds, **generate(args, as_of)}

            # In a child process, so the measured processes fork from a lean parent.
            timings = in_child(build)
            print(f"  data generated in {sum(timings.values()):.1f} s")

        for statement in args.extra_sql:
            from django.db import connection

            with Step(f"extra SQL: {statement}"), connection.cursor() as cur:
                cur.execute(statement)
        who = personas()
        sizes = data_sizes()
        print()
        for key, value in machine().items():
            print(f"{key:<26} {value}")
        print(f"{'as_of':<26} {as_of}")
        for key, value in sizes.items():
            print(f"{key:<26} {value:,}" if isinstance(value, int) else f"{key:<26} {value}")
        print(f"{'persona team':<26} {who['team_name']} ({who['team_members']} members)")
        print()

        only = {k for k in args.only.split(",") if k}
        rows = []
        for key, label, make, is_page in operations(as_of, who, args.proposals):
            if only and key not in only:
                continue
            print(f"  measuring {label} …", flush=True)
            runs = args.page_runs if is_page else args.runs
            timed = in_child(lambda make=make, runs=runs: timed_runs(make, runs))
            py_peak = None
            if not args.no_tracemalloc:
                py_peak = in_child(lambda make=make: traced_run(make))
            rows.append(summarise(key, label, timed, py_peak))

        print()
        print(
            f"Results (as_of {as_of}; first = first run in a fresh process, median = median of "
            "the other runs; SQL s = time in the database in the median run)"
        )
        print_table(rows)
        print(f"load average at the end: {_load()}")
        print()
        print("Slowest queries of the median run:")
        for r in rows:
            print(f"  {r['label']}")
            for seconds, sql in r["slowest"]:
                print(f"    {seconds * 1000:8.1f} ms  {' '.join(sql.split())[:140]}")
        if args.explain:
            print()
            for r in rows:
                if r["slowest_select"]:
                    print(f"EXPLAIN ANALYZE — slowest SELECT of {r['label']}:")
                    print(" ".join(r["slowest_select"].split())[:600])
                    print(explain(r["slowest_select"]))
                    print()
        if timings:
            print("Data generation: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    finally:
        static_override.disable()
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"Kept database {args.db_name} (reuse it with --reuse).")
        else:
            database_drop(args.admin_url, args.db_name)
            print(f"Dropped database {args.db_name}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
