"""Dates and instants a client may send: 1970-01-01 to 2100-12-31, and a clear 400 outside.

Every date or datetime that comes in — an API body (DRF fields), a query parameter
(django-filter filters, `parse_query_date`), a page form (Django form fields) — goes through
one of these, so no year 1 or 9999 ever reaches a time-zone conversion, a `timedelta` or the
database (docs/security.md "Dates and ranges"). tests/test_bounds.py walks every serializer,
filter set and form and fails on a date field that is not bounded.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

DATE_MIN = dt.date(1970, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)
INSTANT_MIN = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
INSTANT_MAX = dt.datetime(2100, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)

DATE_RANGE_MESSAGE = _("Give a date between 1970-01-01 and 2100-12-31.")
INSTANT_RANGE_MESSAGE = _("Give a date and time between 1970-01-01 and 2100-12-31 (UTC).")
DATE_FORMAT_MESSAGE = _("Give a date as YYYY-MM-DD.")


def date_in_range(value: dt.date) -> bool:
    return DATE_MIN <= value <= DATE_MAX


def instant_in_range(value: dt.datetime) -> bool:
    if value.tzinfo is None or value.utcoffset() is None:  # wall-clock time: its own date
        return date_in_range(value.date())
    try:
        return INSTANT_MIN <= value <= INSTANT_MAX
    except OverflowError:  # comparing needs UTC: year 1 or 9999 with an offset
        return False


def validate_date_range(value: Any) -> None:
    """A Django validator (forms, filters): a date or datetime inside the range."""
    if value is None:
        return
    if isinstance(value, dt.datetime):
        if not instant_in_range(value):
            raise DjangoValidationError(INSTANT_RANGE_MESSAGE, code="date_range")
    elif isinstance(value, dt.date) and not date_in_range(value):
        raise DjangoValidationError(DATE_RANGE_MESSAGE, code="date_range")


def parse_query_date(value: str | None, field: str) -> dt.date | None:
    """A `?field=YYYY-MM-DD` query parameter: None when absent, a 400 naming the field when
    malformed or out of range."""
    if value in (None, ""):
        return None
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationError({field: [DATE_FORMAT_MESSAGE]}) from exc
    if not date_in_range(day):
        raise ValidationError({field: [DATE_RANGE_MESSAGE]})
    return day


# ---- DRF serializer fields ----


class BoundedDateField(serializers.DateField):
    """serializers.DateField limited to 1970-01-01..2100-12-31."""

    default_error_messages = {"date_range": DATE_RANGE_MESSAGE}

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not date_in_range(day):
            self.fail("date_range")
        return day


class BoundedDateTimeField(serializers.DateTimeField):
    """serializers.DateTimeField limited to instants in 1970-01-01..2100-12-31 (UTC): a year 1
    or 9999 never reaches a member's time zone."""

    default_error_messages = {"date_range": INSTANT_RANGE_MESSAGE}

    def to_internal_value(self, value):
        if isinstance(value, str):  # the range first: converting year 1 or 9999 may overflow
            parsed = _parse_iso_instant(value)
            if parsed is not None and not instant_in_range(parsed):
                self.fail("date_range")
        instant = super().to_internal_value(value)
        if not instant_in_range(instant):
            self.fail("date_range")
        return instant


def _parse_iso_instant(value: str) -> dt.datetime | None:
    from django.utils.dateparse import parse_datetime

    try:
        return parse_datetime(value.strip())
    except (ValueError, OverflowError):
        return None


class BoundedModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose generated date and datetime fields are the bounded ones."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateField: BoundedDateField,
        models.DateTimeField: BoundedDateTimeField,
    }


# ---- Django form fields (pages) ----


class BoundedFormDateField(forms.DateField):
    default_validators = [validate_date_range]


class BoundedFormDateTimeField(forms.DateTimeField):
    default_validators = [validate_date_range]

    def to_python(self, value):
        try:
            return super().to_python(value)
        except OverflowError as exc:  # year 1 or 9999 in the current time zone
            raise forms.ValidationError(INSTANT_RANGE_MESSAGE, code="date_range") from exc


class BoundedIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    default_validators = [validate_date_range]


# ---- django-filter filters (query parameters) ----


class BoundedDateFilter(django_filters.DateFilter):
    field_class = BoundedFormDateField


class BoundedDateTimeFilter(django_filters.DateTimeFilter):
    field_class = BoundedFormDateTimeField


class BoundedDateRangeField(django_filters.fields.DateRangeField):
    def __init__(self, *args, **kwargs):
        fields = (BoundedFormDateField(), BoundedFormDateField())
        django_filters.fields.RangeField.__init__(self, fields, *args, **kwargs)


class BoundedDateFromToRangeFilter(django_filters.DateFromToRangeFilter):
    field_class = BoundedDateRangeField
