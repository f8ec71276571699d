from django.urls import path

from workload import dashboard_views, views

urlpatterns = [
    path("log/", views.my_week, name="my-week"),
    path("log/entries/<int:pk>/edit/", views.entry_edit, name="entry-edit"),
    path("log/entries/<int:pk>/delete/", views.entry_delete, name="entry-delete"),
    path("log/copy-yesterday/", views.copy_yesterday, name="copy-yesterday"),
    path("log/leave/", views.leave_create, name="leave-create"),
    path("log/leave/<int:pk>/delete/", views.leave_delete, name="leave-delete"),
    path("log/on-call/", views.on_call_create, name="on-call-create"),
    path("log/on-call/<int:pk>/delete/", views.on_call_delete, name="on-call-delete"),
    path("pulse/", views.pulse, name="pulse"),
    # Dashboards (leaders) and My dashboard (members).
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/org/", dashboard_views.dashboard_org, name="dashboard-org"),
    path(
        "dashboard/org/csv/<slug:table>/",
        dashboard_views.dashboard_org_csv,
        name="dashboard-org-csv",
    ),
    path("dashboard/teams/<int:team_id>/", dashboard_views.dashboard_team, name="dashboard-team"),
    path(
        "dashboard/teams/<int:team_id>/csv/<slug:table>/",
        dashboard_views.dashboard_team_csv,
        name="dashboard-team-csv",
    ),
    path(
        "dashboard/teams/<int:team_id>/recompute/",
        dashboard_views.dashboard_recompute,
        name="dashboard-recompute",
    ),
    path(
        "dashboard/members/<int:member_id>/",
        dashboard_views.dashboard_member,
        name="dashboard-member",
    ),
    path(
        "dashboard/members/<int:member_id>/csv/<slug:table>/",
        dashboard_views.dashboard_member_csv,
        name="dashboard-member-csv",
    ),
    path("jobs/<uuid:job_id>/progress/", dashboard_views.job_progress, name="job-progress"),
    path("me/", dashboard_views.me, name="me"),
    path("me/csv/<slug:table>/", dashboard_views.me_csv, name="me-csv"),
    path("me/recompute/", dashboard_views.me_recompute, name="me-recompute"),
]
