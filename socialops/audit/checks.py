"""Deployment checks: the audit chain's head is anchored only with AUDIT_CHECKPOINT_KEY; the
checkpoint webhook needs its URL and its secret."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def audit_checkpoint_key_set(app_configs, **kwargs):
    if settings.AUDIT_CHECKPOINT_KEY:
        return []
    return [
        Warning(
            "AUDIT_CHECKPOINT_KEY is not set: no signed checkpoint of the audit chain is "
            "written, so a rewritten or truncated audit log goes unnoticed.",
            hint="Set AUDIT_CHECKPOINT_KEY (and AUDIT_CHECKPOINT_FILE) in the environment; "
            "see docs/deployment.md.",
            id="audit.W001",
        )
    ]


@register(Tags.security, deploy=True)
def audit_checkpoint_webhook_complete(app_configs, **kwargs):
    url = settings.AUDIT_CHECKPOINT_WEBHOOK_URL
    secret = settings.AUDIT_CHECKPOINT_WEBHOOK_SECRET
    if bool(url) == bool(secret):
        return []
    return [
        Warning(
            "Only one of AUDIT_CHECKPOINT_WEBHOOK_URL and AUDIT_CHECKPOINT_WEBHOOK_SECRET is set: "
            "checkpoints are not delivered to the webhook.",
            hint="Set both, or neither; see docs/deployment.md.",
            id="audit.W002",
        )
    ]
