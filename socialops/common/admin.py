"""The Django admin as one more caller of the services (docs/architecture.md).

`ServiceAdmin` never saves a model itself: an add or a change is the app's service, called
with what the form cleaned, so the admin gets the same validation and the same audit events
as the API and the pages. The service decides twice: once after the form's own checks
(`full_clean`), in a transaction rolled back at once (so a refusal shows on the form's
fields, not as an error page), then for real when the admin saves.

`ReadOnlyAdmin` is for records only services write (scores, the audit log, governance
follow-up): visible to operators, never edited by hand.

`PrivateFieldsAdmin` (the base of both, and of every ModelAdmin in the project, asserted by
tests/test_admin_privacy.py) keeps the pulse-derived fields (`PRIVATE_FIELDS`,
`PRIVATE_MODELS`: docs/privacy.md) out of the admin for everyone: never shown, searched or
ordered on, and a changelist accepts only the lookups its own `list_filter` and
`date_hierarchy` produce. Any other URL lookup (`?wrb__gte=78.57`, `?member__exact=4`)
answers 400, so hidden values cannot be recovered by binary search with URL filters.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import widgets
from django.contrib.admin.filters import SimpleListFilter
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest

from socialops.common.exceptions import DomainError
from socialops.common.pages import form_errors

# The member's own pulse-derived data (docs/privacy.md), by model label: never in the admin.
# Labels, not imports, so this module stays below every app (pyproject's import contract).
PRIVATE_FIELDS: dict[str, frozenset[str]] = {
    # WRB (the pulse's work-related burnout), the blended risk and its band, whether the pulse
    # was blended in (mode), and the pulse's band overrides. WSI and its band are objective.
    "workload.burnoutscore": frozenset({"wrb", "risk", "band", "mode", "band_overrides"}),
}
# Models whose every field is private: the raw pulse answers (not registered, and not
# reachable through a relation from a registered model either).
PRIVATE_MODELS: frozenset[str] = frozenset({"workload.pulseresponse"})

# What the admin's own list filters put in the URL after a filter's field path
# (django.contrib.admin.filters: exact/isnull for choices and booleans, gte/lt for dates,
# <target>__exact for relations, isempty for EmptyFieldListFilter, in for multiple values).
_FILTER_SUFFIXES = frozenset({"exact", "isnull", "isempty", "in", "gte", "lt", "id__exact",
                              "pk__exact", "id__in"})  # fmt: skip
_HIERARCHY_SUFFIXES = ("year", "month", "day")


def path_is_private(model: type[models.Model], path: str) -> bool:
    """Whether a lookup, search or ordering path ("member__burnout_scores__wrb__gte",
    "^full_name", "-risk") reaches a private field or a private model."""
    path = path.lstrip("^=@-")
    for part in path.split(LOOKUP_SEP):
        label = model._meta.label_lower
        if label in PRIVATE_MODELS or part in PRIVATE_FIELDS.get(label, ()):
            return True
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False  # a transform or lookup ("gte", "year"): the path ends here
        path_infos = getattr(field, "path_infos", None)
        if not path_infos:
            return False
        model = path_infos[-1].to_opts.model
    return model._meta.label_lower in PRIVATE_MODELS


def _field_name(item: Any) -> str | None:
    if isinstance(item, str):
        return item
    if isinstance(item, (list, tuple)) and item and isinstance(item[0], str):
        return item[0]  # ("field", SomeFieldListFilter)
    return None


class _PrivateChangeList(ChangeList):
    """`?o=` orders only by the sortable columns (Django orders by any list_display index)."""

    def get_ordering_field(self, field_name: Any) -> Any:
        if field_name not in (self.sortable_by or ()):
            return None
        return super().get_ordering_field(field_name)


class PrivateFieldsAdmin(admin.ModelAdmin):
    """Private fields neither shown nor filterable, searchable or orderable; URL lookups only
    those the declared list filters and date hierarchy produce."""

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        if path_is_private(self.model, lookup):
            return False
        # The raw-id popup's limit_choices_to lookups, as Django allows them.
        for fk_lookup in self.model._meta.related_fkey_lookups:
            if callable(fk_lookup):
                fk_lookup = fk_lookup()
            if (lookup, value) in widgets.url_params_from_lookup_dict(fk_lookup).items():
                return True
        return lookup in self.allowed_lookups(request)

    def allowed_lookups(self, request: HttpRequest | None) -> set[str]:
        """Every URL parameter the declared list filters and date hierarchy may send."""
        allowed: set[str] = set()
        filters = self.get_list_filter(request) if request is not None else self.list_filter
        for item in filters:
            if isinstance(item, type) and issubclass(item, SimpleListFilter):
                allowed.add(str(item.parameter_name))
                continue
            path = _field_name(item)
            if path is None:
                continue
            allowed.add(path)
            allowed.update(f"{path}{LOOKUP_SEP}{suffix}" for suffix in _FILTER_SUFFIXES)
            target = self._target_field_name(path)
            if target:
                allowed.add(f"{path}{LOOKUP_SEP}{target}{LOOKUP_SEP}exact")
        if self.date_hierarchy:
            allowed.update(f"{self.date_hierarchy}{LOOKUP_SEP}{s}" for s in _HIERARCHY_SUFFIXES)
        return allowed

    def _target_field_name(self, path: str) -> str | None:
        model: type[models.Model] = self.model
        field: Any = None
        for part in path.split(LOOKUP_SEP):
            try:
                field = model._meta.get_field(part)
            except FieldDoesNotExist:
                return None
            if not getattr(field, "path_infos", None):
                return None
            model = field.path_infos[-1].to_opts.model
        target = getattr(field, "target_field", None)
        return getattr(target, "name", None)

    def get_list_display(self, request: HttpRequest) -> Any:
        return [f for f in super().get_list_display(request) if not self._private(f)]

    def get_list_filter(self, request: HttpRequest) -> Any:
        return [f for f in super().get_list_filter(request) if not self._private(_field_name(f))]

    def get_search_fields(self, request: HttpRequest) -> Any:
        return [f for f in super().get_search_fields(request) if not self._private(f)]

    def get_sortable_by(self, request: HttpRequest) -> Any:
        return [f for f in super().get_sortable_by(request) if not self._private(f)]

    def get_ordering(self, request: HttpRequest) -> Any:
        return [f for f in super().get_ordering(request) if not self._private(f)]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f for f in super().get_fields(request, obj) if not self._private(f)]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f for f in super().get_readonly_fields(request, obj) if not self._private(f)]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        private = sorted(PRIVATE_FIELDS.get(self.model._meta.label_lower, ()))
        return [*(super().get_exclude(request, obj) or ()), *private] or None

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return _PrivateChangeList

    def _private(self, name: Any) -> bool:
        return isinstance(name, str) and path_is_private(self.model, name)


class _DryRun(Exception):
    """Raised to roll back the check run of a service."""


class ServiceAdmin(PrivateFieldsAdmin):
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


class ReadOnlyAdmin(PrivateFieldsAdmin):
    """Records that only services write: visible to operators, never edited by hand."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
