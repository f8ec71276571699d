"""API tokens (docs/api.md "Authentication"): issued one per sign-in, stored hashed, expiring
after TOKEN_TTL, revocable by their owner and all at once by offboarding."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from socialops.audit.services import audit_append
from teams.models import ApiToken

# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_ttl() -> dt.timedelta:
    return settings.TOKEN_TTL


def open_tokens(user):
    """The user's tokens that still authenticate (neither revoked nor expired), newest first."""
    return ApiToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at", "-pk")


@transaction.atomic
def issue_token(user, *, name: str = "") -> tuple[ApiToken, str]:
    """A new token for `user`: the row and the key (shown once, never stored). The user's
    open tokens beyond TOKEN_MAX_PER_USER (oldest first) are revoked, so repeated sign-ins
    do not pile up live credentials."""
    now = timezone.now()
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, key_hash=hash_key(key), prefix=key[:8], name=name[:150],
        created_at=now, expires_at=now + token_ttl(),
    )  # fmt: skip
    keep = list(open_tokens(user).values_list("pk", flat=True)[: settings.TOKEN_MAX_PER_USER])
    open_tokens(user).exclude(pk__in=keep).update(revoked_at=now)
    return token, key


def token_for_key(key: str) -> ApiToken | None:
    """The token a key belongs to (revoked and expired included; the caller decides), with
    its user."""
    return ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()


def touch(token: ApiToken, now: dt.datetime) -> None:
    """Record use, at most once per LAST_USED_RESOLUTION (one UPDATE, no read)."""
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


@transaction.atomic
def revoke_token(user, token_id: int) -> ApiToken | None:
    """Revoke one of the caller's own tokens; None when it is not theirs (the view says 404).
    Revoking an already revoked token changes nothing and records nothing."""
    token = ApiToken.objects.select_for_update().filter(user=user, pk=token_id).first()
    if token is None:
        return None
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_append(
            actor=user, action="token.revoked", target_type="user", target_id=str(user.pk),
            data={"token": token.pk, "prefix": token.prefix, "by": "owner"},
        )  # fmt: skip
    return token


def revoke_all_tokens(user) -> int:
    """Revoke every open token of `user` (offboarding): one UPDATE. Returns how many."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
