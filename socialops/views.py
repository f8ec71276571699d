from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from teams.models import roles_for


@login_required
def home(request):
    """Send each person to their landing page (docs/privacy.md: member → My week, leader → team
    dashboard, admin → governance; the first role that applies wins)."""
    roles = roles_for(request.user)
    if roles.is_member:
        return redirect("my-week")
    if roles.is_leader:
        return redirect("dashboard")
    if roles.is_admin:
        return redirect("governance")
    return render(request, "home.html", {})
