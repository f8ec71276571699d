"""Languages (docs/api.md): the person's saved choice, then Accept-Language, then English."""

import pytest
from rest_framework.test import APIClient

from teams.models import Member
from teams.tokens import issue_token

pytestmark = pytest.mark.django_db

LOGS = "/api/v1/task-logs/"


def _required_message(client, **headers) -> str:
    response = client.post(LOGS, {}, format="json", **headers)
    assert response.status_code == 400
    return response.json()["category"][0]


def test_api_errors_follow_accept_language_then_english(personas, client):
    client.force_login(personas.member.user)
    assert _required_message(client) == "This field is required."
    assert _required_message(client, HTTP_ACCEPT_LANGUAGE="it") == "Campo obbligatorio."
    assert (
        _required_message(client, HTTP_ACCEPT_LANGUAGE="id-ID,id;q=0.9")
        == "Bidang ini harus diisi."
    )
    assert _required_message(client, HTTP_ACCEPT_LANGUAGE="fr") == "This field is required."


def test_the_saved_language_wins_over_the_browser(personas, client):
    maya = personas.member
    client.force_login(maya.user)
    response = client.patch("/api/v1/me/", {"language": "it"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["language"] == "it"
    assert Member.objects.get(pk=maya.pk).language == "it"
    assert _required_message(client, HTTP_ACCEPT_LANGUAGE="en") == "Campo obbligatorio."

    # With a token too (DRF signs the caller in inside the view).
    _, key = issue_token(maya.user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert _required_message(api) == "Campo obbligatorio."

    back = client.patch("/api/v1/me/", {"language": ""}, content_type="application/json")
    assert back.status_code == 200 and back.json()["language"] == ""
    assert _required_message(client) == "This field is required."


def test_an_unknown_language_is_refused(personas, client):
    client.force_login(personas.member.user)
    response = client.patch("/api/v1/me/", {"language": "xx"}, content_type="application/json")
    assert response.status_code == 400 and "language" in response.json()
    assert Member.objects.get(pk=personas.member.pk).language == ""


def test_pages_carry_the_language(personas, client):
    client.force_login(personas.member.user)
    Member.objects.filter(pk=personas.member.pk).update(language="id")
    response = client.get("/log/")
    assert response.status_code == 200
    assert response["Content-Language"] == "id"


def test_a_member_picks_their_language_on_their_page(personas, client):
    client.force_login(personas.member.user)
    page = client.get("/me/").content.decode()
    assert 'name="language"' in page and "Bahasa Indonesia" in page
    response = client.post("/me/language/", {"language": "id"}, follow=True)
    # Said in the language just chosen, as is the page after it.
    assert "Bahasa disimpan: Bahasa Indonesia." in response.content.decode()
    assert Member.objects.get(pk=personas.member.pk).language == "id"
    refused = client.post("/me/language/", {"language": "klingon"}, follow=True)
    assert "Tidak disimpan" in refused.content.decode()
    assert Member.objects.get(pk=personas.member.pk).language == "id"
    client.force_login(personas.leader.user)  # no member role: not theirs to set here
    assert client.post("/me/language/", {"language": "it"}).status_code == 403
