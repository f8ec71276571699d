"""Routes of governance.review pages."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
