"""The service hooks of the shared view-set mixins and ServiceAdmin raise NotImplementedError
only as a contract: every registered view set and admin defines the hooks it uses, so no
request can reach them (docs/architecture.md, "Rules the code keeps")."""

from django.contrib import admin

from socialops.api import router
from socialops.common.admin import ServiceAdmin
from teams.viewsets import ServiceCreateMixin, ServiceDestroyMixin, ServiceUpdateMixin

HOOKS = {
    ServiceCreateMixin: "service_create",
    ServiceUpdateMixin: "service_update",
    ServiceDestroyMixin: "service_delete",
}


def test_every_registered_view_set_defines_the_hooks_of_its_mixins():
    checked = 0
    for _prefix, viewset, _basename in router.registry:
        for mixin, hook in HOOKS.items():
            if issubclass(viewset, mixin):
                assert getattr(viewset, hook) is not getattr(mixin, hook), (viewset, hook)
                checked += 1
    assert checked >= 8  # teams, members, channels, task logs, leave, on-call, grants, pulse


def test_every_service_admin_saves_through_its_service():
    admins = [a for a in admin.site._registry.values() if isinstance(a, ServiceAdmin)]
    assert len(admins) >= 6
    for model_admin in admins:
        assert type(model_admin).service_save is not ServiceAdmin.service_save, model_admin
        # Deletion is offered only where the admin deletes through a service.
        offers = type(model_admin).service_delete is not ServiceAdmin.service_delete
        assert offers or not model_admin.has_delete_permission(_request_as_superuser()), model_admin


def _request_as_superuser():
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = type("Operator", (AnonymousUser,), {
        "is_active": True, "is_staff": True, "is_superuser": True,
        "has_perm": lambda self, perm, obj=None: True,
    })()  # fmt: skip
    return request
