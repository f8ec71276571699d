"""The Django admin as one more caller of the services (docs/architecture.md).

`ServiceAdmin` never saves a model itself: an add or a change is the app's service, called
with what the form cleaned, so the admin gets the same validation and the same audit events
as the API and the pages. The service decides twice: once after the form's own checks
(`full_clean`), in a transaction rolled back at once (so a refusal shows on the form's
fields, not as an error page), then for real when the admin saves.

`ReadOnlyAdmin` is for records only services write (scores, the audit log, governance
follow-up): visible to operators, never edited by hand.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from socialops.common.exceptions import DomainError
from socialops.common.pages import form_errors


class _DryRun(Exception):
    """Raised to roll back the check run of a service."""


class ServiceAdmin(admin.ModelAdmin):
    # Subclasses: `service_save` writes (returns the saved object); `service_delete` deletes,
    # or deletion is not offered.

    # Hooks, not stubs: every registered ServiceAdmin defines service_save, and deletion is
    # offered only where service_delete is overridden (tests/test_hooks.py).
    def service_save(self, request: HttpRequest, form: forms.ModelForm, change: bool) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define service_save")

    def service_delete(self, request: HttpRequest, obj: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} offers no deletion")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        def full_clean(form: forms.ModelForm) -> None:
            form_class.full_clean(form)
            if form.errors:
                return
            try:
                with transaction.atomic():
                    model_admin.service_save(request, form, change)
                    raise _DryRun
            except _DryRun:
                pass
            except DomainError as exc:
                form_errors(form, exc)

        return type("ServiceForm", (form_class,), {"full_clean": full_clean})

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = self.service_save(request, form, change)
        obj.pk = saved.pk  # the admin's messages and redirects name the saved record

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Relations (a team's leaders) are the service's to write, not form.save_m2m().
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        overridden = type(self).service_delete is not ServiceAdmin.service_delete
        return overridden and super().has_delete_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.service_delete(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        for obj in queryset:
            self.service_delete(request, obj)


def changed_values(form: forms.ModelForm, fields: set[str] | None = None) -> dict[str, Any]:
    """What the person changed on the form, as service keyword arguments."""
    names = form.changed_data if form.instance.pk else list(form.cleaned_data)
    return {n: form.cleaned_data[n] for n in names if fields is None or n in fields}


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that only services write: visible to operators, never edited by hand."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
