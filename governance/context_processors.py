"""Template context the governance app adds to every page."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from governance.reviews import review_queue_exists
from teams.models import roles_for


def review_nav(request) -> dict:
    """`review_queue_open`: whether the main navigation shows "Reviews" (admins, and anyone
    with an undecided item to review). Lazy: the one query runs only for signed-in people
    whose page renders the navigation, and none at all for admins."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "review_queue_open": SimpleLazyObject(
            lambda: review_queue_exists(member=roles_for(user).member)
        )
    }
