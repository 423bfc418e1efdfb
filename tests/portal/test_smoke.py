import pytest


@pytest.mark.django_db
def test_landing_page_is_public(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Free online courses" in response.content
