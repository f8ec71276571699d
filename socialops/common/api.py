"""Shared pieces of the DRF layer: scoped related fields and the for_user() viewset door."""

from __future__ import annotations

from django.http import Http404
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied

from teams.selectors import Roles, roles_for


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

    model = None

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
            raise PermissionDenied("Your role may not create this.")

    def get_object(self):
        try:
            obj = super().get_object()
        except (ValueError, TypeError) as exc:  # a malformed id is simply not found
            raise Http404 from exc
        if self.action not in ("retrieve",) and not self.can_change(self.roles, obj):
            raise PermissionDenied("Your role may not change this.")
        return obj


class ListRetrieveViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    pass
