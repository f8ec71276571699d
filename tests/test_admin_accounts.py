"""Every write in the Django admin goes through a service and is audited (issue 12, item 4):
sign-in accounts and permission groups (teams.accounts), who leads a team, a team's settings
and a channel's owner (teams.services). Each of these changed the database with no audit
event before."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from socialops.audit.models import AuditEvent
from socialops.audit.selectors import audit_verify
from teams.models import ApiToken, Member
from teams.tokens import issue_token, open_tokens
from tests.factories import ChannelFactory, MemberFactory
from tests.test_admin import _errors, _post_data

pytestmark = pytest.mark.django_db
User = get_user_model()
NEW_PASSWORD = "a-Much-longer-passphrase-2026"


def _user_form(user, **changes):
    data = {"username": user.username, "first_name": user.first_name,
            "last_name": user.last_name, "email": user.email}  # fmt: skip
    flags = {"is_active": user.is_active, "is_staff": user.is_staff,
             "is_superuser": user.is_superuser} | changes.pop("flags", {})  # fmt: skip
    data |= {name: "on" for name, value in flags.items() if value}
    data |= changes
    return data


def _event(action):
    return AuditEvent.objects.get(action=action)


def test_making_someone_staff_and_adding_a_group_is_audited(personas, operator):
    group = Group.objects.create(name="Operators")
    user = personas.member.user
    data = _user_form(user, flags={"is_staff": True}, groups=[group.pk])
    response = operator.post(f"/admin/auth/user/{user.pk}/change/", data)
    assert response.status_code == 302, _errors(response)[:3000]
    event = _event("user.updated")
    assert event.actor_id == personas.admin.user.pk
    assert event.target_type == "user" and event.target_id == str(user.pk)
    assert event.data == {"access": {"is_staff": [False, True]},
                          "groups": {"added": ["Operators"], "removed": []}}  # fmt: skip
    user.refresh_from_db()
    assert user.is_staff and list(user.groups.all()) == [group]


def test_a_profile_change_is_audited_by_field_name_only(personas, operator):
    user = personas.member.user
    data = _user_form(user, email="maya.new@example.com")
    assert operator.post(f"/admin/auth/user/{user.pk}/change/", data).status_code == 302
    event = _event("user.updated")
    assert event.data == {"profile": ["email"]}
    assert "maya.new" not in str(event.data)


def test_turning_a_sign_in_off_revokes_its_tokens_and_is_audited(personas, operator):
    user = personas.member.user
    issue_token(user)
    data = _user_form(user, flags={"is_active": False})
    assert operator.post(f"/admin/auth/user/{user.pk}/change/", data).status_code == 302
    event = _event("user.updated")
    assert event.data == {"access": {"is_active": [True, False]}, "tokens_revoked": 1}
    assert not open_tokens(user).exists()


def test_a_departed_members_sign_in_is_not_turned_back_on(personas, operator):
    leaver = MemberFactory(team=personas.team, status=Member.Status.DEPARTED,
                           user__username="gone", user__is_active=False)  # fmt: skip
    before = AuditEvent.objects.count()
    body = _errors(operator.post(f"/admin/auth/user/{leaver.user.pk}/change/",
                                 _user_form(leaver.user, flags={"is_active": True})))  # fmt: skip
    assert "This person has departed" in body
    leaver.user.refresh_from_db()
    assert leaver.user.is_active is False
    assert AuditEvent.objects.count() == before


def test_an_unchanged_save_records_nothing(personas, operator):
    user = personas.member.user
    assert operator.post(f"/admin/auth/user/{user.pk}/change/", _user_form(user)).status_code == 302
    assert not AuditEvent.objects.filter(action="user.updated").exists()


def test_a_password_set_in_the_admin_is_audited_and_ends_the_tokens(personas, operator, client):
    user = personas.member.user
    issue_token(user)
    data = {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    response = operator.post(f"/admin/auth/user/{user.pk}/password/", data)
    assert response.status_code == 302, _errors(response)[:3000]
    event = _event("user.password_set")
    assert event.actor_id == personas.admin.user.pk
    assert event.data == {"usable_password": True, "tokens_revoked": 1}
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert NEW_PASSWORD not in str(event.data) and user.password not in str(event.data)
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()


def test_password_sign_in_disabled_in_the_admin_is_audited(personas, operator):
    user = personas.member.user
    data = {"usable_password": "false", "unset-password": "1"}
    assert operator.post(f"/admin/auth/user/{user.pk}/password/", data).status_code == 302
    assert _event("user.password_set").data == {"usable_password": False, "tokens_revoked": 0}
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_a_user_added_in_the_admin_is_audited(operator, personas):
    data = {"username": "newop", "usable_password": "true", "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD}  # fmt: skip
    response = operator.post("/admin/auth/user/add/", data)
    assert response.status_code == 302, _errors(response)[:3000]
    user = User.objects.get(username="newop")
    event = _event("user.created")
    assert event.target_id == str(user.pk)
    assert event.data == {"access": {"is_active": True, "is_staff": False, "is_superuser": False},
                          "usable_password": True}  # fmt: skip
    assert user.check_password(NEW_PASSWORD)


def test_users_are_not_deleted_in_the_admin(personas, operator):
    user = personas.member.user
    assert operator.get(f"/admin/auth/user/{user.pk}/delete/").status_code == 403
    assert operator.post(f"/admin/auth/user/{user.pk}/delete/", {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=user.pk).exists()


def test_a_groups_permissions_are_audited_when_made_changed_and_deleted(operator, personas):
    view, change = (Permission.objects.get(codename=c) for c in ("view_team", "change_team"))
    data = {"name": "Team editors", "permissions": [view.pk]}
    assert operator.post("/admin/auth/group/add/", data).status_code == 302
    group = Group.objects.get(name="Team editors")
    assert _event("group.created").data == {"name": "Team editors",
                                            "permissions": {"added": ["teams.view_team"],
                                                            "removed": []}}  # fmt: skip
    data = {"name": "Team editors", "permissions": [change.pk]}
    assert operator.post(f"/admin/auth/group/{group.pk}/change/", data).status_code == 302
    assert _event("group.updated").data == {
        "permissions": {"added": ["teams.change_team"], "removed": ["teams.view_team"]}
    }
    response = operator.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Group.objects.filter(pk=group.pk).exists()
    assert _event("group.deleted").data == {"name": "Team editors", "users": 0}
    assert next(audit_verify(), None) is None


def test_who_leads_a_team_and_its_settings_are_audited(personas, operator):
    team = personas.team
    second = MemberFactory(team=team, role_leader=True, user__username="second")
    data = _post_data(team, leaders=[personas.leader, second], pulse_min_group=7)
    response = operator.post(f"/admin/teams/team/{team.pk}/change/", data)
    assert response.status_code == 302, _errors(response)[:3000]
    leaders = _event("team.leaders_changed")
    assert leaders.actor_id == personas.admin.user.pk
    assert leaders.data == {"from": [personas.leader.pk],
                            "to": sorted([personas.leader.pk, second.pk])}  # fmt: skip
    assert _event("team.updated").data == {"changed": {"pulse_min_group": [team.pulse_min_group,
                                                                           7]}}  # fmt: skip


def test_a_channels_owner_change_is_audited(personas, operator):
    channel = ChannelFactory(team=personas.team, owner=personas.member)
    data = _post_data(channel, owner=personas.teammate)
    response = operator.post(f"/admin/teams/channel/{channel.pk}/change/", data)
    assert response.status_code == 302, _errors(response)[:3000]
    event = _event("channel.updated")
    assert event.data == {"changed": {"owner": [personas.member.pk, personas.teammate.pk]}}
    assert event.actor_id == personas.admin.user.pk


def test_the_api_audits_team_and_channel_changes_too(personas, api):
    channel = ChannelFactory(team=personas.team, min_backup=1)
    client = api(personas.admin)
    response = client.patch(f"/api/v1/channels/{channel.pk}/", {"min_backup": 2}, format="json")
    assert response.status_code == 200, response.content
    assert _event("channel.updated").data == {"changed": {"min_backup": [1, 2]}}
    response = client.patch(f"/api/v1/teams/{personas.team.pk}/", {"log_window_days": 3},
                            format="json")  # fmt: skip
    assert response.status_code == 200, response.content
    assert _event("team.updated").data == {"changed": {"log_window_days": [
        personas.team.log_window_days, 3]}}  # fmt: skip
    assert _event("team.updated").actor_id == personas.admin.user.pk


def test_an_admin_unlock_is_audited(personas, operator):
    from axes.models import AccessAttempt
    from django.utils import timezone

    attempt = AccessAttempt.objects.create(
        username="maya", ip_address="203.0.113.9", failures_since_start=10,
        attempt_time=timezone.now(), user_agent="x", get_data="", post_data="", http_accept="",
        path_info="/login/",
    )  # fmt: skip
    response = operator.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    event = _event("auth.unlocked")
    assert (event.target_type, event.target_id) == ("user", "maya")
    assert event.data == {"ip": "203.0.113.9", "failures": 10}
    assert event.actor_id == personas.admin.user.pk


def test_beat_schedules_and_drf_tokens_are_not_edited_in_the_admin(operator):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.first()
    assert task is not None  # the jobs' schedules come from migrations
    assert operator.get("/admin/django_celery_beat/periodictask/").status_code == 200
    assert operator.get("/admin/django_celery_beat/periodictask/add/").status_code == 403
    response = operator.post(f"/admin/django_celery_beat/periodictask/{task.pk}/change/",
                             {"name": task.name, "task": task.task})  # fmt: skip
    assert response.status_code == 403
    assert operator.get("/admin/authtoken/tokenproxy/").status_code == 404


def test_a_user_added_for_single_sign_on_only_has_no_usable_password(operator, personas):
    response = operator.post(
        "/admin/auth/user/add/", {"username": "sso", "usable_password": "false"}
    )
    assert response.status_code == 302, _errors(response)[:3000]
    assert not User.objects.get(username="sso").has_usable_password()
    assert _event("user.created").data["usable_password"] is False
