from django.urls import path

from workload import views

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
]
