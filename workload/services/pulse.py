"""The weekly pulse: writes and the week rules (docs/api.md /pulse/)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from socialops.common.exceptions import DomainError
from teams.models import Member
from workload.hours import monday_of
from workload.models import PULSE_VALUES, PulseResponse

WEEKS_OPEN = 8  # this week and the seven before it may be answered

# The Copenhagen Burnout Inventory, work-related scale (free to use). Item 4 is reverse-scored.
QUESTIONS = (
    gettext_lazy("Do you feel worn out at the end of the working day?"),
    gettext_lazy("Are you exhausted in the morning at the thought of another day at work?"),
    gettext_lazy("Do you feel that every working hour is tiring for you?"),
    gettext_lazy("Do you have enough energy for family and friends during leisure time?"),
    gettext_lazy("Is your work emotionally exhausting?"),
    gettext_lazy("Does your work frustrate you?"),
    gettext_lazy("Do you feel burnt out because of your work?"),
)
# Items 1–3 ask how often; items 4–7 ask to what degree (CBI wording).
FREQUENCY_LABELS = (
    (100, gettext_lazy("Always")),
    (75, gettext_lazy("Often")),
    (50, gettext_lazy("Sometimes")),
    (25, gettext_lazy("Seldom")),
    (0, gettext_lazy("Never/almost never")),
)
DEGREE_LABELS = (
    (100, gettext_lazy("To a very high degree")),
    (75, gettext_lazy("To a high degree")),
    (50, gettext_lazy("Somewhat")),
    (25, gettext_lazy("To a low degree")),
    (0, gettext_lazy("To a very low degree")),
)
LABELS = (FREQUENCY_LABELS,) * 3 + (DEGREE_LABELS,) * 4


def open_weeks(member: Member) -> list[dt.date]:
    """The Mondays a member may answer for, newest first."""
    this_week = monday_of(member.today())
    return [this_week - dt.timedelta(weeks=i) for i in range(WEEKS_OPEN)]


@transaction.atomic
def pulse_submit(*, member: Member, answers: list, week: dt.date | None = None) -> PulseResponse:
    """Answer (or re-answer: it replaces) the pulse for one of the last eight weeks."""
    weeks = open_weeks(member)
    week = week or weeks[0]
    errors: dict[str, str] = {}
    if week.weekday() != 0:
        errors["week"] = _("Give the Monday of the week the answers describe.")
    elif week not in weeks:
        errors["week"] = _(
            "Answer for this week or one of the %(count)s before it (%(first)s to %(last)s)."
        ) % {
            "count": WEEKS_OPEN - 1,
            "first": f"{weeks[-1]:%Y-%m-%d}",
            "last": f"{weeks[0]:%Y-%m-%d}",
        }
    if not isinstance(answers, list | tuple) or len(answers) != len(QUESTIONS):
        errors["answers"] = _("Give %(count)s answers (null to skip an item).") % {
            "count": len(QUESTIONS)
        }
    elif any(
        a is not None and (isinstance(a, bool) or not isinstance(a, int) or a not in PULSE_VALUES)
        for a in answers
    ):
        errors["answers"] = _("Each answer is 0, 25, 50, 75, 100 or null.")
    if errors:
        raise DomainError(errors)
    values = dict(zip(PulseResponse.ANSWER_FIELDS, answers, strict=True))
    pulse, _created = PulseResponse.objects.update_or_create(
        member=member, week=week, defaults=values
    )
    return pulse
