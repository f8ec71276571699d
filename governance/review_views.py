"""The access review pages (docs/governance.md "Access reviews on pages").

- `/governance/reviews/` (admins): the campaigns with their progress, and the form that
  opens one; `/governance/reviews/<id>/` (admins): one campaign's progress per reviewer and
  per channel, its overdue items and every item.
- `/reviews/` ("My reviews", every reviewer): the undecided items the person decides,
  grouped by campaign and channel, with keep, revoke (a reason on the same row) and keep all
  on a channel. A revoke the coverage guard refuses comes back on the same row, naming the
  channels and asking for the explicit tick before it is sent again with `accept_gaps`.

Every write goes through governance.reviews; a refusal becomes a field error or a message.
Items outside what a person may see are 404, as in the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from governance import reviews
from governance.models import AccessReview, AccessReviewItem
from governance.review_forms import DecisionForm, ReviewCreateForm
from governance.views import admin_required
from socialops.common.exceptions import DomainError
from socialops.common.pages import button_action, form_action
from teams.models import Channel, Member, roles_for


def grant_words(item: AccessReviewItem) -> str:
    """The grant an item reviews, as buttons and messages name it."""
    grant = item.grant
    return _("%(member)s's %(role)s on %(channel)s") % {
        "member": grant.member.full_name,
        "role": grant.get_role_display(),
        "channel": grant.channel.label,
    }


# ---- Campaigns (admins) ----


def _opened_text(review: AccessReview) -> str:
    count = AccessReviewItem.objects.filter(review=review).count()
    return ngettext(
        "Opened the campaign %(name)s: %(n)s grant(s) to review.",
        "Opened the campaign %(name)s: %(n)s grant(s) to review.",
        count,
    ) % {"name": review.name, "n": count}


@admin_required
def review_list(request: HttpRequest, actor: Member) -> HttpResponse:
    form = ReviewCreateForm(request.POST or None, initial={"deadline": timezone.localdate()})
    if request.method == "POST":
        review = form_action(
            request, form,
            lambda _values: reviews.review_create(actor=actor, **form.service_values()),
            done=_opened_text,
            aliases=form.aliases,
        )  # fmt: skip
        if review is not None:
            return redirect("governance-review", pk=review.pk)
    campaigns = list(
        reviews.reviews_with_progress(
            AccessReview.objects.select_related("created_by").order_by("-created_at", "-pk")
        )
    )
    return render(
        request,
        "governance/reviews/list.html",
        {"actor": actor, "form": form, "campaigns": campaigns, "today": timezone.localdate()},
    )


@admin_required
def review_detail(request: HttpRequest, actor: Member, pk: int) -> HttpResponse:
    review = get_object_or_404(
        reviews.reviews_with_progress(AccessReview.objects.select_related("created_by")), pk=pk
    )
    today = timezone.localdate()
    items = list(
        review.items.select_related(
            "grant__member", "grant__channel__team", "reviewer", "decided_by"
        ).order_by("grant__channel__platform", "grant__channel__handle", "grant__channel_id",
                   "grant__member__full_name", "pk")
    )  # fmt: skip
    late = review.deadline < today
    for item in items:
        item.review = review  # the one campaign, already loaded
    return render(
        request,
        "governance/reviews/detail.html",
        {
            "actor": actor,
            "review": review,
            "late": late,
            "items": items,
            "overdue_items": [i for i in items if late and not i.decision],
            **reviews.review_progress_by(review, today=today),
        },
    )


# ---- My reviews (every reviewer) ----


@dataclass
class QueueRow:
    """One undecided item on "My reviews", with what its row shows."""

    item: AccessReviewItem
    words: str
    overdue: bool
    guarded: bool = False  # the coverage guard refused its revoke: ask for the tick
    reason_error: str = ""


def _queue_groups(member: Member | None, today) -> list[dict[str, Any]]:
    """The person's undecided items, grouped by campaign and channel (one query)."""
    items = list(reviews.review_queue_for(member=member))
    groups = []
    for _key, group in groupby(items, key=lambda i: (i.review_id, i.grant.channel_id)):
        members = list(group)
        review = members[0].review
        overdue = review.deadline < today
        groups.append(
            {
                "review": review,
                "channel": members[0].grant.channel,
                "rows": [QueueRow(i, grant_words(i), overdue) for i in members],
                "overdue": overdue,
            }
        )
    return groups


def _my_reviews_page(
    request: HttpRequest, member: Member | None, *, guard: dict | None = None,
    row_errors: dict | None = None,
) -> HttpResponse:  # fmt: skip
    today = timezone.localdate()
    groups = _queue_groups(member, today)
    guard, row_errors = guard or {}, row_errors or {}
    for group in groups:
        for row in group["rows"]:
            row.guarded = guard.get("item") == row.item.pk
            row.reason_error = row_errors.get(row.item.pk, "")
    return render(
        request,
        "governance/reviews/mine.html",
        {
            "member": member,
            "is_admin": roles_for(request.user).is_admin,
            "groups": groups,
            "total": sum(len(g["rows"]) for g in groups),
            "overdue_total": sum(len(g["rows"]) for g in groups if g["overdue"]),
            "guard": guard,
        },
    )


def _decide(request: HttpRequest, member: Member | None) -> HttpResponse:
    form = DecisionForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in form.errors.items())
        messages.error(request, _("Not decided: %(problems)s") % {"problems": problems})
        return redirect("my-reviews")
    if member is None:  # no member record: nothing to review
        raise Http404
    values = form.cleaned_data
    item = get_object_or_404(
        reviews.review_items_for(member=member).select_related(
            "review", "grant__member", "grant__channel"
        ),
        pk=values["item"],
    )
    words = grant_words(item)
    try:
        decided = reviews.review_decide(
            item=item, actor=member, decision=values["decision"], reason=values["reason"],
            accept_gaps=values["accept_gaps"],
        )  # fmt: skip
    except DomainError as exc:
        gaps: list[Any] = list(exc.errors.get("channels_without_actor", []))
        if gaps:  # the coverage guard: show the row again and ask for the tick
            guard = {
                "item": item.pk,
                "gaps": gaps,
                "labels": ", ".join(g["label"] for g in gaps),
                "reason": values["reason"],
            }
            return _my_reviews_page(request, member, guard=guard)
        if "reason" in exc.errors:
            errors = {item.pk: " ".join(str(m) for m in exc.errors["reason"])}
            return _my_reviews_page(request, member, row_errors=errors)
        messages.error(
            request, _("Not decided (%(grant)s): %(problem)s") % {"grant": words, "problem": exc}
        )
        return redirect("my-reviews")
    if decided.decision == AccessReviewItem.Decision.KEEP:
        messages.success(request, _("Kept %(grant)s.") % {"grant": words})
    else:
        messages.success(request, _("Revoked %(grant)s.") % {"grant": words})
    return redirect("my-reviews")


@login_required
def my_reviews(request: HttpRequest) -> HttpResponse:
    member = roles_for(request.user).member
    with timezone.override(member.tz if member is not None else None):
        if request.method == "POST":
            return _decide(request, member)
        return _my_reviews_page(request, member)


@login_required
@require_POST
def keep_channel(request: HttpRequest, pk: int, channel_pk: int) -> HttpResponse:
    member = roles_for(request.user).member
    if member is None:  # no member record: nothing to review
        raise Http404
    review = get_object_or_404(reviews.reviews_for(member=member), pk=pk)
    channel = get_object_or_404(
        Channel.objects.filter(
            pk=channel_pk,
            pk__in=reviews.review_items_for(member=member)
            .filter(review=review)
            .values("grant__channel_id"),
        )
    )
    with timezone.override(member.tz):
        button_action(
            request,
            lambda: reviews.review_keep_channel(
                review=review, channel=channel, actor=member, queue_only=True
            ),
            done=lambda n: (
                ngettext(
                    "Kept %(n)s grant(s) on %(channel)s in %(review)s.",
                    "Kept %(n)s grant(s) on %(channel)s in %(review)s.",
                    n,
                )
                % {"n": n, "channel": channel.label, "review": review.name}
            ),
            refused=_("Nothing kept on %(channel)s") % {"channel": channel.label},
        )
    return redirect("my-reviews")
