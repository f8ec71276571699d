"""The two shapes of a page action, shared by every app's pages.

A button (revoke, confirm, delete): run the service; a refusal becomes an error message, the
result a success message; the caller redirects either way. A form (log work, grant, offboard):
validate, run the service; a refusal goes onto the form's fields so the page can show the
form again, success flashes a message and the caller redirects. Services decide; these only
translate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from socialops.common.exceptions import DomainError

T = TypeVar("T")


def form_errors(
    form: forms.BaseForm, exc: DomainError, aliases: Mapping[str, str] | None = None
) -> None:
    """Put a service's refusal on the form: each message on its field (renamed through
    `aliases` where the form calls it otherwise), or on the form as a whole."""
    for name, msgs in exc.errors.items():
        name = (aliases or {}).get(name, name)
        for msg in msgs:
            form.add_error(name if name in form.fields else None, str(msg))


def button_action(
    request: HttpRequest, action: Callable[[], T], *, done: Callable[[T], str], refused: str
) -> T | None:
    """Run `action`; flash `done(result)`, or "<refused>: <reason>" when a rule refuses it
    (None is returned then)."""
    try:
        result = action()
    except DomainError as exc:
        messages.error(request, _("%(refused)s: %(reason)s") % {"refused": refused, "reason": exc})
        return None
    messages.success(request, done(result))
    return result


def form_action(
    request: HttpRequest,
    form: forms.BaseForm,
    action: Callable[[dict[str, Any]], T],
    *,
    done: Callable[[T], str],
    aliases: Mapping[str, str] | None = None,
) -> T | None:
    """Validate `form` and run `action(cleaned_data)`; flash `done(result)` and return the
    result, or return None with the errors on the form (the caller shows it again)."""
    if not form.is_valid():
        return None
    try:
        result = action(form.cleaned_data)
    except DomainError as exc:
        form_errors(form, exc, aliases)
        return None
    messages.success(request, done(result))
    return result
