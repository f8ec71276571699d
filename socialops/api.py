"""The v1 JSON API router (docs/api.md)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from governance.api.audit import AuditEventViewSet
from governance.api.followups import FollowUpViewSet
from governance.api.grants import GrantViewSet
from governance.api.health import HealthView
from governance.api.offboarding import ChecklistViewSet, MemberOffboardView, RotationViewSet
from governance.api.offboardings import OffboardingViewSet
from governance.api.reviews import AccessReviewItemViewSet, AccessReviewViewSet
from teams.api import (
    ChannelViewSet,
    LeaveViewSet,
    MemberViewSet,
    MeView,
    OnCallViewSet,
    TeamViewSet,
)
from teams.token_api import ApiTokenViewSet, ObtainTokenView
from workload.api.personal_data import MemberEraseView, MyDataExportView
from workload.api.pulse import PulseViewSet
from workload.api.scores import JobViewSet, ScoreViewSet
from workload.api.staffing import StaffingViewSet
from workload.api.task_logs import TaskLogViewSet
from workload.api.timer import TimerStopView, TimerView

router = DefaultRouter()
router.register("auth/tokens", ApiTokenViewSet, basename="api-token-item")
router.register("teams", TeamViewSet, basename="team")
router.register("members", MemberViewSet, basename="member")
router.register("channels", ChannelViewSet, basename="channel")
router.register("task-logs", TaskLogViewSet, basename="task-log")
router.register("leave", LeaveViewSet, basename="leave")
router.register("on-call", OnCallViewSet, basename="on-call")
router.register("pulse", PulseViewSet, basename="pulse")
router.register("scores", ScoreViewSet, basename="score")
router.register("staffing", StaffingViewSet, basename="staffing")
router.register("jobs", JobViewSet, basename="job")
router.register("grants", GrantViewSet, basename="grant")
router.register("credential-rotations", RotationViewSet, basename="credential-rotation")
router.register("checklist-items", ChecklistViewSet, basename="checklist-item")
router.register("offboardings", OffboardingViewSet, basename="offboarding")
router.register("follow-ups", FollowUpViewSet, basename="follow-up")
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("access-reviews", AccessReviewViewSet, basename="access-review")
router.register("access-review-items", AccessReviewItemViewSet, basename="access-review-item")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    path("me/export/", MyDataExportView.as_view(), name="api-me-export"),
    path("governance/health/", HealthView.as_view(), name="api-governance-health"),
    # Offboarding is governance's: it sits beside the members resource it acts on.
    path("members/<int:pk>/offboard/", MemberOffboardView.as_view(), name="member-offboard"),
    path("members/<int:pk>/erase/", MemberEraseView.as_view(), name="member-erase"),
    path("timer/", TimerView.as_view(), name="api-timer"),
    path("timer/stop/", TimerStopView.as_view(), name="api-timer-stop"),
    path("", include(router.urls)),
]
