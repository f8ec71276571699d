"""manage.py recompute --as-of YYYY-MM-DD [--team ID]: scores and staffing, team by team."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from teams.models import Team
from workload.services import jobs, scoring


class Command(BaseCommand):
    help = "Compute burnout scores and staffing snapshots for a date (default: yesterday, UTC)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="YYYY-MM-DD (default: yesterday in UTC)")
        parser.add_argument("--team", type=int, action="append", help="a team id (repeatable)")

    def handle(self, *args, as_of=None, team=None, **options):
        try:
            day = dt.date.fromisoformat(as_of) if as_of else jobs.default_as_of()
        except ValueError as exc:
            raise CommandError(f"--as-of must be YYYY-MM-DD, not {as_of!r}") from exc
        teams = Team.objects.order_by("pk")
        if team:
            teams = teams.filter(pk__in=team)
            missing = set(team) - set(teams.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"No team with id {', '.join(map(str, sorted(missing)))}.")
        team_ids = list(teams.values_list("pk", flat=True))
        scored = 0
        for team_id in tqdm(team_ids, desc=f"Recomputing {day}", unit="team", file=self.stderr):
            scored += scoring.team_recompute(team_id=team_id, as_of=day)
        self.stdout.write(f"{day}: {scored} member scores and {len(team_ids)} staffing snapshots.")
