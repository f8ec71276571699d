"""Routes of governance.evidence pages."""

from django.urls import URLPattern, path

from governance import evidence_views

urlpatterns: list[URLPattern] = [
    path(
        "governance/offboardings/<int:pk>/evidence/",
        evidence_views.offboarding_evidence,
        name="governance-offboarding-evidence",
    ),
]
