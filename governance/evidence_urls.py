"""Routes of governance.evidence pages."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
