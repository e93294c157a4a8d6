"""GET /api/v1/centers and /api/v1/centers/{code}: the public list of active centers."""

import pytest

from motcua.organization.models import Province
from tests.factories import CenterFactory

pytestmark = pytest.mark.django_db


def test_list_shows_active_centers_with_their_codes_and_province_code(client, center, other_center):
    CenterFactory(
        province=center.province, code="da-dong-cua", unit_code="000.00.99.H34", is_active=False
    )

    response = client.get("/api/v1/centers")

    assert response.status_code == 200
    rows = {row["code"]: row for row in response.json()}
    assert set(rows) == {"hanh-phuc", "nam-cuong"}
    assert rows["hanh-phuc"] == {
        "code": "hanh-phuc",
        "name": "Trung tâm Phục vụ hành chính công xã Hạnh Phúc",
        "unit_code": "000.00.10.H34",
        "province": "khanh-hoa",
        "address": "1 Đường Lê Lợi",
        "time_zone": "Asia/Ho_Chi_Minh",
    }
    assert rows["nam-cuong"]["unit_code"] == "000.00.11.H34"


def test_list_answers_in_readable_utf8(client, center):
    response = client.get("/api/v1/centers")

    assert "Hạnh Phúc".encode() in response.content
    assert b"\\u" not in response.content


def test_province_is_given_by_code_not_name(client, db):
    other = Province.objects.create(code="lam-dong", name="Tỉnh Lâm Đồng")
    CenterFactory(province=other, code="da-lat", unit_code="000.00.20.H42")

    (row,) = client.get("/api/v1/centers").json()

    assert row["province"] == "lam-dong"


def test_list_needs_no_login(client, center):
    response = client.get("/api/v1/centers")

    assert response.status_code == 200
    assert len(response.json()) == 1


def test_detail_of_a_center(client, center, other_center):
    response = client.get("/api/v1/centers/nam-cuong")

    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "nam-cuong"
    assert body["name"] == "Trung tâm Phục vụ hành chính công phường Nam Cường"
    assert body["province"] == "khanh-hoa"


def test_detail_of_an_unknown_center_is_a_404_with_a_code(client, center):
    response = client.get("/api/v1/centers/khong-co")

    assert response.status_code == 404
    assert response.json() == {
        "code": "unknown_center",
        "message": "Không có trung tâm mã “khong-co”.",
    }


def test_detail_of_an_inactive_center_is_a_404(client, center):
    CenterFactory(
        province=center.province, code="da-dong-cua", unit_code="000.00.99.H34", is_active=False
    )

    response = client.get("/api/v1/centers/da-dong-cua")

    assert response.status_code == 404
    assert response.json()["code"] == "unknown_center"


def test_unknown_center_message_in_english(client, center):
    response = client.get("/api/v1/centers/khong-co", headers={"Accept-Language": "en"})

    assert response.status_code == 404
    assert response.json()["message"] == "There is no center with code “khong-co”."
