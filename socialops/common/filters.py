"""Query filters that do not reveal which ids exist (docs/security.md "Filters").

django-filter's default filter for a foreign key is a ModelChoiceFilter: it validates the id
against the whole table, so `?member=<someone else's id>` answered 200 (empty, the list is
scoped) while `?member=99999` answered 400 "Select a valid choice" — a probe for which ids
exist. Here every id filter accepts any whole number in the id range and only filters the
caller's scoped queryset, so a foreign id and a non-existent id both answer 200 with an empty
list. A value that is not a whole number (or is out of the bigint range) is a 400 either way.

`IdFilterSet` is the base of every FilterSet of the API, and `ScopedFilterBackend` (the
default filter backend in settings) builds the `filterset_fields` ones on it and refuses an
explicit `filterset_class` that is not one (tests/test_filters_scope.py).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django_filters.rest_framework import DjangoFilterBackend

BIGINT_MAX = 2**63 - 1


class IdField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(**kwargs)


class IdFilter(django_filters.NumberFilter):
    """Any id: filters the scoped queryset, never looks the id up in the table."""

    field_class = IdField


class IdFilterSet(django_filters.FilterSet):
    @classmethod
    def filter_for_field(
        cls, field: models.Field, field_name: str, lookup_expr: str | None = None
    ) -> django_filters.Filter:
        if field.is_relation and (field.many_to_one or field.one_to_one):
            return IdFilter(
                field_name=field_name,
                lookup_expr=lookup_expr or "exact",
                label=getattr(field, "verbose_name", None),
            )
        return super().filter_for_field(field, field_name, lookup_expr or "exact")


class ScopedFilterBackend(DjangoFilterBackend):
    filterset_base = IdFilterSet

    def get_filterset_class(self, view: Any, queryset: Any = None) -> Any:
        filterset_class = getattr(view, "filterset_class", None)
        if filterset_class is not None and not issubclass(filterset_class, IdFilterSet):
            raise ImproperlyConfigured(
                f"{type(view).__name__}.filterset_class must derive from "
                "socialops.common.filters.IdFilterSet (ids must not reveal what exists)."
            )
        return super().get_filterset_class(view, queryset)
