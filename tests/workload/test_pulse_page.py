"""The weekly pulse page without JavaScript: the questions, the weeks, saving, replacing,
refusing bad input, the share switch, the history and the privacy of the answers."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import PASSWORD
from workload.dates import day_label
from workload.models import PulseResponse
from workload.services.pulse import QUESTIONS

pytestmark = pytest.mark.django_db

FREQUENCY = ["Always", "Often", "Sometimes", "Seldom", "Never/almost never"]
DEGREE = [
    "To a very high degree", "To a high degree", "Somewhat", "To a low degree",
    "To a very low degree",
]  # fmt: skip
ANSWERS = [75, 50, 50, 25, 75, 50, 75]  # item 4 reversed: 450 / 7 = 64.2857… → 64.29


@pytest.fixture
def maya(personas, client):
    client.force_login(personas.member.user)
    return client


def _this_monday(member) -> dt.date:
    today = member.today()
    return today - dt.timedelta(days=today.weekday())


def _post(client, week, answers, **extra):
    """Submit the pulse form: None (or a missing item) is a skipped item."""
    data = {"week": str(week)}
    for number, answer in enumerate(answers, start=1):
        data[f"q{number}"] = "" if answer is None else str(answer)
    return client.post("/pulse/", {**data, **extra})


def _checked(page: str, number: int) -> str | None:
    """The value of the checked radio of item `number` ("" for Skip, None for none)."""
    found = re.findall(rf'name="q{number}" value="([^"]*)" checked', page)
    assert len(found) <= 1, found
    return found[0] if found else None


def test_anonymous_is_sent_to_login(client):
    response = client.get("/pulse/")
    assert response.status_code == 302 and response.url.startswith("/login/")
    response = client.post("/pulse/", {"week": "2026-11-16", "q1": "50"})
    assert response.status_code == 302 and response.url.startswith("/login/")
    assert not PulseResponse.objects.exists()


def test_a_person_without_a_member_record_gets_403(db, client):
    root = get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    client.force_login(root)
    assert client.get("/pulse/").status_code == 403
    assert client.post("/pulse/", {"share": "on"}).status_code == 403
    assert client.post("/pulse/", {"week": "2026-11-16", "q1": "50"}).status_code == 403
    assert not PulseResponse.objects.exists()


def test_the_page_shows_the_seven_questions_with_their_labels(personas, maya):
    response = maya.get("/pulse/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Weekly pulse</h1>" in page
    assert "Your answers are seen by you alone" in page
    fieldsets = re.findall(r'<fieldset class="question">(.*?)</fieldset>', page, re.S)
    assert len(fieldsets) == 7
    for number, (text, fieldset) in enumerate(zip(QUESTIONS, fieldsets, strict=True), start=1):
        assert f"<legend>{number}. {text}</legend>" in fieldset
        labels = re.findall(r'<input type="radio"[^>]*> ([^<]+)</label>', fieldset)
        assert labels == (FREQUENCY if number <= 3 else DEGREE) + ["Skip"]
        values = re.findall(rf'name="q{number}" value="([^"]*)"', fieldset)
        assert values == ["100", "75", "50", "25", "0", ""]
        assert _checked(page, number) == ""  # nothing answered yet: Skip is selected
    assert "Do you have enough energy for family and friends" in fieldsets[3]
    assert "No answers in the last 8 weeks." in page


def test_the_page_offers_this_week_and_the_seven_before_it(personas, maya):
    page = maya.get("/pulse/").content.decode()
    monday = _this_monday(personas.member)
    offered = re.findall(r'<option value="(\d{4}-\d{2}-\d{2})"', page)
    assert offered == [str(monday - dt.timedelta(weeks=i)) for i in range(8)]
    assert all(dt.date.fromisoformat(day).weekday() == 0 for day in offered)
    assert f'<option value="{monday}" selected>' in page  # this week first, and chosen
    # "Mon 30 Nov": the year only outside the current one (workload.dates.day_label).
    assert f"{day_label(monday, timezone.localdate())} (this week)" in page
    assert page.count("(this week)") == 1


def test_submit_stores_the_answers_and_shows_the_score(personas, maya):
    week = _this_monday(personas.member) - dt.timedelta(weeks=1)
    response = _post(maya, week, ANSWERS)
    assert response.status_code == 302
    assert response.url == f"/pulse/?week={week}"
    pulse = PulseResponse.objects.get()
    assert (pulse.member, pulse.week, pulse.answers) == (personas.member, week, ANSWERS)
    page = maya.get(response.url).content.decode()
    saved = f"Pulse saved for the week of {day_label(week, timezone.localdate())}."
    assert f"{saved} Your score: 64." in page
    # The chosen week is selected again with its answers, and saving would replace them.
    assert f'<option value="{week}" selected>' in page
    assert [_checked(page, n) for n in range(1, 8)] == [str(a) for a in ANSWERS]
    assert "You answered this week already" in page


def test_skipped_items_are_stored_as_unanswered(personas, maya):
    week = _this_monday(personas.member)
    answers = [100, None, 50, None, 25, 0, 75]
    response = maya.post(
        "/pulse/",
        {"week": str(week), "q1": "100", "q3": "50", "q5": "25", "q6": "0", "q7": "75",
         "q4": ""},  # q2 is not sent at all, q4 is the Skip radio
        follow=True,
    )  # fmt: skip
    assert PulseResponse.objects.get().answers == answers
    # (100 + 50 + 25 + 0 + 75) / 5 = 50
    assert "Your score: 50." in response.content.decode()


def test_fewer_than_four_answers_are_saved_without_a_score(personas, maya):
    week = _this_monday(personas.member)
    response = _post(maya, week, [50, None, None, 25, None, 75, None])
    assert response.status_code == 302
    assert PulseResponse.objects.get().answers == [50, None, None, 25, None, 75, None]
    page = maya.get(response.url).content.decode()
    saved = f"Pulse saved for the week of {day_label(week, timezone.localdate())}."
    message = f"{saved} Answer at least 4 items for a score."
    assert message in page
    assert "3 of 7" in page and "— (fewer than 4 answers)" in page


def test_submitting_again_for_the_same_week_replaces_the_answers(personas, maya):
    week = _this_monday(personas.member) - dt.timedelta(weeks=2)
    _post(maya, week, ANSWERS)
    first = PulseResponse.objects.get()
    response = _post(maya, week, [0, 0, 0, 100, 0, None, None])
    assert response.status_code == 302
    pulse = PulseResponse.objects.get()  # still one row, the same one
    assert pulse.pk == first.pk
    assert pulse.answers == [0, 0, 0, 100, 0, None, None]
    assert "Your score: 0." in maya.get(response.url).content.decode()


@pytest.mark.parametrize(
    ("week", "message"),
    [
        (lambda monday: monday - dt.timedelta(weeks=8), "Answer for this week or one of the 7"),
        (lambda monday: monday + dt.timedelta(weeks=1), "Answer for this week or one of the 7"),
        (lambda monday: monday - dt.timedelta(days=6), "Give the Monday of the week"),
        (lambda monday: "garbage", "Choose a week."),
        (lambda monday: "", "Choose a week."),
    ],
    ids=["eight-weeks-ago", "next-week", "a-tuesday", "garbage", "empty"],
)
def test_a_bad_week_shows_an_error_and_saves_nothing(personas, maya, week, message):
    response = _post(maya, week(_this_monday(personas.member)), ANSWERS)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert 'class="field has-error"' in page
    # What was typed is kept for another try.
    assert [_checked(page, n) for n in range(1, 8)] == [str(a) for a in ANSWERS]
    assert not PulseResponse.objects.exists()


@pytest.mark.parametrize("forged", ["10", "101", "250", "-25", "abc", "25.0", "²"])
def test_a_forged_answer_value_shows_an_error_and_saves_nothing(personas, maya, forged):
    response = _post(maya, _this_monday(personas.member), ANSWERS, q1=forged)
    assert response.status_code == 200
    assert "Each answer is 0, 25, 50, 75, 100 or null." in response.content.decode()
    assert not PulseResponse.objects.exists()


def test_the_share_switch_turns_sharing_on_and_off(personas, maya):
    member = personas.member
    assert member.share_pulse_with_leader is False
    page = maya.get("/pulse/").content.decode()
    assert '<input type="hidden" name="share" value="on">' in page
    assert "Share my pulse score" in page

    response = maya.post("/pulse/", {"share": "on"}, follow=True)
    assert response.redirect_chain == [("/pulse/", 302)]
    page = response.content.decode()
    assert "Your leader now sees your pulse-based score." in page
    assert "Stop sharing" in page and '<input type="hidden" name="share" value="off">' in page
    member.refresh_from_db()
    assert member.share_pulse_with_leader is True

    response = maya.post("/pulse/", {"share": "off"}, follow=True)
    page = response.content.decode()
    assert "Your pulse-based score is private again." in page
    assert "Share my pulse score" in page
    member.refresh_from_db()
    assert member.share_pulse_with_leader is False
    assert not PulseResponse.objects.exists()  # the switch stores no answers


def test_the_history_lists_the_answered_weeks_newest_first(personas, maya):
    monday = _this_monday(personas.member)
    _post(maya, monday - dt.timedelta(weeks=3), ANSWERS)
    _post(maya, monday, [25, None, None, None, None, None, 50])
    # Outside the last eight weeks: stored (say, long ago) but not listed.
    PulseResponse.objects.create(
        member=personas.member, week=monday - dt.timedelta(weeks=9), a1=100, a2=100, a3=100,
        a4=100, a5=100, a6=100, a7=100,
    )  # fmt: skip
    page = maya.get("/pulse/").content.decode()
    history = page.split('id="history"')[1]
    rows = re.findall(r"<tr><td><a href=\"\?week=([\d-]+)\">[^<]+</a></td><td>(\d) of 7</td>"
                      r"<td>([^<]+)</td></tr>", history)  # fmt: skip
    assert rows == [
        (str(monday), "2", "— (fewer than 4 answers)"),
        (str(monday - dt.timedelta(weeks=3)), "7", "64"),  # 64.29: whole on pages
    ]
    assert "No answers in the last 8 weeks." not in page


def test_a_score_of_zero_is_shown_as_a_score(personas, maya):
    # Every item at its least burnt-out answer (item 4 is reversed): a real score of 0.
    monday = _this_monday(personas.member)
    _post(maya, monday, [0, 0, 0, 100, 0, 0, 0])
    history = maya.get("/pulse/").content.decode().split('id="history"')[1]
    assert "7 of 7" in history
    assert "fewer than 4 answers" not in history


@pytest.mark.parametrize("viewer", ["teammate", "leader"])
def test_nobody_else_sees_a_members_answers(personas, client, viewer):
    monday = _this_monday(personas.member)
    PulseResponse.objects.create(
        member=personas.member, week=monday, a1=75, a2=50, a3=50, a4=25, a5=75, a6=50, a7=75
    )
    other = getattr(personas, viewer)
    client.force_login(other.user)
    page = client.get(f"/pulse/?week={monday}").content.decode()
    assert [_checked(page, n) for n in range(1, 8)] == [""] * 7
    assert "No answers in the last 8 weeks." in page
    assert "64.29" not in page and "You answered this week already" not in page

    # Their own answers for the same week are a separate row; Maya's stay as they were.
    response = _post(client, monday, [0, 0, 0, 0, 0, 0, 0])
    assert response.status_code == 302
    assert PulseResponse.objects.get(member=other).answers == [0] * 7
    assert PulseResponse.objects.get(member=personas.member).answers == ANSWERS
    page = client.get(response.url).content.decode()
    assert "64.29" not in page


def _count(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/pulse/")
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def test_pulse_page_query_count_does_not_grow_with_the_history(personas, maya):
    member = personas.member
    monday = _this_monday(member)
    PulseResponse.objects.create(member=member, week=monday, a1=50, a2=50, a3=50, a4=50)
    small = _count(maya)
    PulseResponse.objects.bulk_create(
        PulseResponse(member=member, week=monday - dt.timedelta(weeks=w), a1=25, a2=25,
                      a3=25, a4=25, a5=25)
        for w in range(1, 8)
    )  # fmt: skip
    assert PulseResponse.objects.filter(member=member).count() == 8
    large = _count(maya)
    assert small == large
    # session, user, member record with its team (roles, cached on the user for the
    # request), the last eight weeks of the member's pulses — at most 4 (no led-teams query:
    # Maya does not hold the leader role).
    assert large <= 6  # with the Reviews link (one EXISTS) and the header timer (one query)
