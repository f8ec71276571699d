"""A refused or missing page explains itself, with the navigation and what to do instead."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_403_page_has_the_navigation_and_a_way_on(personas, client):
    client.force_login(personas.member.user)
    response = client.get("/governance/")
    assert response.status_code == 403
    body = response.content.decode()
    assert 'aria-label="Main"' in body and "My week" in body
    assert "This page is not for your role" in body
    assert "The governance pages are for admins." in body
    assert "Go to your start page" in body and "Nothing was changed" in body


def test_a_404_page_has_the_navigation_and_a_way_on(personas, client):
    client.force_login(personas.leader.user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert 'aria-label="Main"' in body and "Dashboard" in body
    assert "Nothing here" in body and "Go to your start page" in body


def test_signed_out_the_error_pages_offer_sign_in(client, db):
    body = client.get("/no-such-page/").content.decode()
    assert "Sign in" in body and 'href="/login/"' in body
