"""POST /api/v1/auth/token: staff credentials for a bearer token, stored only as a hash."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from motcua.organization.models import ApiToken
from motcua.organization.selectors import api_token_authenticate, token_hash
from motcua.organization.services import api_token_issue
from tests.factories import PASSWORD, UserFactory, staff

URL = "/api/v1/auth/token"

pytestmark = pytest.mark.django_db


def post_token(client, body, **extra):
    return client.post(URL, body, content_type="application/json", **extra)


def test_staff_member_gets_a_token_valid_for_thirty_days(client, center):
    user = staff("receptionist", center=center, username="lan")
    before = timezone.now()

    response = post_token(client, {"username": "lan", "password": PASSWORD})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    assert body["token"].startswith("mcu_")
    assert len(body["token"]) > 40
    expires_at = parse_datetime(body["expires_at"])
    assert expires_at is not None and expires_at.tzinfo is not None
    assert timedelta(days=29, hours=23) < expires_at - before <= timedelta(days=30, minutes=1)
    assert api_token_authenticate(raw=body["token"]) == user


def test_only_a_hash_of_the_token_is_stored(client, center):
    staff("receptionist", center=center, username="lan")

    raw = post_token(client, {"username": "lan", "password": PASSWORD}).json()["token"]

    stored = ApiToken.objects.get()
    assert stored.token_hash == token_hash(raw)
    assert stored.token_hash != raw
    assert raw not in stored.token_hash
    assert raw.startswith(f"mcu_{stored.prefix}")
    assert len(stored.prefix) == 8
    for field in ApiToken._meta.concrete_fields:
        assert raw not in str(getattr(stored, field.attname)), field.name
    assert ApiToken.objects.filter(token_hash=raw).count() == 0


def test_two_logins_give_two_different_tokens(client, center):
    staff("specialist", center=center, username="lan")

    first = post_token(client, {"username": "lan", "password": PASSWORD}).json()["token"]
    second = post_token(client, {"username": "lan", "password": PASSWORD}).json()["token"]

    assert first != second
    assert ApiToken.objects.count() == 2


def test_superuser_without_membership_gets_a_token(client):
    UserFactory(username="root", is_superuser=True, is_staff=True)

    response = post_token(client, {"username": "root", "password": PASSWORD})

    assert response.status_code == 200
    assert api_token_authenticate(raw=response.json()["token"]).username == "root"


def test_wrong_password_is_refused(client, center):
    staff("receptionist", center=center, username="lan")

    response = post_token(client, {"username": "lan", "password": "sai-mat-khau"})

    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "invalid_credentials"
    assert body["message"] == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert ApiToken.objects.count() == 0


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client, db):
    response = post_token(client, {"username": "khong-ai", "password": PASSWORD})

    assert response.status_code == 403
    assert response.json()["code"] == "invalid_credentials"


def test_inactive_user_is_refused_as_invalid_credentials(client, center):
    staff("receptionist", center=center, username="lan", is_active=False)

    response = post_token(client, {"username": "lan", "password": PASSWORD})

    assert response.status_code == 403
    assert response.json()["code"] == "invalid_credentials"
    assert ApiToken.objects.count() == 0


def test_user_without_any_role_is_refused(client, db):
    UserFactory(username="moi")

    response = post_token(client, {"username": "moi", "password": PASSWORD})

    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "no_role"
    assert body["message"] == "Tài khoản này chưa được giao vai trò nào."
    assert ApiToken.objects.count() == 0


def test_refusal_message_in_english_when_asked(client, center):
    staff("receptionist", center=center, username="lan")

    response = post_token(
        client, {"username": "lan", "password": "x"}, headers={"Accept-Language": "en"}
    )

    assert response.status_code == 403
    assert response.json()["code"] == "invalid_credentials"
    assert response.json()["message"] == "Wrong user name or password."


@pytest.mark.parametrize(
    "body",
    [
        {"username": "lan"},
        {"password": PASSWORD},
        {},
        {"username": ["lan"], "password": PASSWORD},
        [],
    ],
    ids=["no-password", "no-username", "empty", "list-username", "array"],
)
def test_malformed_body_is_a_400_with_a_json_error(client, center, body):
    staff("receptionist", center=center, username="lan")

    response = post_token(client, body)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "invalid_input"
    assert response.json()["message"]
    assert ApiToken.objects.count() == 0


def test_body_that_is_not_json_is_a_400_with_a_json_error(client, center):
    staff("receptionist", center=center, username="lan")

    response = client.post(URL, "username=lan&password=x", content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) >= {"code", "message"}
    assert body["code"] == "invalid_input"


def test_get_is_not_allowed(client, db):
    response = client.get(URL)

    assert response.status_code == 405


# --- the token as a credential ---------------------------------------------------------------


def test_authenticate_returns_the_user_and_records_its_use(center):
    user = staff("receptionist", center=center, username="lan")
    token, raw = api_token_issue(username="lan", password=PASSWORD)
    assert token.last_used_at is None

    assert api_token_authenticate(raw=raw) == user

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_revoked_token_no_longer_authenticates(center):
    staff("receptionist", center=center, username="lan")
    token, raw = api_token_issue(username="lan", password=PASSWORD)
    token.revoked_at = timezone.now()
    token.save()

    assert api_token_authenticate(raw=raw) is None


def test_expired_token_no_longer_authenticates(center):
    staff("receptionist", center=center, username="lan")
    token, raw = api_token_issue(username="lan", password=PASSWORD)
    token.expires_at = timezone.now() - timedelta(seconds=1)
    token.save()

    assert api_token_authenticate(raw=raw) is None


def test_token_of_a_deactivated_user_no_longer_authenticates(center):
    user = staff("receptionist", center=center, username="lan")
    _token, raw = api_token_issue(username="lan", password=PASSWORD)
    user.is_active = False
    user.save()

    assert api_token_authenticate(raw=raw) is None


@pytest.mark.parametrize("raw", ["", "mcu_not-a-real-token"])
def test_unknown_or_empty_token_does_not_authenticate(center, raw):
    staff("receptionist", center=center, username="lan")
    _token, real = api_token_issue(username="lan", password=PASSWORD)

    assert api_token_authenticate(raw=raw) is None
    assert api_token_authenticate(raw=real[:-1]) is None
