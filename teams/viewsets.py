"""The bases every app's API builds on: the for_user() door, the role checks, and the one
shape of a write (validate, call the service, answer with the record)."""

from __future__ import annotations

from django.db.models import Model
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from teams.models import Member, Roles, roles_for


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id resolved through the model's for_user() door: an object outside the
    caller's scope reads exactly like one that does not exist."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.model.objects.for_user(request.user if request else None)


class ScopedViewSet(viewsets.GenericViewSet):
    """Every object comes through `model.objects.for_user(user)`; out of scope is 404.

    Subclasses say who may write with `can_create(roles)` and `can_change(roles, obj)`;
    refusing on an object the caller can see is 403.
    """

    model: type[Model] | None = None

    @property
    def roles(self) -> Roles:
        return roles_for(self.request.user)

    def get_queryset(self):
        return self.model.objects.for_user(self.request.user)

    def can_create(self, roles: Roles) -> bool:
        return False

    def can_change(self, roles: Roles, obj) -> bool:
        return False

    def check_create(self) -> None:
        if not self.can_create(self.roles):
            raise PermissionDenied(_("Your role may not create this."))

    def get_object(self):
        try:
            obj = super().get_object()
        except (ValueError, TypeError) as exc:  # a malformed id is simply not found
            raise Http404 from exc
        if self.action not in ("retrieve",) and not self.can_change(self.roles, obj):
            raise PermissionDenied(_("Your role may not change this."))
        return obj


class ListRetrieveViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    pass


class AdminOnlyViewSet(ScopedViewSet):
    """Records only admins handle (governance follow-up, the audit log): anyone else finds
    nothing here (404)."""

    def get_queryset(self):
        if not self.roles.is_admin:
            return self.model.objects.none()
        return self.model.objects.all()

    def can_change(self, roles, obj):
        return roles.is_admin


class ServiceCreateMixin:
    """POST: the role may create, the body validates, the service writes, 201 with the record.
    Subclasses give the service call in `service_create(values)`."""

    def service_create(self, values: dict):
        # A hook, not a stub: every registered view set using the mixin defines it
        # (tests/test_hooks.py).
        raise NotImplementedError(f"{type(self).__name__} must define service_create")

    def create(self, request, *args, **kwargs):
        self.check_create()
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        record = self.service_create(dict(ser.validated_data))
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)


class ServiceUpdateMixin:
    """PATCH: the object through the door and the role check, the body validates, the service
    writes, 200 with the record. Subclasses give `service_update(record, values)`."""

    def service_update(self, record, values: dict):
        # A hook, not a stub: every registered view set using the mixin defines it
        # (tests/test_hooks.py).
        raise NotImplementedError(f"{type(self).__name__} must define service_update")

    def partial_update(self, request, *args, **kwargs):
        record = self.get_object()
        ser = self.get_serializer(record, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        record = self.service_update(record, dict(ser.validated_data))
        return Response(self.get_serializer(record).data)


class ServiceDestroyMixin:
    """DELETE: the object through the door and the role check, the service deletes, 204."""

    def service_delete(self, record) -> None:
        # A hook, not a stub: every registered view set using the mixin defines it
        # (tests/test_hooks.py).
        raise NotImplementedError(f"{type(self).__name__} must define service_delete")

    def destroy(self, request, *args, **kwargs):
        self.service_delete(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class OwnMemberField(serializers.IntegerField):
    """The `member` of a personal record: shown on read; on write it may only name yourself."""

    def get_attribute(self, instance):
        return instance.member_id  # the id is on the row: no query per record

    def to_representation(self, value):
        return value


class PersonalRecordViewSet(ServiceCreateMixin, ServiceDestroyMixin, ListRetrieveViewSet):
    """Records a member keeps about themselves (task logs, leave, on-call): they write their
    own, leaders read their teams'."""

    def can_create(self, roles):
        return roles.is_member and roles.member.team_id is not None

    def can_change(self, roles, obj):
        return roles.member is not None and obj.member_id == roles.member.pk

    def own_member(self, validated: dict) -> Member:
        member = self.roles.member
        if member is None:  # check_create() has already refused anyone without a member record
            raise PermissionDenied(_("Your role may not create this."))
        claimed = validated.pop("member", None)
        if claimed is not None and claimed != member.pk:
            raise ValidationError({"member": [_("You can only record your own work and time.")]})
        return member
