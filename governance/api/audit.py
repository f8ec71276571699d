"""The audit log over the JSON API, read-only, for admins (docs/api.md; docs/governance.md
"Reading the audit log")."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers

from governance.audit_labels import describe_events
from socialops.audit.models import AuditEvent
from socialops.audit.selectors import EVENT_KINDS, events_of_kind
from socialops.common.fields import BoundedModelSerializer, validate_date_range
from socialops.common.filters import IdFilterSet
from teams.viewsets import AdminOnlyViewSet

BIGINT_MAX = 2**63 - 1


class AuditEventListSerializer(serializers.ListSerializer):
    """Names the page's actors and targets in one batch (a fixed number of queries)."""

    def to_representation(self, data):
        events = list(data.all() if isinstance(data, QuerySet) else data)
        return super().to_representation(describe_events(events))


class AuditEventSerializer(BoundedModelSerializer):
    # `actor` stays the recorded username (actor_display) for existing clients.
    actor = serializers.CharField(source="actor_display", read_only=True)
    actor_id = serializers.IntegerField(read_only=True, allow_null=True)
    actor_name = serializers.CharField(read_only=True)
    target_label = serializers.CharField(read_only=True)

    class Meta:
        model = AuditEvent
        list_serializer_class = AuditEventListSerializer
        fields = ["id", "at", "actor", "actor_id", "actor_name", "action", "target_type",
                  "target_id", "target_label", "data", "hash", "prev_hash"]  # fmt: skip

    def to_representation(self, instance):
        if not hasattr(instance, "target_label"):  # one event (retrieve), not a page
            describe_events([instance])
        return super().to_representation(instance)


class UTCIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 instant, kept in UTC: offsets PostgreSQL refuses (such as +19:51) still
    filter, and instants that leave the calendar in UTC are a 400, not a database error."""

    default_validators = [validate_date_range]  # 1970-01-01..2100-12-31 (UTC)

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None or parsed.tzinfo is None:
            return parsed
        try:
            return parsed.astimezone(dt.UTC)
        except (OverflowError, ValueError) as exc:
            raise forms.ValidationError(_("Enter an instant between the years 1 and 9999 (UTC)."),
                                        code="invalid") from exc  # fmt: skip


class UTCIsoDateTimeRangeField(django_filters.fields.RangeField):
    widget = django_filters.widgets.DateRangeWidget

    def __init__(self, *args, **kwargs):
        super().__init__((UTCIsoDateTimeField(), UTCIsoDateTimeField()), *args, **kwargs)


class UTCIsoDateTimeFromToRangeFilter(django_filters.IsoDateTimeFromToRangeFilter):
    field_class = UTCIsoDateTimeRangeField


class UserIdFilter(django_filters.Filter):
    field_class = forms.IntegerField


class AuditFilter(IdFilterSet):
    actor = UserIdFilter(
        field_name="actor_id", min_value=1, max_value=BIGINT_MAX,
        help_text="The id of the user who acted, as stored in the chain.",
    )  # fmt: skip
    action = django_filters.CharFilter(max_length=64, help_text="Exact action name.")
    target_type = django_filters.CharFilter(max_length=64)
    target_id = django_filters.CharFilter(max_length=64)
    at = UTCIsoDateTimeFromToRangeFilter()  # ?at_after=&at_before=
    kind = django_filters.ChoiceFilter(
        choices=[(k, k) for k in EVENT_KINDS],
        method="filter_kind",
        help_text="change: everything but reads of others' data; read: those reads.",
        error_messages={
            "invalid_choice": _("Unknown kind %(value)s: use change or read."),
        },
    )

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "target_type", "target_id", "at", "kind"]

    def filter_kind(self, queryset, name, value):
        return events_of_kind(queryset, value)


class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AdminOnlyViewSet):
    """The audit log, read-only, for admins."""

    model = AuditEvent
    serializer_class = AuditEventSerializer
    filterset_class = AuditFilter

    def get_queryset(self):
        return super().get_queryset().order_by("-pk")
