"""Writes of sign-in accounts (Django's users and groups): the Django admin's user and group
pages call these (teams/admin.py), so that every change to who may sign in, who is staff or
superuser, a password, or what a group may do is checked and audited in the same
transaction (docs/security.md "Admin writes").

What the audit records: the access flags before and after, the groups and permissions added
and removed (by name), that a password was set or disabled (never the password or its hash),
and which profile fields changed (their names, not the new values: names and e-mail
addresses are personal data, erased with the person).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext as _

from socialops.audit.services import Entry, audit_append_many
from socialops.common.exceptions import Conflict, DomainError
from teams.models import Member
from teams.tokens import revoke_all_tokens

ACCESS_FIELDS = ("is_active", "is_staff", "is_superuser")
PROFILE_FIELDS = ("username", "first_name", "last_name", "email")
ACCOUNT_FIELDS = {*ACCESS_FIELDS, *PROFILE_FIELDS}


def _departed(user: Any) -> bool:
    return Member.objects.filter(user=user, status=Member.Status.DEPARTED).exists()


def _refuse_reactivating_a_leaver(user: Any, fields: dict[str, Any]) -> None:
    """A departed member's sign-in stays off: offboarding closed it with their grants and
    tokens, and turning it back on here would bypass that (re-hire: a new member record)."""
    if fields.get("is_active") and not user.is_active and _departed(user):
        raise DomainError(
            {
                "is_active": _(
                    "This person has departed: their sign-in stays off. Someone who comes "
                    "back gets a new member record."
                )
            }
        )


def _perm_codes(perms: Any) -> set[str]:
    """`app_label.codename` of the given permissions, in one query."""
    rows = Permission.objects.filter(pk__in=[p.pk for p in perms]).values_list(
        "content_type__app_label", "codename"
    )
    return {f"{app}.{code}" for app, code in rows}


def _set_diff(before: set[str], after: set[str]) -> dict[str, list[str]]:
    return {"added": sorted(after - before), "removed": sorted(before - after)}


@transaction.atomic
def account_create(
    *, username: str, password: str | None, actor: Any, groups: Any = None,
    user_permissions: Any = None, **fields: Any,
) -> Any:  # fmt: skip
    """A sign-in without a member record (an operator, or someone a member record is then
    made for). `password` None makes it unusable (single sign-on only)."""
    User = get_user_model()
    unknown = set(fields) - ACCOUNT_FIELDS
    if unknown:
        raise DomainError(dict.fromkeys(sorted(unknown), _("This field cannot be set here.")))
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict({"username": _("A person with this username already exists.")})
    user = User(username=username, **fields)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    data: dict[str, Any] = {
        "access": {name: getattr(user, name) for name in ACCESS_FIELDS},
        "usable_password": bool(password),
    }
    if groups:
        user.groups.set(groups)
        data["groups"] = sorted(g.name for g in groups)
    if user_permissions:
        user.user_permissions.set(user_permissions)
        data["permissions"] = sorted(_perm_codes(user_permissions))
    audit_append_many(actor=actor, entries=[Entry.about("user.created", user, data)])
    return user


@transaction.atomic
def account_update(
    *, user: Any, actor: Any, groups: Any = None, user_permissions: Any = None, **fields: Any
) -> Any:
    """Change a sign-in's flags, groups, permissions or profile; audited as `user.updated`
    when anything changed. Turning a sign-in off also revokes its API tokens."""
    unknown = set(fields) - ACCOUNT_FIELDS
    if unknown:
        raise DomainError(dict.fromkeys(sorted(unknown), _("This field cannot be set here.")))
    User = get_user_model()
    user = User.objects.select_for_update().get(pk=user.pk)
    _refuse_reactivating_a_leaver(user, fields)
    if "username" in fields and (
        User.objects.filter(username__iexact=fields["username"]).exclude(pk=user.pk).exists()
    ):
        raise Conflict({"username": _("A person with this username already exists.")})
    data: dict[str, Any] = {}
    access = {
        name: [getattr(user, name), fields[name]]
        for name in ACCESS_FIELDS
        if name in fields and fields[name] != getattr(user, name)
    }
    profile = sorted(n for n in PROFILE_FIELDS if n in fields and fields[n] != getattr(user, n))
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    if fields:
        user.save(update_fields=list(fields))
    if access:
        data["access"] = access
    if profile:
        data["profile"] = profile
    if groups is not None:
        before = set(user.groups.values_list("name", flat=True))
        user.groups.set(groups)
        if before != {g.name for g in groups}:
            data["groups"] = _set_diff(before, {g.name for g in groups})
    if user_permissions is not None:
        before = _perm_codes(user.user_permissions.all())
        user.user_permissions.set(user_permissions)
        after = _perm_codes(user_permissions)
        if before != after:
            data["permissions"] = _set_diff(before, after)
    if access.get("is_active") == [True, False]:
        data["tokens_revoked"] = revoke_all_tokens(user)
    if data:
        audit_append_many(actor=actor, entries=[Entry.about("user.updated", user, data)])
    return user


@transaction.atomic
def account_set_password(*, user: Any, password: str | None, actor: Any) -> Any:
    """Set a sign-in's password, or disable password sign-in (`password` None). The person's
    API tokens are revoked (their sessions end by themselves: Django checks the password's
    hash on every request); audited as `user.password_set`, never with the password."""
    User = get_user_model()
    user = User.objects.select_for_update().get(pk=user.pk)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save(update_fields=["password"])
    revoked = revoke_all_tokens(user)
    audit_append_many(actor=actor, entries=[Entry.about("user.password_set", user, {
        "usable_password": bool(password), "tokens_revoked": revoked,
    })])  # fmt: skip
    return user


@transaction.atomic
def group_save(
    *, group: Group | None, actor: Any, name: str | None = None, permissions: Any = None
) -> Group:
    """Create or change a group of admin permissions; audited (`group.created`,
    `group.updated`) with the permissions added and removed."""
    created = group is None
    group = Group() if group is None else Group.objects.select_for_update().get(pk=group.pk)
    data: dict[str, Any] = {}
    if created or (name is not None and name != group.name):
        name = group.name if name is None else name
        if Group.objects.filter(name__iexact=name).exclude(pk=group.pk).exists():
            raise Conflict({"name": _("A group with this name already exists.")})
        data["name"] = name if created else [group.name, name]
        group.name = name
        group.full_clean()
        group.save()
    if permissions is not None:
        before = set() if created else _perm_codes(group.permissions.all())
        group.permissions.set(permissions)
        after = _perm_codes(permissions)
        if before != after:
            data["permissions"] = _set_diff(before, after)
    if data:
        action = "group.created" if created else "group.updated"
        audit_append_many(actor=actor, entries=[Entry.about(action, group, data)])
    return group


@transaction.atomic
def group_delete(*, group: Group, actor: Any) -> None:
    members = get_user_model().objects.filter(groups=group).count()
    entry = Entry.about("group.deleted", group, {"name": group.name, "users": members})
    group.delete()
    audit_append_many(actor=actor, entries=[entry])


@transaction.atomic
def lockouts_clear(*, attempts: Any, actor: Any) -> int:
    """Unlock: delete django-axes' failed-attempt rows (the admin's delete on "Access
    attempts"), audited as `auth.unlocked` per username and address. Returns how many."""
    from axes.models import AccessAttempt

    rows = list(
        AccessAttempt.objects.filter(pk__in=[a.pk for a in attempts]).values_list(
            "pk", "username", "ip_address", "failures_since_start"
        )
    )
    if not rows:
        return 0
    AccessAttempt.objects.filter(pk__in=[r[0] for r in rows]).delete()
    audit_append_many(actor=actor, entries=[
        Entry("auth.unlocked", "user", str(username or "")[:64],
              {"ip": ip, "failures": failures})
        for _pk, username, ip, failures in rows
    ])  # fmt: skip
    return len(rows)
