"""`manage.py seed_demo`: a believable demo organisation to click through.

Halcyon Air's social team: a support-heavy Community team in London, a Brand & Content
team in New York and Social Care APAC, a team of one in Singapore; about 20 people,
30 channels on every platform, and 90 days of work logs ending yesterday with leave,
on-call rotas and one crisis week. socialops was rolled out 90 days ago: nothing is recorded
before then (recorded history, docs/scoring.md 1.1), and leave is booked in the coming
weeks (coverage ahead, docs/scoring.md 3.4).

People, teams, channels, leave and on-call shifts go through the services, like any
other writer. The thousands of task logs are built here and bulk-inserted, because
`task_log_create` locks the member and re-reads three days per entry; `_check_task_logs`
holds them to the same rules first.

Everything is relative to "now" and drawn from fixed seeds, so a given day always yields
the same organisation. A second run finds the demo admin and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from governance.models import AccessGrant
from governance.reviews import review_create, review_decide
from governance.services import grant_revoke, member_offboard
from socialops.audit.services import audit_append
from socialops.common.exceptions import DomainError
from teams.models import Channel, Member, Team
from teams.services import (
    channel_create,
    leave_create,
    member_create,
    on_call_create,
    team_create,
    team_update,
)
from workload.hours import minutes_per_date
from workload.models import MINUTES_PER_DAY, Category, TaskLog
from workload.services import jobs, scoring

DEMO_PASSWORD = "socialops-demo"
DEMO_ADMIN = "ada"
SECOND_ADMIN = "grace"
OPERATOR = "ops"
SEED = 2024  # any fixed value: the same day always yields the same organisation
LOG_DAYS = 90
C = Category
P = Channel.Platform

# --- The organisation -------------------------------------------------------------------


@dataclass(frozen=True)
class TeamSpec:
    key: str
    name: str
    timezone: str
    window: tuple[dt.time, dt.time]
    weekdays: tuple[int, ...]
    fte_hours: str
    shrinkage: str
    # How the team's day divides between categories (relative weights).
    work_mix: dict[str, int]


TEAMS = (
    TeamSpec(
        "community", "Community", "Europe/London", (dt.time(8), dt.time(20)), tuple(range(7)),
        "37.5", "0.30",  # support teams lose more to training, coaching and queue breaks
        {C.COMMUNITY_MANAGEMENT: 55, C.ANALYTICS_REPORTING: 7, C.MEETINGS_APPROVALS: 8,
         C.PUBLISHING: 6, C.TOOLS_ADMIN: 6, C.CONTENT_CREATION: 4, C.TRAINING_EDUCATION: 5,
         C.LEARNING: 4, C.GOVERNANCE_SECURITY: 3, C.CRISIS_RESPONSE: 2},
    ),
    TeamSpec(
        "brand", "Brand & Content", "America/New_York", (dt.time(9), dt.time(18)),
        (0, 1, 2, 3, 4), "40", "0.20",
        {C.CONTENT_CREATION: 30, C.PUBLISHING: 22, C.MEETINGS_APPROVALS: 14,
         C.COMMUNITY_MANAGEMENT: 12, C.ANALYTICS_REPORTING: 10, C.LEARNING: 4,
         C.TOOLS_ADMIN: 4, C.TRAINING_EDUCATION: 2, C.GOVERNANCE_SECURITY: 2},
    ),
    TeamSpec(
        "apac", "Social Care APAC", "Asia/Singapore", (dt.time(8), dt.time(20)),
        (0, 1, 2, 3, 4, 5), "40", "0.25",
        # A team of one does a little of everything.
        {C.COMMUNITY_MANAGEMENT: 45, C.PUBLISHING: 12, C.CONTENT_CREATION: 10,
         C.ANALYTICS_REPORTING: 8, C.MEETINGS_APPROVALS: 7, C.GOVERNANCE_SECURITY: 5,
         C.TOOLS_ADMIN: 5, C.LEARNING: 3, C.TRAINING_EDUCATION: 2, C.CRISIS_RESPONSE: 3},
    ),
)  # fmt: skip


@dataclass(frozen=True)
class PersonSpec:
    username: str
    full_name: str
    team: str | None
    timezone: str
    started_days_ago: int
    weekly_hours: str = "37.5"
    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    workday: tuple[dt.time, dt.time] = (dt.time(9), dt.time(17, 30))
    logs_work: bool = True  # holds the member role
    leads: tuple[str, ...] = ()
    admin: bool = False
    status: str = Member.Status.ACTIVE
    ended_days_ago: int | None = None
    # Habits that shape the logs: how much of the contract they really work, how often
    # they answer the inbox in the evening or on rest days, whether they record hostile
    # messages, and how often they "just check" the queue while on leave.
    load: float = 1.0
    evenings: float = 0.1
    rest_days: float = 0.05
    records_hostile: float = 0.7
    checks_in_on_leave: float = 0.0


EARLY = (dt.time(7), dt.time(15, 30))
LATE = (dt.time(12), dt.time(20, 30))
ACTIVE, ON_LEAVE, DEPARTED = Member.Status.ACTIVE, Member.Status.ON_LEAVE, Member.Status.DEPARTED

PEOPLE = (
    # Leaders and governance sit outside the teams: they do not work the queues.
    PersonSpec("leo", "Leo Marchetti", None, "Europe/London", 2500, logs_work=False,
               leads=("community", "brand")),
    PersonSpec("ravi", "Ravi Menon", None, "Asia/Singapore", 1800, logs_work=False,
               leads=("apac",)),
    PersonSpec(DEMO_ADMIN, "Ada Okonkwo", None, "Europe/London", 1000, logs_work=False,
               admin=True),
    # A second admin: approvals and follow-up confirmations need someone other than Ada.
    PersonSpec(SECOND_ADMIN, "Grace Holm", None, "Europe/Stockholm", 700, logs_work=False,
               admin=True),
    # Community: early and late shifts, two weekend rotas, two part-timers, a new joiner.
    PersonSpec("maya", "Maya Patel", "community", "Europe/London", 1100, load=1.05,
               evenings=0.25, rest_days=0.1),
    PersonSpec("tom", "Tom Gallagher", "community", "Europe/Dublin", 1500, workday=EARLY,
               evenings=0.15, checks_in_on_leave=0.4),
    PersonSpec("zofia", "Zofia Nowak", "community", "Europe/Warsaw", 800,
               workdays=(2, 3, 4, 5, 6), workday=LATE, evenings=0.2),
    PersonSpec("callum", "Callum Reid", "community", "Europe/London", 650,
               workdays=(5, 6, 0, 1, 2), workday=LATE, load=1.1, evenings=0.3),
    PersonSpec("ines", "Inès Martin", "community", "Europe/Paris", 1200, weekly_hours="22.5",
               workdays=(0, 1, 2), records_hostile=0.0),
    PersonSpec("kwame", "Kwame Mensah", "community", "Europe/London", 2000, load=1.1,
               evenings=0.35, rest_days=0.2, records_hostile=0.9),
    PersonSpec("sofia", "Sofia Almeida", "community", "Europe/Lisbon", 500, weekly_hours="30",
               workdays=(0, 1, 2, 3), workday=(dt.time(8), dt.time(16))),
    PersonSpec("jonas", "Jonas Weber", "community", "Europe/Berlin", 900, workday=EARLY,
               records_hostile=0.3),
    PersonSpec("priya", "Priya Shah", "community", "Europe/London", 60, evenings=0.05),
    # Brand & Content: a long-hours content lead, a part-timer, one on parental leave,
    # one who left a month ago.
    PersonSpec("jordan", "Jordan Ellis", "brand", "America/New_York", 1400, weekly_hours="40",
               workday=(dt.time(9), dt.time(18)), load=1.2, evenings=0.45, rest_days=0.25),
    PersonSpec("camila", "Camila Reyes", "brand", "America/Chicago", 700, weekly_hours="40",
               workday=(dt.time(8, 30), dt.time(17, 30))),
    PersonSpec("ben", "Ben Carter", "brand", "America/New_York", 950, weekly_hours="40",
               workday=(dt.time(9), dt.time(18)), evenings=0.2),
    PersonSpec("aisha", "Aisha Rahman", "brand", "America/Toronto", 450, weekly_hours="22.5",
               workday=(dt.time(9, 30), dt.time(14))),
    PersonSpec("nate", "Nate Brooks", "brand", "America/Los_Angeles", 1000, weekly_hours="40",
               workday=(dt.time(8), dt.time(17)), evenings=0.15),
    PersonSpec("olivia", "Olivia Chen", "brand", "America/New_York", 1300, weekly_hours="40",
               workday=(dt.time(9), dt.time(18)), status=ON_LEAVE),
    PersonSpec("sam", "Sam Whitaker", "brand", "America/New_York", 850, weekly_hours="40",
               workday=(dt.time(9), dt.time(18)), status=DEPARTED, ended_days_ago=30),
    # Social Care APAC: one person, every weekend on call, no real break in months.
    PersonSpec("mei", "Mei Lin Tan", "apac", "Asia/Singapore", 1600, weekly_hours="40",
               workday=(dt.time(8, 30), dt.time(17, 30)), load=1.2, evenings=0.6,
               rest_days=0.45, records_hostile=0.8),
)  # fmt: skip


@dataclass(frozen=True)
class ChannelSpec:
    team: str
    platform: str
    handle: str
    name: str
    owner: str
    # 60 min for real-time DM queues, 240 for DMs answered within hours, 1440 for comments;
    # None: nobody promised a reply time.
    sla: int | None = None
    weekly_messages: int = 0
    always_on: bool = False
    shared_credential: bool = False


CHANNELS = (
    ChannelSpec("community", P.X, "@HalcyonHelp", "Halcyon Help", "maya", 60, 1200,
                always_on=True),
    ChannelSpec("community", P.X, "@HalcyonAir_UK", "Halcyon Air UK", "tom", 1440, 200),
    ChannelSpec("community", P.X, "@HalcyonAir_DE", "Halcyon Air Deutschland", "jonas",
                1440, 80),
    ChannelSpec("community", P.FACEBOOK, "halcyonair.uk", "Halcyon Air UK", "kwame", 240,
                300, shared_credential=True),
    ChannelSpec("community", P.FACEBOOK, "halcyonair.ie", "Halcyon Air Ireland", "tom",
                1440, 80),
    ChannelSpec("community", P.FACEBOOK, "groups/halcyonflyers", "Halcyon Flyers Club",
                "zofia", 1440, 60, shared_credential=True),
    ChannelSpec("community", P.INSTAGRAM, "@halcyonhelp", "Halcyon Help", "maya", 240, 250),
    ChannelSpec("community", P.THREADS, "@halcyonhelp", "Halcyon Help", "callum", 1440, 40),
    ChannelSpec("community", P.OTHER, "whatsapp:+442079460000", "WhatsApp Business UK",
                "kwame", 240, 300, shared_credential=True),
    ChannelSpec("community", P.OTHER, "trustpilot:halcyonair.com", "Trustpilot reviews",
                "sofia", 1440, 60),
    ChannelSpec("community", P.TIKTOK, "@halcyonhelp", "Halcyon Help", "callum", 1440, 40),
    ChannelSpec("brand", P.INSTAGRAM, "@halcyonair", "Halcyon Air", "jordan", 1440, 600,
                shared_credential=True),
    ChannelSpec("brand", P.INSTAGRAM, "@halcyon_lounge", "Halcyon Lounges", "camila",
                1440, 50),
    ChannelSpec("brand", P.TIKTOK, "@halcyonair", "Halcyon Air", "ben", 1440, 300,
                shared_credential=True),
    ChannelSpec("brand", P.YOUTUBE, "@HalcyonAir", "Halcyon Air", "nate", 1440, 60),
    ChannelSpec("brand", P.YOUTUBE, "@HalcyonTravelGuides", "Halcyon Travel Guides", "nate",
                weekly_messages=60),
    ChannelSpec("brand", P.PINTEREST, "halcyonair", "Halcyon Air", "aisha",
                weekly_messages=40),
    ChannelSpec("brand", P.PINTEREST, "halcyon_destinations", "Halcyon Destinations",
                "aisha", weekly_messages=20),
    ChannelSpec("brand", P.THREADS, "@halcyonair", "Halcyon Air", "ben", 1440, 80),
    ChannelSpec("brand", P.LINKEDIN, "halcyon-air", "Halcyon Air", "camila", 1440, 40),
    ChannelSpec("brand", P.LINKEDIN, "halcyon-air-careers", "Halcyon Air Careers", "camila",
                weekly_messages=80),
    ChannelSpec("brand", P.X, "@HalcyonAir", "Halcyon Air", "jordan", 1440, 300),
    ChannelSpec("brand", P.FACEBOOK, "halcyonair", "Halcyon Air", "jordan", 1440, 400,
                shared_credential=True),
    ChannelSpec("brand", P.OTHER, "snapchat:halcyonair", "Halcyon Air on Snapchat", "ben",
                weekly_messages=50, shared_credential=True),
    ChannelSpec("apac", P.X, "@HalcyonHelpAPAC", "Halcyon Help APAC", "mei", 60, 250),
    ChannelSpec("apac", P.FACEBOOK, "halcyonair.sg", "Halcyon Air Singapore", "mei", 1440, 150,
                shared_credential=True),
    ChannelSpec("apac", P.FACEBOOK, "halcyonair.au", "Halcyon Air Australia", "mei", 1440,
                100),
    ChannelSpec("apac", P.INSTAGRAM, "@halcyonair_apac", "Halcyon Air APAC", "mei", 1440, 120),
    ChannelSpec("apac", P.LINKEDIN, "halcyon-air-apac", "Halcyon Air APAC", "mei",
                weekly_messages=40),
    ChannelSpec("apac", P.OTHER, "line:@halcyonair_th", "LINE Official Account Thailand",
                "mei", 1440, 80, shared_credential=True),
)  # fmt: skip


@dataclass(frozen=True)
class LeaveSpec:
    username: str
    kind: str
    days_ago: int  # in the member's local dates
    days: int
    from_monday: bool = True  # holidays start on the Monday of that week; sickness does not


VACATION, SICK, OTHER = "vacation", "sick", "other"

# Community holidays stay clear of the crisis week (22 to 34 days ago).
LEAVE = (
    # Inside the 90-day window.
    LeaveSpec("maya", VACATION, 63, 5),
    LeaveSpec("tom", VACATION, 42, 5),
    LeaveSpec("kwame", VACATION, 7, 5),
    LeaveSpec("jonas", VACATION, 77, 12),
    LeaveSpec("sofia", VACATION, 49, 5),
    LeaveSpec("ines", VACATION, 84, 5),
    LeaveSpec("jordan", VACATION, 49, 5),
    LeaveSpec("camila", VACATION, 70, 12),
    LeaveSpec("ben", VACATION, 14, 5),
    LeaveSpec("nate", VACATION, 56, 5),
    LeaveSpec("aisha", VACATION, 35, 5),
    LeaveSpec("zofia", SICK, 18, 2, from_monday=False),  # right after the crisis week
    LeaveSpec("callum", SICK, 20, 1, from_monday=False),
    LeaveSpec("ben", SICK, 60, 1, from_monday=False),
    LeaveSpec("priya", SICK, 12, 1, from_monday=False),
    LeaveSpec("olivia", OTHER, 20, 140, from_monday=False),  # parental leave, still running
    # Booked ahead (negative days_ago): what coverage ahead warns about. The team of one's
    # holiday leaves six channels with nobody who can act on them.
    LeaveSpec("mei", VACATION, -14, 5),
    LeaveSpec("maya", VACATION, -7, 5),
    LeaveSpec("callum", VACATION, -21, 5),
    # Nothing older: socialops was rolled out 90 days ago (LOG_DAYS), so recorded history
    # starts then for everyone, however long they have worked here (docs/scoring.md 1.1).
)  # fmt: skip


@dataclass(frozen=True)
class RotaSpec:
    team: str
    weekday: int  # the local weekday the shift starts
    start: dt.time
    hours: int
    channel: tuple[str, str] | None
    every_weeks: int = 1


ROTAS = (
    # Weekend cover, from Saturday morning to Sunday night, in the team's time zone.
    RotaSpec("community", 5, dt.time(8), 38, (P.X, "@HalcyonHelp")),
    RotaSpec("apac", 5, dt.time(9), 36, (P.X, "@HalcyonHelpAPAC")),
    # Brand covers launch weekends only.
    RotaSpec("brand", 4, dt.time(17), 64, (P.INSTAGRAM, "@halcyonair"), every_weeks=3),
)
ROTA_WEEKS = 13  # the log window, plus the coming weekend
CRISIS_TEAM = "community"
CRISIS_WEEKS_AGO = 4
CRISIS_NOTES = (
    "Baggage system outage at LHR: rebooking and refund questions",
    "Holding statement v3, approved with Comms and Legal",
    "Bridge call with Ops and PR",
    "Replying to complaints about lost bags",
    "Escalations to the customer relations desk",
)

# --- The command ------------------------------------------------------------------------


class Command(BaseCommand):
    help = "Create a demo organisation (teams, people, channels, 90 days of work) once."

    def handle(self, *args, **options):
        now = timezone.now()
        with transaction.atomic():
            if get_user_model().objects.filter(username=DEMO_ADMIN).exists():
                self.stdout.write("Demo organisation already present; nothing changed.")
                return
            try:
                counts = seed_demo(now=now)
            except DomainError as exc:
                raise CommandError(f"Cannot seed the demo organisation: {exc}") from exc
        self.stdout.write(
            "Created {teams} teams, {members} members, {channels} channels, {task_logs} task "
            "logs, {leave} leave records, {on_call_shifts} on-call shifts and {grants} access "
            "grants.".format(**counts)
        )
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for line in (
            "member   maya — logs work on My week (/log/)",
            "member   mei  — Social Care APAC, a team of one",
            "leader   leo  — leads Community and Brand & Content",
            "leader   ravi — leads Social Care APAC",
            f"admin    {DEMO_ADMIN}  — governance (/governance/)",
            f"admin    {SECOND_ADMIN} — the second admin: approves and confirms Ada's changes",
            f"operator {OPERATOR}  — Django admin (/admin/)",
        ):
            self.stdout.write(f"  {line}")


def seed_demo(*, now: dt.datetime) -> dict[str, int]:
    """Create the whole organisation; returns how many of each record were created."""
    validate_password(DEMO_PASSWORD)
    teams = {spec.key: _create_team(spec) for spec in TEAMS}
    members = {spec.username: _create_member(spec, teams, now) for spec in PEOPLE}
    for spec in TEAMS:
        leaders = [members[p.username] for p in PEOPLE if spec.key in p.leads]
        team_update(team=teams[spec.key], leaders=leaders)
    _set_demo_passwords(members.values())
    channels = [_create_channel(spec, teams, members) for spec in CHANNELS]
    leave_dates = _create_leave(members, now)
    on_call_dates, shifts = _create_on_call(teams, members, channels, leave_dates, now)
    task_logs = _build_task_logs(members, channels, leave_dates, on_call_dates, now)
    TaskLog.objects.bulk_create(task_logs, batch_size=1000)
    grants = _create_grants(channels, members, now)
    _create_governance_story(channels, members, now)
    # Scores and staffing for yesterday, so the dashboards have figures on first sight.
    for team in teams.values():
        scoring.team_recompute(team_id=team.pk, as_of=jobs.default_as_of())
    audit_append(actor=None, action="demo.seeded", target_type="organisation", target_id="demo",
                 data={"channels": len(channels), "grants": grants})  # fmt: skip
    return {
        "teams": len(teams),
        "members": len(members),
        "channels": len(channels),
        "task_logs": len(task_logs),
        "leave": len(LEAVE),
        "on_call_shifts": shifts,
        "grants": grants,
    }


def _create_grants(channels: list[Channel], members: dict[str, Member], now) -> int:
    """Who can act on which channel: each owner, one to three teammates, a few thin channels
    (backup gaps), a leaver who still holds access, a pending admin grant and one about to
    expire — what the governance page is for. Seed data, written in one bulk insert."""
    rng = random.Random(20261121)
    admin = members[DEMO_ADMIN]
    by_team: dict[int, list[Member]] = defaultdict(list)
    for member in members.values():
        if member.team_id and member.role_member and member.status != Member.Status.DEPARTED:
            by_team[member.team_id].append(member)
    grants = []

    def grant(member, channel, role, days_ago, **extra):
        at = now - dt.timedelta(days=days_ago)
        values = {"granted_at": at, "approved_at": at, "granted_by": admin,
                  "justification": f"{role} on {channel.label}", **extra}  # fmt: skip
        grants.append(AccessGrant(member=member, channel=channel, role=role, **values))

    for index, channel in enumerate(channels):
        shared = {"shared_credential": channel.uses_shared_credential}
        if channel.owner is not None:
            grant(channel.owner, channel, AccessGrant.Role.OWNER, 300, **shared)
        others = [m for m in by_team[channel.team_id] if m != channel.owner]
        backups = 0 if index % 7 == 3 else min(len(others), rng.choice((1, 2, 2, 3)))
        for member in rng.sample(others, backups):
            role = rng.choice((AccessGrant.Role.PUBLISHER, AccessGrant.Role.MODERATOR))
            grant(member, channel, role, rng.randint(20, 400), **shared)
    leaver = members.get("sam")
    brand = [c for c in channels if c.team_id == leaver.team_id] if leaver else []
    if brand:  # left a month ago; nobody revoked this one
        grant(leaver, brand[0], AccessGrant.Role.PUBLISHER, 500, shared_credential=True)
    community = [c for c in channels if c.team_id == members["maya"].team_id]
    held = {(g.member_id, g.channel_id) for g in grants}
    spare = [(m, c) for c in community for m in by_team[c.team_id] if (m.pk, c.pk) not in held]
    if len(spare) >= 2:
        member, channel = spare[0]
        grant(member, channel, AccessGrant.Role.ADMIN, 1, approved_at=None)  # pending
        member, channel = spare[1]
        grant(member, channel, AccessGrant.Role.ANALYST, 60,
              expires_at=now + dt.timedelta(days=5))  # fmt: skip
    AccessGrant.objects.bulk_create(grants)
    return len(grants)


def _create_governance_story(channels: list[Channel], members: dict[str, Member], now) -> None:
    """What an admin finds on the governance pages, made through the services (audited):
    a grant Ada revoked whose follow-ups wait for Grace, a leaver scheduled for next month,
    and a review campaign on Community with items for several channel owners, two decided."""
    ada = members[DEMO_ADMIN]
    community = members["maya"].team_id
    assert community is not None  # Maya works in Community
    kwame = members["kwame"]
    moved = (
        AccessGrant.objects.open()
        .filter(member=kwame, channel__team_id=community)
        .exclude(channel__owner=kwame)
        .select_related("channel")
        .order_by("channel__platform", "channel__handle")
        .first()
    )
    if moved is not None:
        grant_revoke(grant=moved, actor=ada, accept_gaps=True,
                     reason="Kwame moved to the weekend rota on other channels")  # fmt: skip
    jonas = members["jonas"]
    member_offboard(
        member=jonas, actor=ada, ended_on=jonas.today(now) + dt.timedelta(days=24),
        reason="Joins a Berlin agency", successor=members["zofia"], accept_gaps=True,
    )  # fmt: skip
    review = review_create(
        actor=ada, name="Q4 access review: Community", team_ids=[community],
        deadline=timezone.localdate() + dt.timedelta(days=10),
    )  # fmt: skip
    decided = 0
    for item in review.items.select_related("grant", "reviewer").order_by("pk"):
        if item.reviewer_id == members["maya"].pk and decided < 2:
            review_decide(item=item, actor=members["maya"], decision="keep")
            decided += 1


def _create_team(spec: TeamSpec) -> Team:
    return team_create(
        name=spec.name,
        timezone=spec.timezone,
        staffed_window_start=spec.window[0],
        staffed_window_end=spec.window[1],
        staffed_weekdays=list(spec.weekdays),
        fte_hours=Decimal(spec.fte_hours),
        shrinkage=Decimal(spec.shrinkage),
    )


def _create_member(spec: PersonSpec, teams: dict[str, Team], now: dt.datetime) -> Member:
    today = now.date()
    ended_on = today - dt.timedelta(days=spec.ended_days_ago) if spec.ended_days_ago else None
    return member_create(
        username=spec.username,
        email=f"{spec.username}@halcyon.example",
        full_name=spec.full_name,
        team=teams[spec.team] if spec.team else None,
        role_member=spec.logs_work,
        role_leader=bool(spec.leads),
        role_admin=spec.admin,
        timezone=spec.timezone,
        workday_start=spec.workday[0],
        workday_end=spec.workday[1],
        workdays=list(spec.workdays),
        weekly_hours=Decimal(spec.weekly_hours),
        status=spec.status,
        started_on=today - dt.timedelta(days=spec.started_days_ago),
        ended_on=ended_on,
    )


def _set_demo_passwords(members) -> None:
    """Give every current person, and the operator, the one demo password.

    PBKDF2 is slow on purpose (a good fraction of a second a hash): hashing once and sharing
    the hash keeps the seed fast. Leavers keep the unusable password they were created with.
    """
    User = get_user_model()
    password = make_password(DEMO_PASSWORD)
    User.objects.create(username=OPERATOR, password=password, is_staff=True, is_superuser=True)
    User.objects.filter(
        pk__in=[m.user_id for m in members if m.status != Member.Status.DEPARTED]
    ).update(password=password)


def _create_channel(spec: ChannelSpec, teams: dict[str, Team], members) -> Channel:
    return channel_create(
        team=teams[spec.team],
        platform=spec.platform,
        handle=spec.handle,
        name=spec.name,
        owner=members[spec.owner],
        response_sla_minutes=spec.sla,
        expected_weekly_messages=spec.weekly_messages,
        always_on=spec.always_on,
        uses_shared_credential=spec.shared_credential,
    )


def _create_leave(members: dict[str, Member], now: dt.datetime) -> dict[int, set[dt.date]]:
    """Record LEAVE; returns member id → local dates on leave."""
    leave_dates: dict[int, set[dt.date]] = defaultdict(set)
    for spec in LEAVE:
        member = members[spec.username]
        start = member.today(now) - dt.timedelta(days=spec.days_ago)
        if spec.from_monday:
            start -= dt.timedelta(days=start.weekday())
        end = start + dt.timedelta(days=spec.days - 1)
        leave_create(member=member, start_date=start, end_date=end, kind=spec.kind)
        leave_dates[member.pk].update(_days(start, end))
    return leave_dates


def _create_on_call(
    teams, members, channels, leave_dates, now
) -> tuple[dict[int, set[dt.date]], int]:
    """Fill each team's rota, taking turns among whoever is employed and not on leave.

    Returns member id → local dates touched by a shift, and how many shifts were created.
    """
    by_handle = {(c.platform, c.handle): c for c in channels}
    on_call_dates: dict[int, set[dt.date]] = defaultdict(set)
    turns: dict[str, int] = defaultdict(int)
    created = 0
    for team_key, starts_at, ends_at, channel_key in _shifts(teams, now):
        rota = [m for m in members.values() if m.team_id == teams[team_key].pk and m.role_member]
        member = _next_on_rota(rota, starts_at, ends_at, leave_dates, turn=turns[team_key])
        if member is None:
            continue  # nobody could cover: a gap the dashboard should show
        on_call_create(
            member=member,
            starts_at=starts_at,
            ends_at=ends_at,
            channel=by_handle[channel_key] if channel_key else None,
        )
        on_call_dates[member.pk].update(_days(*_local_span(member, starts_at, ends_at)))
        turns[team_key] = rota.index(member) + 1
        created += 1
    return on_call_dates, created


def _shifts(teams, now) -> Iterator[tuple[str, dt.datetime, dt.datetime, tuple | None]]:
    for rota in ROTAS:
        tz = zoneinfo.ZoneInfo(teams[rota.team].timezone)
        today = now.astimezone(tz).date()
        # -1 is the coming week's shift: a rota is planned ahead.
        for weeks_ago in range(-1, ROTA_WEEKS, rota.every_weeks):
            day = today - dt.timedelta(days=(today.weekday() - rota.weekday) % 7 + 7 * weeks_ago)
            starts_at = dt.datetime.combine(day, rota.start, tzinfo=tz)
            yield rota.team, starts_at, starts_at + dt.timedelta(hours=rota.hours), rota.channel
    # During the crisis week someone from the crisis team is on call every weekday evening.
    tz = zoneinfo.ZoneInfo(teams[CRISIS_TEAM].timezone)
    for day in _crisis_week(now.astimezone(tz).date())[:5]:
        starts_at = dt.datetime.combine(day, dt.time(18), tzinfo=tz)
        yield CRISIS_TEAM, starts_at, starts_at + dt.timedelta(hours=5), (P.X, "@HalcyonHelp")


def _next_on_rota(rota, starts_at, ends_at, leave_dates, *, turn: int) -> Member | None:
    for offset in range(len(rota)):
        member = rota[(turn + offset) % len(rota)]
        first, last = _local_span(member, starts_at, ends_at)
        if (
            member.employed_on(first)
            and member.employed_on(last)
            and not leave_dates[member.pk] & set(_days(first, last))
        ):
            return member
    return None


def _local_span(member: Member, starts_at: dt.datetime, ends_at: dt.datetime):
    # The same local dates on_call_create stores: the end instant is exclusive.
    first = starts_at.astimezone(member.tz).date()
    last = (ends_at - dt.timedelta(microseconds=1)).astimezone(member.tz).date()
    return first, last


def _crisis_week(team_today: dt.date) -> list[dt.date]:
    monday = team_today - dt.timedelta(days=team_today.weekday() + 7 * CRISIS_WEEKS_AGO)
    return list(_days(monday, monday + dt.timedelta(days=6)))


def _days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


# --- Task logs --------------------------------------------------------------------------


def _build_task_logs(members, channels, leave_dates, on_call_dates, now) -> list[TaskLog]:
    teams = {t.key: t for t in TEAMS}
    specs = {p.username: p for p in PEOPLE}
    crisis_tz = zoneinfo.ZoneInfo(teams[CRISIS_TEAM].timezone)
    crisis_days = set(_crisis_week(now.astimezone(crisis_tz).date()))
    logs: list[TaskLog] = []
    for username, member in members.items():
        spec = specs[username]
        if not spec.logs_work:
            continue
        assert spec.team is not None, username  # PEOPLE: everyone who logs work has a team
        day_writer = DayWriter(
            spec=spec,
            member=member,
            work_mix=teams[spec.team].work_mix,
            channels=[c for c in channels if c.team_id == member.team_id],
            # Each person has their own stream, so changing one person leaves the rest alone.
            rng=random.Random(f"{SEED}:{username}"),
        )
        member_logs = []
        for day in _log_window(member, now):
            if day in leave_dates[member.pk]:
                member_logs += day_writer.leave_day(day)
            elif spec.team == CRISIS_TEAM and day in crisis_days:
                member_logs += day_writer.crisis_day(day)
            elif day.weekday() in spec.workdays:
                member_logs += day_writer.workday(day)
            else:
                member_logs += day_writer.rest_day(day, on_call=day in on_call_dates[member.pk])
        _check_task_logs(member, member_logs, now)
        logs += member_logs
    return logs


def _log_window(member: Member, now: dt.datetime) -> Iterator[dt.date]:
    """The last LOG_DAYS local dates up to the member's yesterday, inside employment."""
    last = member.today(now) - dt.timedelta(days=1)
    first = max(last - dt.timedelta(days=LOG_DAYS - 1), member.started_on)
    if member.ended_on is not None:
        last = min(last, member.ended_on)
    return _days(first, last)


def _check_task_logs(member: Member, logs: list[TaskLog], now: dt.datetime) -> None:
    """The rules task_log_create enforces, checked once over the whole batch."""
    today = member.today(now)
    for log in logs:
        if not (
            1 <= log.minutes <= MINUTES_PER_DAY
            and log.category in Category.values
            and log.date <= today
            and member.employed_on(log.date)
            and (log.channel is None or log.channel.team_id == member.team_id)
        ):
            raise CommandError(f"The seeder built an invalid entry for {member}: {log}")
    totals = minutes_per_date((log.date, log.started_at, log.minutes) for log in logs)
    if max(totals.values(), default=0) > MINUTES_PER_DAY:
        raise CommandError(f"The seeder built a day over 24 hours for {member}.")


# Typical length of one block of work, in minutes.
BLOCK_MINUTES = {
    C.COMMUNITY_MANAGEMENT: (45, 150),
    C.CONTENT_CREATION: (45, 180),
    C.PUBLISHING: (20, 90),
    C.ANALYTICS_REPORTING: (30, 120),
    C.MEETINGS_APPROVALS: (30, 60),
    C.TRAINING_EDUCATION: (30, 90),
    C.GOVERNANCE_SECURITY: (15, 60),
    C.TOOLS_ADMIN: (15, 45),
    C.LEARNING: (15, 60),
    C.CRISIS_RESPONSE: (30, 120),
}
CRISIS_MIX = {
    C.CRISIS_RESPONSE: 50,
    C.COMMUNITY_MANAGEMENT: 35,
    C.MEETINGS_APPROVALS: 10,
    C.ANALYTICS_REPORTING: 5,
}
NOTES = {
    C.PUBLISHING: ("Scheduled next week's posts", "Resized the campaign for each network"),
    C.CONTENT_CREATION: ("Drafted reels for the autumn routes", "Shot and edited a short"),
    C.ANALYTICS_REPORTING: ("Monthly report for the leadership team", "Sentiment dashboard"),
    C.MEETINGS_APPROVALS: ("Legal approval of the promo copy", "Weekly team stand-up"),
    C.GOVERNANCE_SECURITY: ("Rotated a shared password", "Checked admin roles on the page"),
    C.LEARNING: ("Read up on the new DM features", "Platform policy changes"),
}
EVENING_STARTS = (19 * 60 + 30, 22 * 60)
LAST_EVENING_START = 23 * 60


class DayWriter:
    """Writes one member's entries for one local date at a time, in wall-clock order."""

    def __init__(self, *, spec: PersonSpec, member, work_mix, channels, rng: random.Random):
        self.spec = spec
        self.member = member
        self.work_mix = work_mix
        self.rng = rng
        self.channels = channels
        # Inbox work lands on channels with promised reply times, in proportion to volume.
        self.queues = [c for c in channels if c.response_sla_minutes] or channels
        self.shared = [c for c in channels if c.uses_shared_credential]
        self.contract_minutes = int(float(spec.weekly_hours) * 60 / len(spec.workdays))

    def workday(self, day: dt.date) -> list[TaskLog]:
        # Starting a little early or late is normal; starting 30 min early is after-hours.
        start = _minutes(self.spec.workday[0]) + self.rng.choice((-30, -15, -5, 0, 0, 0, 5, 15))
        target = self.contract_minutes * self.spec.load * self.rng.uniform(0.9, 1.12)
        entries, end = self._block_of_work(day, start, target, self.work_mix)
        if self.rng.random() < self.spec.evenings:
            entries += self._evening_check(day, after=end)
        return entries

    def rest_day(self, day: dt.date, *, on_call: bool) -> list[TaskLog]:
        # On call means answering the queue; otherwise some people still "just check".
        if self.rng.random() >= (0.85 if on_call else self.spec.rest_days):
            return []
        clock = self.rng.randrange(9 * 60, 20 * 60, 5)
        entries = []
        for _ in range(self.rng.choice((1, 1, 2))):
            minutes = self.rng.randrange(15, 80, 5)
            category = C.COMMUNITY_MANAGEMENT if self.rng.random() < 0.8 else C.PUBLISHING
            entries.append(self._entry(day, clock, minutes, category))
            clock += minutes + self.rng.randrange(60, 180, 5)
            if clock > LAST_EVENING_START:
                break
        return entries

    def leave_day(self, day: dt.date) -> list[TaskLog]:
        if self.rng.random() >= self.spec.checks_in_on_leave:
            return []
        clock = self.rng.randrange(8 * 60, 21 * 60, 5)
        return [self._entry(day, clock, self.rng.randrange(15, 35, 5), C.COMMUNITY_MANAGEMENT)]

    def crisis_day(self, day: dt.date) -> list[TaskLog]:
        """Everyone in: long days, rest days given up, the inbox full of anger."""
        workday = day.weekday() in self.spec.workdays
        if not workday and self.rng.random() < 0.3:
            return []
        start = self.rng.randrange(7 * 60, 8 * 60 + 35, 5)
        target = self.rng.randrange(600, 780, 5) if workday else self.rng.randrange(300, 480, 5)
        entries, end = self._block_of_work(day, start, target, CRISIS_MIX, crisis=True)
        late = end + self.rng.randrange(30, 90, 5)
        if late <= LAST_EVENING_START:
            minutes = self.rng.randrange(45, 120, 5)  # may run past midnight
            entries.append(self._entry(day, late, minutes, C.CRISIS_RESPONSE, crisis=True))
        return entries

    def _block_of_work(self, day, start, target, mix, *, crisis=False) -> tuple[list, int]:
        """Consecutive entries from `start` until about `target` minutes are logged.

        Returns the entries and the minute of the day they end. Nothing starts after
        LAST_EVENING_START, so no entry can start on the next day.
        """
        entries, clock, worked, had_lunch = [], start, 0, False
        while target - worked >= 15 and clock <= LAST_EVENING_START:
            category = self.rng.choices(list(mix), weights=list(mix.values()))[0]
            low, high = BLOCK_MINUTES[category]
            minutes = min(self.rng.randrange(low, high + 1, 5), round(target - worked))
            entries.append(
                self._entry(day, clock, minutes, category, crisis=crisis or _is_crisis(category))
            )
            clock += minutes
            worked += minutes
            if not had_lunch and clock >= 12 * 60 + self.rng.randrange(0, 60, 5):
                clock += 15 if crisis else self.rng.choice((30, 45, 60))
                had_lunch = True
            elif self.rng.random() < 0.3:
                clock += self.rng.choice((5, 10, 15))
        return entries, clock

    def _evening_check(self, day: dt.date, *, after: int) -> list[TaskLog]:
        clock = max(after + 45, self.rng.randrange(*EVENING_STARTS, 5))
        if clock > LAST_EVENING_START:
            return []
        category = C.COMMUNITY_MANAGEMENT if self.rng.random() < 0.8 else C.PUBLISHING
        return [self._entry(day, clock, self.rng.randrange(15, 65, 5), category)]

    def _entry(self, day, clock, minutes, category, *, crisis=False) -> TaskLog:
        messages, hostile = self._messages(category, minutes, crisis)
        return TaskLog(
            member=self.member,
            date=day,
            started_at=dt.time(clock // 60, clock % 60),
            minutes=minutes,
            category=category,
            channel=self._channel(category),
            messages_handled=messages,
            hostile_messages=hostile,
            crisis=crisis,
            note=self._note(category, crisis),
        )

    def _messages(self, category, minutes, crisis) -> tuple[int, int | None]:
        if category not in (C.COMMUNITY_MANAGEMENT, C.CRISIS_RESPONSE):
            return 0, None
        per_hour = self.rng.randint(35, 60) if crisis else self.rng.randint(18, 40)
        if category == C.CRISIS_RESPONSE and not crisis:
            per_hour //= 2
        messages = round(per_hour * minutes / 60)
        # null = not recorded: some people rarely count, and crises are when they do.
        if self.rng.random() >= (0.9 if crisis else self.spec.records_hostile):
            return messages, None
        share = self.rng.uniform(0.15, 0.3) if crisis else self.rng.uniform(0.0, 0.06)
        return messages, round(messages * share)

    def _channel(self, category) -> Channel | None:
        if category in (C.COMMUNITY_MANAGEMENT, C.CRISIS_RESPONSE):
            weights = [c.expected_weekly_messages + 10 for c in self.queues]
            return self.rng.choices(self.queues, weights=weights)[0]
        if category in (C.PUBLISHING, C.CONTENT_CREATION) and self.rng.random() < 0.85:
            weights = [c.expected_weekly_messages + 50 for c in self.channels]
            return self.rng.choices(self.channels, weights=weights)[0]
        if category == C.GOVERNANCE_SECURITY and self.shared and self.rng.random() < 0.7:
            return self.rng.choice(self.shared)
        if category == C.ANALYTICS_REPORTING and self.rng.random() < 0.5:
            return self.rng.choice(self.channels)
        return None

    def _note(self, category, crisis) -> str:
        if crisis:
            return self.rng.choice(CRISIS_NOTES) if self.rng.random() < 0.4 else ""
        if category in NOTES and self.rng.random() < 0.1:
            return self.rng.choice(NOTES[category])
        return ""


def _is_crisis(category: str) -> bool:
    # Smaller incidents outside the crisis week (a diverted flight) are still crisis work.
    return category == C.CRISIS_RESPONSE


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute
