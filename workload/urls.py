from django.urls import path

from teams import views as teams_views
from workload.views import dashboards, me, my_week, pulse, timer

# The leave and on-call forms of My week post to teams' views, told which page they are on.
RECORDS = {"page": my_week.RECORDS_PAGE}

urlpatterns = [
    path("log/", my_week.my_week, name="my-week"),
    path("log/entries/<int:pk>/edit/", my_week.entry_edit, name="entry-edit"),
    path("log/entries/<int:pk>/delete/", my_week.entry_delete, name="entry-delete"),
    path("log/entries/<int:pk>/duplicate/", my_week.entry_duplicate, name="entry-duplicate"),
    path("log/copy-yesterday/", my_week.copy_yesterday, name="copy-yesterday"),
    path("log/timer/start/", timer.timer_start, name="timer-start"),
    path("log/timer/stop/", timer.timer_stop, name="timer-stop"),
    path("log/timer/discard/", timer.timer_discard, name="timer-discard"),
    path("log/leave/", teams_views.leave_create, RECORDS, name="leave-create"),
    path("log/leave/<int:pk>/delete/", teams_views.leave_delete, RECORDS, name="leave-delete"),
    path("log/on-call/", teams_views.on_call_create, RECORDS, name="on-call-create"),
    path(
        "log/on-call/<int:pk>/delete/", teams_views.on_call_delete, RECORDS, name="on-call-delete"
    ),
    path("pulse/", pulse.pulse, name="pulse"),
    # Dashboards (leaders) and My dashboard (members).
    path("dashboard/", dashboards.dashboard, name="dashboard"),
    path("dashboard/org/", dashboards.dashboard_org, name="dashboard-org"),
    path("dashboard/org/csv/<slug:table>/", dashboards.dashboard_org_csv, name="dashboard-org-csv"),
    path("dashboard/teams/<int:team_id>/", dashboards.dashboard_team, name="dashboard-team"),
    path(
        "dashboard/teams/<int:team_id>/csv/<slug:table>/",
        dashboards.dashboard_team_csv,
        name="dashboard-team-csv",
    ),
    path(
        "dashboard/teams/<int:team_id>/recompute/",
        dashboards.dashboard_recompute,
        name="dashboard-recompute",
    ),
    path(
        "dashboard/members/<int:member_id>/", dashboards.dashboard_member, name="dashboard-member"
    ),
    path(
        "dashboard/members/<int:member_id>/csv/<slug:table>/",
        dashboards.dashboard_member_csv,
        name="dashboard-member-csv",
    ),
    path("jobs/<uuid:job_id>/progress/", dashboards.job_progress, name="job-progress"),
    path("me/", me.me, name="me"),
    path("me/csv/<slug:table>/", me.me_csv, name="me-csv"),
    path("me/recompute/", me.me_recompute, name="me-recompute"),
    path("me/language/", me.me_language, name="me-language"),
]
