"""One rule for a grant's status: the SQL filter (AccessGrant.objects.with_status / open) and
the loaded row's `status_at` agree for every combination of approval, expiry and revocation."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from governance.models import GRANT_STATUSES, SYSTEM_EXPIRED, AccessGrant
from tests.factories import ChannelFactory, MemberFactory

pytestmark = pytest.mark.django_db


def test_the_sql_status_and_the_row_status_agree(personas):
    now = timezone.now()
    hour = dt.timedelta(hours=1)
    admin = personas.admin
    grants = []
    combos = itertools.product(
        (None, now - 2 * hour),  # approved_at
        (None, now - hour, now + hour),  # expires_at
        (None, "manual", SYSTEM_EXPIRED),  # revoked (and why)
    )
    for approved_at, expires_at, revoked in combos:
        granted_at = now - 3 * hour
        grants.append(
            AccessGrant.objects.create(
                member=MemberFactory(team=personas.team),
                channel=ChannelFactory(team=personas.team),
                role="publisher",
                justification="x",
                granted_by=admin,
                granted_at=granted_at,
                approved_at=approved_at,
                expires_at=expires_at,
                revoked_at=None if revoked is None else now - hour,
                revoked_by=admin if revoked == "manual" else None,
                revoke_reason=revoked or "",
            )  # fmt: skip
        )
    for status in GRANT_STATUSES:
        in_sql = set(AccessGrant.objects.with_status(status, now).values_list("pk", flat=True))
        in_python = {g.pk for g in grants if g.status_at(now) == status}
        assert in_sql == in_python, status
    opened = set(AccessGrant.objects.open(now).values_list("pk", flat=True))
    assert opened == {g.pk for g in grants if g.status_at(now) in ("pending", "active")}
    # Every grant has exactly one status.
    assert sum(AccessGrant.objects.with_status(s, now).count() for s in GRANT_STATUSES) == len(
        grants
    )


def test_an_unknown_status_is_refused():
    with pytest.raises(ValueError):
        AccessGrant.objects.with_status("dormant")
