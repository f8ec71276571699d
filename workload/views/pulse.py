"""The weekly pulse page: seven CBI questions, every item optional, answers seen by you alone."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from socialops.common.exceptions import DomainError
from teams import services as team_services
from teams.models import roles_for
from workload import burnout
from workload.dates import day_label
from workload.models import PULSE_VALUES, PulseResponse
from workload.services.pulse import LABELS, QUESTIONS, open_weeks, pulse_submit
from workload.views.tables import whole


@login_required
def pulse(request):
    """The weekly pulse: seven CBI questions, every item optional, answers seen by you alone."""
    member = roles_for(request.user).member
    if member is None:
        raise PermissionDenied(_("The pulse is for members."))
    weeks = open_weeks(member)
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and "share" in request.POST:
        share = request.POST.get("share") == "on"
        team_services.member_set_share_pulse(member=member, share=share)
        messages.success(
            request,
            _("Your leader now sees your pulse-based score.")
            if share
            else _("Your pulse-based score is private again."),
        )
        return redirect("pulse")
    if request.method == "POST":
        try:
            week = dt.date.fromisoformat(request.POST.get("week", ""))
        except ValueError:
            week = None
            errors["week"] = [_("Choose a week.")]
        answers: list = []
        allowed = {str(value): value for value in PULSE_VALUES}
        for i in range(len(QUESTIONS)):
            raw = request.POST.get(f"q{i + 1}", "")
            if raw and raw not in allowed:
                errors["answers"] = [_("Each answer is 0, 25, 50, 75, 100 or null.")]
            answers.append(allowed.get(raw))
        if not errors:
            try:
                response = pulse_submit(member=member, answers=answers, week=week)
            except DomainError as exc:
                errors = exc.errors
            else:
                score = burnout.cbi_score(response.answers)
                messages.success(
                    request,
                    _("Pulse saved for the week of %(week)s. Your score: %(score)s.") % {
                        "week": day_label(response.week, timezone.localdate()),
                        "score": whole(score),
                    }
                    if score is not None
                    else _("Pulse saved for the week of %(week)s. Answer at least 4 items for a "
                           "score.") % {"week": day_label(response.week, timezone.localdate())},
                )  # fmt: skip
                return redirect(f"{reverse('pulse')}?week={response.week:%Y-%m-%d}")
    try:
        selected = dt.date.fromisoformat(request.GET.get("week", "") or request.POST.get("week"))
    except (TypeError, ValueError):
        selected = weeks[0]
    if selected not in weeks:
        selected = weeks[0]
    history = list(PulseResponse.objects.for_user(request.user).filter(week__in=weeks))
    current = next((p for p in history if p.week == selected), None)
    chosen = (
        [request.POST.get(f"q{i + 1}", "") for i in range(len(QUESTIONS))]
        if request.method == "POST"
        else [("" if a is None else str(a)) for a in (current.answers if current else [None] * 7)]
    )
    items = [
        {"number": i + 1, "text": text, "labels": LABELS[i], "chosen": chosen[i]}
        for i, text in enumerate(QUESTIONS)
    ]
    return render(
        request,
        "workload/pulse.html",
        {
            "member": member,
            "weeks": weeks,
            "selected": selected,
            "items": items,
            "errors": errors,
            "history": [
                {
                    "week": p.week,
                    "score": burnout.round_half_up(burnout.cbi_score(p.answers)),
                    "answered": sum(a is not None for a in p.answers),
                }
                for p in history
            ],  # fmt: skip
            "editing": current is not None,
        },
    )
