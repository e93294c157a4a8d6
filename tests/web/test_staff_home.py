"""The staff home page /staff/: only the centers and roles of the person logged in."""

import pytest

from tests.factories import PASSWORD, UserFactory, staff

pytestmark = pytest.mark.django_db

A_NAME = "Trung tâm Phục vụ hành chính công xã Hạnh Phúc"
B_NAME = "Trung tâm Phục vụ hành chính công phường Nam Cường"


def test_anonymous_is_sent_to_the_login_page(client, center):
    response = client.get("/staff/")

    assert response.status_code == 302
    assert response["Location"] == "/staff/login/?next=/staff/"


def test_login_page_renders_in_vietnamese(client, db):
    response = client.get("/staff/login/?next=/staff/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Cán bộ đăng nhập" in html
    assert 'name="next" value="/staff/"' in html


def test_staff_of_a_sees_a_and_not_b(client, center, other_center):
    user = staff("receptionist", center=center, first_name="Lan", last_name="Nguyễn Thị")
    client.force_login(user)

    response = client.get("/staff/")

    assert response.status_code == 200
    html = response.content.decode()
    assert A_NAME in html
    assert center.unit_code in html
    assert B_NAME not in html
    assert other_center.unit_code not in html
    assert "Xin chào, Nguyễn Thị Lan" in html
    assert 'data-role="receptionist"' in html
    assert 'data-role="center_admin"' not in html


def test_staff_of_b_sees_b_and_not_a(client, center, other_center):
    client.force_login(staff("leader", center=other_center))

    html = client.get("/staff/").content.decode()

    assert B_NAME in html
    assert A_NAME not in html


def test_province_admin_sees_both_centers(client, center, other_center, province):
    client.force_login(staff("province_admin", province=province))

    html = client.get("/staff/").content.decode()

    assert A_NAME in html
    assert B_NAME in html


def test_user_without_role_is_told_so_and_sees_no_center(client, center):
    client.force_login(UserFactory())

    html = client.get("/staff/").content.decode()

    assert "chưa được giao vai trò" in html
    assert A_NAME not in html


def test_login_with_password_then_home(client, center, other_center):
    staff("receptionist", center=center, username="lan")

    response = client.post(
        "/staff/login/", {"username": "lan", "password": PASSWORD, "next": "/staff/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    html = client.get("/staff/").content.decode()
    assert A_NAME in html
    assert B_NAME not in html


def test_wrong_password_stays_on_the_login_page(client, center):
    staff("receptionist", center=center, username="lan")

    response = client.post("/staff/login/", {"username": "lan", "password": "sai"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
