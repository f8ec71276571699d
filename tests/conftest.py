"""Fixed personas shared by every test: a member, a teammate, a member of another team,
the leader of the first team and an admin."""

import datetime as dt
import os
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from teams.models import Channel
from tests.factories import ChannelFactory, MemberFactory, TeamFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness costs seconds per persona; tests need no brute-force cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Personas:
    team: object
    other_team: object
    member: object
    teammate: object
    foreigner: object
    leader: object
    admin: object
    channel: object
    other_channel: object


@pytest.fixture
def personas(db) -> Personas:
    team = TeamFactory(name="Community")
    other_team = TeamFactory(name="Brand")
    member = MemberFactory(team=team, full_name="Maya Member", user__username="maya")
    teammate = MemberFactory(team=team, full_name="Tom Teammate", user__username="tom")
    foreigner = MemberFactory(team=other_team, full_name="Fay Foreign", user__username="fay")
    leader = MemberFactory(
        team=team, full_name="Leo Leader", user__username="leo", role_member=False,
        role_leader=True,
    )  # fmt: skip
    team.leaders.add(leader)
    admin = MemberFactory(
        team=None, full_name="Ada Admin", user__username="ada", role_member=False,
        role_admin=True,
    )  # fmt: skip
    channel = ChannelFactory(team=team, platform=Channel.Platform.INSTAGRAM, handle="@community")
    other_channel = ChannelFactory(team=other_team, platform=Channel.Platform.X, handle="@brand")
    return Personas(
        team, other_team, member, teammate, foreigner, leader, admin, channel, other_channel
    )


class SignedInClient(APIClient):
    """Loads the user afresh for every request, as session and token auth do, so that nothing
    cached on a user object outlives its request (and query counts include the user)."""

    def __init__(self, user, **kwargs):
        super().__init__(**kwargs)
        self.user_pk = user.pk

    def request(self, **kwargs):
        from django.contrib.auth import get_user_model

        self.force_authenticate(get_user_model().objects.get(pk=self.user_pk))
        return super().request(**kwargs)


@pytest.fixture
def api():
    """api(member) → an APIClient signed in as that member (None: anonymous)."""

    def make(member=None) -> APIClient:
        return APIClient() if member is None else SignedInClient(member.user)

    return make


@pytest.fixture
def past_day() -> dt.date:
    return dt.date.today() - dt.timedelta(days=2)  # safely in the past in every time zone
