"""Language: Vietnamese unless the person chose English with the switch (the cookie)."""

import pytest

pytestmark = pytest.mark.django_db


def test_english_browser_still_gets_vietnamese(client, center):
    response = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})

    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="vi">' in page
    assert "Các trung tâm" in page
    assert "Centers" not in page
    assert response["Content-Language"] == "vi"


def test_no_preference_is_vietnamese(client, center):
    page = client.get("/").content.decode()

    assert '<html lang="vi">' in page
    assert center.name in page


def test_cookie_chooses_english(client, center):
    client.cookies["motcua_language"] = "en"

    response = client.get("/", headers={"Accept-Language": "vi"})

    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "<h2>Centers</h2>" in page
    assert "Working hours" in page
    assert response["Content-Language"] == "en"


def test_unsupported_cookie_falls_back_to_vietnamese(client, center):
    client.cookies["motcua_language"] = "fr"

    page = client.get("/", headers={"Accept-Language": "en"}).content.decode()

    assert '<html lang="vi">' in page


def test_staff_login_page_follows_the_cookie(client, db):
    client.cookies["motcua_language"] = "en"

    page = client.get("/staff/login/").content.decode()

    assert "Staff log-in" in page
    assert '<html lang="en">' in page


def test_pages_vary_on_cookie_and_language(client, center):
    response = client.get("/")

    vary = {part.strip().lower() for part in response["Vary"].split(",")}
    assert {"cookie", "accept-language"} <= vary


def test_switching_to_english_sets_the_cookie_and_goes_back(client, center):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/staff/login/"})

    assert response.status_code == 302
    assert response["Location"] == "/staff/login/"
    cookie = response.cookies["motcua_language"]
    assert cookie.value == "en"
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page


def test_switching_back_to_vietnamese(client, center):
    client.cookies["motcua_language"] = "en"

    response = client.post("/i18n/setlang/", {"language": "vi", "next": "/"})

    assert response.cookies["motcua_language"].value == "vi"
    assert '<html lang="vi">' in client.get("/").content.decode()


def test_switch_refuses_an_outside_next(client, center):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_switch_to_an_unsupported_language_leaves_pages_in_vietnamese(client, center):
    # Django accepts any language it has a catalog for (it ships French); the site does not.
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})

    response = client.get("/")

    assert '<html lang="vi">' in response.content.decode()
    assert response["Content-Language"] == "vi"


def test_api_honours_accept_language_but_pages_do_not(client, center):
    api = client.get("/api/v1/centers/khong-co", headers={"Accept-Language": "en"})
    page = client.get("/", headers={"Accept-Language": "en"})

    assert api["Content-Language"] == "en"
    assert api.json()["message"].startswith("There is no center")
    assert page["Content-Language"] == "vi"
