"""Log-in lock-out (django-axes): 5 wrong passwords for one user name from one address lock
that pair for 15 minutes on the staff log-in page, the admin log-in and the API token."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import caches
from django.utils import timezone

from motcua.audit.models import AuditEntry
from tests.factories import PASSWORD, UserFactory, staff

pytestmark = pytest.mark.django_db

LOGIN = "/staff/login/"
TOKEN = "/api/v1/auth/token"
ADMIN = "/admin/login/"


def web_login(client, username, password, ip="198.51.100.7"):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, follow=False
    )


def api_login(client, username, password, ip="198.51.100.7"):
    return client.post(
        TOKEN,
        {"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=ip,
    )


def _fail(login, client, username, times, **kwargs):
    return [login(client, username, "sai-mat-khau", **kwargs).status_code for _ in range(times)]


def test_five_wrong_passwords_lock_the_staff_login(client, center):
    staff("receptionist", center=center, username="lan")

    codes = _fail(web_login, client, "lan", 5)

    assert codes == [200, 200, 200, 200, 429]
    refused = web_login(client, "lan", PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    text = refused.content.decode()
    assert "Đăng nhập bị tạm khóa" in text and "15 phút" in text
    assert refused["Retry-After"] == "900"


def test_the_lock_ends_after_the_cool_off(client, center, settings):
    staff("receptionist", center=center, username="lan")
    redis = "Redis" in settings.CACHES["axes"]["BACKEND"]
    if redis:
        # A real Redis key expires on the server's clock, which time-machine cannot move:
        # a 2-second cool-off, waited for.
        settings.AXES_COOLOFF_TIME = timedelta(seconds=2)
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        _fail(web_login, client, "lan", 5)
        assert web_login(client, "lan", PASSWORD).status_code == 429
        traveller.shift(timedelta(minutes=14))
        if not redis:
            assert web_login(client, "lan", PASSWORD).status_code == 429
        if redis:
            import time

            time.sleep(2.5)
        else:
            traveller.shift(timedelta(minutes=1, seconds=5))
        response = web_login(client, "lan", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(username="lan").pk)


def test_other_users_and_other_addresses_are_not_locked(client, center):
    staff("receptionist", center=center, username="lan")
    staff("receptionist", center=center, username="minh")
    _fail(web_login, client, "lan", 5)

    assert web_login(client, "minh", PASSWORD).status_code == 302
    client.logout()
    # The same user name from another address still logs in.
    assert web_login(client, "lan", PASSWORD, ip="203.0.113.9").status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(client, center):
    staff("receptionist", center=center, username="lan")
    _fail(web_login, client, "lan", 4)
    assert web_login(client, "lan", PASSWORD).status_code == 302
    client.logout()
    assert _fail(web_login, client, "lan", 4) == [200] * 4


def test_api_token_counts_and_refuses_with_json(client, center):
    staff("receptionist", center=center, username="lan")

    codes = _fail(api_login, client, "lan", 5)

    assert codes == [403, 403, 403, 403, 429]
    response = api_login(client, "lan", PASSWORD)
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "locked_out"
    assert "Đăng nhập bị tạm khóa" in body["message"]
    # English on request.
    english = client.post(
        TOKEN,
        {"username": "lan", "password": PASSWORD},
        content_type="application/json",
        REMOTE_ADDR="198.51.100.7",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert english.status_code == 429 and english.json()["code"] == "locked_out"
    # Another address is not locked.
    assert api_login(client, "lan", PASSWORD, ip="203.0.113.9").status_code == 200


def test_web_and_api_failures_share_one_count(client, center):
    staff("receptionist", center=center, username="lan")
    _fail(web_login, client, "lan", 3)
    _fail(api_login, client, "lan", 2)
    assert api_login(client, "lan", PASSWORD).status_code == 429
    assert web_login(client, "lan", PASSWORD).status_code == 429


def test_admin_login_is_locked_too(client):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    codes = [
        client.post(
            ADMIN, {"username": "root", "password": "sai"}, REMOTE_ADDR="198.51.100.7"
        ).status_code
        for _ in range(5)
    ]
    assert codes[-1] == 429
    response = client.post(
        ADMIN, {"username": "root", "password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_address_behind_a_trusted_proxy_is_the_forwarded_one(client, center, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    staff("receptionist", center=center, username="lan")
    for _ in range(5):
        client.post(
            LOGIN,
            {"username": "lan", "password": "sai"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="198.51.100.7",
        )
    # The proxy's own address is the same for everyone: another client behind it is not locked.
    other = client.post(
        LOGIN,
        {"username": "lan", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert other.status_code == 302


def test_failures_and_locks_are_in_the_audit_log(client, center):
    staff("receptionist", center=center, username="lan")
    _fail(web_login, client, "lan", 5)

    failed = AuditEntry.objects.filter(action="login_failed", object_key="lan")
    assert failed.count() == 5
    assert set(failed.values_list("actor_ip", flat=True)) == {"198.51.100.7"}
    assert AuditEntry.objects.filter(action="login_locked", object_key="lan").exists()


def test_lockout_counts_live_in_the_configured_cache():
    assert settings.AXES_CACHE == "axes"
    assert settings.CACHES["axes"]["BACKEND"] == settings.CACHES["default"]["BACKEND"]
    caches["axes"].set("probe", 1)
    assert caches["axes"].get("probe") == 1
