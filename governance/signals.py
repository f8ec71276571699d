"""Sign-in bookkeeping: the session ↔ user link for offboarding, and failed sign-ins audited
(rate-limited, docs/security.md "Sign-in"). And the audit's signed checkpoints queued for the
checkpoint webhook (docs/deployment.md "Audit log")."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.utils import timezone

from governance.models import LoginSession
from governance.outbox import CHECKPOINT_TOPIC, outbox_add_many
from socialops.audit.checkpoints import checkpoint_written
from socialops.audit.models import AuditEvent
from socialops.audit.services import audit_append


def remember_session(sender, request, user, **kwargs):
    if request is not None and getattr(request, "session", None) is not None:
        if request.session.session_key is None:
            request.session.save()
        LoginSession.objects.get_or_create(
            session_key=request.session.session_key, defaults={"user": user}
        )


def audit_failed_login(sender, credentials, request=None, **kwargs):
    """One audit event per failed sign-in, rate-limited before it reaches the chain (axes
    still counts every failure): nothing once the username or address is locked out, and at
    most AUDIT_FAILED_SIGNIN_LIMIT per address per AUDIT_FAILED_SIGNIN_WINDOW. The username
    tried, never the password."""
    ip = _client_ip(request)
    locked = bool(getattr(request, "axes_locked_out", False))
    # axes (installed before governance, so its handler runs first) counts the failure and
    # sets axes_failures_since_start; a request refused because it was already locked never
    # gets that far and is left uncounted, so it is not audited either.
    if locked and getattr(request, "axes_failures_since_start", None) is None:
        return
    since = timezone.now() - settings.AUDIT_FAILED_SIGNIN_WINDOW
    recent = AuditEvent.objects.filter(action="auth.login_failed", at__gte=since, data__ip=ip)
    if recent.count() >= settings.AUDIT_FAILED_SIGNIN_LIMIT:
        return
    audit_append(
        actor=None, action="auth.login_failed", target_type="user",
        target_id=str(credentials.get("username", ""))[:64],
        data={"ip": ip, **({"locked_out": True} if locked else {})},
    )  # fmt: skip


def _client_ip(request) -> str | None:
    if request is None:
        return None
    # The address axes locks on (it honours AXES_IPWARE_PROXY_COUNT), else the socket's.
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")


def queue_checkpoint(sender, checkpoint, record, **kwargs):
    """In the checkpoint's transaction: an outbox row for the checkpoint webhook, when one is
    configured. The relay delivers it (at least once, retried with backoff)."""
    if settings.AUDIT_CHECKPOINT_WEBHOOK_URL:
        outbox_add_many(topic=CHECKPOINT_TOPIC, payloads=[record])


def connect() -> None:
    """Called once from GovernanceConfig.ready()."""
    user_logged_in.connect(remember_session, dispatch_uid="governance.remember_session")
    user_login_failed.connect(audit_failed_login, dispatch_uid="governance.audit_failed_login")
    checkpoint_written.connect(queue_checkpoint, dispatch_uid="governance.queue_checkpoint")
