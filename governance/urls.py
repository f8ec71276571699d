from django.urls import include, path

from governance import audit_views, views

urlpatterns = [
    path("governance/", views.overview, name="governance"),
    path("governance/channels/", views.channels, name="governance-channels"),
    path("governance/follow-ups/", views.followups_page, name="governance-followups"),
    path("governance/grants/", views.grants, name="governance-grants"),
    path(
        "governance/grants/<int:pk>/approve/",
        views.grant_approve,
        name="governance-grant-approve",
    ),
    path("governance/grants/<int:pk>/revoke/", views.grant_revoke, name="governance-grant-revoke"),
    path(
        "governance/members/<int:pk>/offboard/",
        views.member_offboard,
        name="governance-member-offboard",
    ),
    path(
        "governance/offboardings/<int:pk>/",
        views.offboarding_detail,
        name="governance-offboarding",
    ),
    path(
        "governance/checklist/<int:pk>/confirm/",
        views.checklist_confirm,
        name="governance-checklist-confirm",
    ),
    path(
        "governance/rotations/<int:pk>/confirm/",
        views.rotation_confirm,
        name="governance-rotation-confirm",
    ),
    path(
        "governance/outbox/<uuid:pk>/retry/",
        views.outbox_retry_view,
        name="governance-outbox-retry",
    ),
    path("governance/audit/", audit_views.audit, name="governance-audit"),
    path(
        "governance/members/<int:pk>/offboard/cancel/",
        views.offboarding_cancel,
        name="governance-offboarding-cancel",
    ),
    # Access review pages and the evidence pack keep their routes beside their views.
    path("", include("governance.review_urls")),
    path("", include("governance.evidence_urls")),
]
