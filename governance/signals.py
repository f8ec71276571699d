"""Sign-in bookkeeping: the session ↔ user link for offboarding, and failed sign-ins audited."""

from django.contrib.auth.signals import user_logged_in, user_login_failed

from governance.models import LoginSession
from socialops.audit.services import audit_append


def remember_session(sender, request, user, **kwargs):
    if request is not None and getattr(request, "session", None) is not None:
        if request.session.session_key is None:
            request.session.save()
        LoginSession.objects.get_or_create(
            session_key=request.session.session_key, defaults={"user": user}
        )


def audit_failed_login(sender, credentials, request=None, **kwargs):
    # The username tried, never the password.
    audit_append(
        actor=None, action="auth.login_failed", target_type="user",
        target_id=str(credentials.get("username", ""))[:64],
        data={"ip": request.META.get("REMOTE_ADDR") if request is not None else None},
    )  # fmt: skip


def connect() -> None:
    """Called once from GovernanceConfig.ready()."""
    user_logged_in.connect(remember_session, dispatch_uid="governance.remember_session")
    user_login_failed.connect(audit_failed_login, dispatch_uid="governance.audit_failed_login")
