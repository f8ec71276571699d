import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from governance.models import AccessGrant
from teams.models import Channel, Member, Team
from workload.models import BurnoutScore, Category, TaskLog

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    user = factory.SubFactory(UserFactory)
    full_name = factory.Sequence(lambda n: f"Person {n}")
    team = factory.SubFactory(TeamFactory)
    started_on = dt.date(2023, 1, 2)
    timezone = "Europe/London"


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    platform = Channel.Platform.INSTAGRAM
    handle = factory.Sequence(lambda n: f"@brand{n}")
    name = factory.Sequence(lambda n: f"Brand channel {n}")
    team = factory.SubFactory(TeamFactory)


class TaskLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskLog

    member = factory.SubFactory(MemberFactory)
    date = dt.date(2026, 11, 2)
    started_at = dt.time(10, 0)
    minutes = 60
    category = Category.PUBLISHING


class AccessGrantFactory(factory.django.DjangoModelFactory):
    """An active publisher grant (approved when granted) on a channel of the member's team."""

    class Meta:
        model = AccessGrant

    member = factory.SubFactory(MemberFactory)
    channel = factory.SubFactory(ChannelFactory, team=factory.SelfAttribute("..member.team"))
    role = AccessGrant.Role.PUBLISHER
    justification = "Publishes on this channel"
    granted_at = factory.LazyFunction(timezone.now)
    approved_at = factory.SelfAttribute("granted_at")


class BurnoutScoreFactory(factory.django.DjangoModelFactory):
    """A scored member on a day: objective strain (WSI) only unless given more."""

    class Meta:
        model = BurnoutScore

    member = factory.SubFactory(MemberFactory)
    as_of = dt.date(2026, 11, 15)
    status = BurnoutScore.Status.OK
    wsi = Decimal("40.00")
    wsi_band = BurnoutScore.Band.MODERATE
    band = BurnoutScore.Band.MODERATE
    mode = BurnoutScore.Mode.OBJECTIVE_ONLY
    computed_at = factory.LazyFunction(timezone.now)
