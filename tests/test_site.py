"""Sign-in, the landing page, the API docs and the Django admin."""

import pytest
from django.contrib.auth import get_user_model

from teams.models import Leave
from tests.factories import PASSWORD
from workload.models import TaskLog

pytestmark = pytest.mark.django_db


def test_sign_in_and_out(personas, client):
    page = client.get("/login/")
    assert page.status_code == 200 and b"Sign in" in page.content
    bad = client.post("/login/", {"username": "maya", "password": "wrong"})
    assert bad.status_code == 200 and b"correct username and password" in bad.content
    response = client.post("/login/", {"username": "maya", "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/").url == "/log/"
    assert client.post("/logout/").status_code == 302
    assert client.get("/log/").status_code == 302  # signed out: back to login


def test_a_leader_without_the_member_role_lands_on_the_team_dashboard(personas, client):
    client.force_login(personas.leader.user)
    assert client.get("/").url == "/dashboard/"


def test_a_person_without_a_role_lands_on_the_home_page(personas, client):
    personas.leader.role_leader = False
    personas.leader.save()
    client.force_login(personas.leader.user)
    page = client.get("/")
    assert page.status_code == 200
    assert "You have no socialops role yet" in page.content.decode()


def test_an_admin_lands_on_governance(personas, client):
    client.force_login(personas.admin.user)
    assert client.get("/").url == "/governance/"


def test_api_schema_and_docs_are_served_without_a_cdn(personas, client):
    assert client.get("/api/schema/").status_code == 401
    assert client.get("/api/docs/").status_code == 302
    client.force_login(personas.member.user)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    body = schema.content.decode()
    for path in ("/api/v1/task-logs/", "/api/v1/me/", "/api/v1/teams/", "/api/v1/leave/",
                 "/api/v1/on-call/", "/api/v1/members/", "/api/v1/channels/"):  # fmt: skip
        assert path in body
    docs = client.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in docs
    assert "cdn" not in docs.lower() and "https://" not in docs


def test_django_admin_lists_every_model_with_search_and_filters(personas, client):
    get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    client.login(username="root", password=PASSWORD)
    TaskLog.objects.create(member=personas.member, date="2026-11-02", minutes=5,
                           category="publishing")  # fmt: skip
    Leave.objects.create(member=personas.member, start_date="2026-11-02", end_date="2026-11-02")
    for url in (
        "/admin/teams/team/?q=Comm",
        "/admin/teams/member/?q=maya&status__exact=active",
        "/admin/teams/channel/?q=community&platform__exact=instagram",
        "/admin/teams/leave/?q=maya&kind__exact=vacation",
        "/admin/teams/oncallshift/?q=maya",
        "/admin/workload/tasklog/?q=maya&category__exact=publishing",
        "/admin/django_celery_beat/periodictask/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    # The pulse-sharing switch is the member's own choice: shown, never editable here.
    member_page = client.get(f"/admin/teams/member/{personas.member.pk}/change/").content
    assert b'name="share_pulse_with_leader"' not in member_page
    assert b"Share pulse with leader" in member_page
