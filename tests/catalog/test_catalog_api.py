"""The public catalog API: fields, the procedure list and search, one procedure in full."""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime

import pytest
import time_machine

from motcua.catalog.models import Procedure
from motcua.catalog.services import center_procedure_set
from tests.catalog.conftest import DEMO_COUNT, demo_records

pytestmark = pytest.mark.django_db

FIELDS = "/api/v1/fields"
PROCEDURES = "/api/v1/procedures"


@pytest.fixture(scope="module", autouse=True)
def _demo(demo_catalog_module):
    return demo_catalog_module


def _field_counts() -> Counter:
    return Counter(f["MALINHVUC"] for r in demo_records() for f in r["LINHVUCTHUCHIEN"])


def _handled_by(center, *codes, is_active=True):
    for code in codes:
        center_procedure_set(
            actor=None,
            center=center,
            procedure=Procedure.objects.get(code=code),
            is_active=is_active,
        )


# --- Fields -------------------------------------------------------------------------------


def test_fields_with_their_procedure_counts(client):
    response = client.get(FIELDS)

    assert response.status_code == 200
    body = response.json()
    assert {f["code"]: f["procedure_count"] for f in body} == dict(_field_counts())
    assert sum(f["procedure_count"] for f in body) == DEMO_COUNT
    ho_tich = next(f for f in body if f["code"] == "ho-tich")
    assert ho_tich == {"code": "ho-tich", "name": "Hộ tịch", "procedure_count": 37}


def test_a_field_without_active_procedures_is_not_listed(client):
    Procedure.objects.filter(fields__code="kinh-doanh-khi").update(is_active=False)

    codes = [f["code"] for f in client.get(FIELDS).json()]

    assert "kinh-doanh-khi" not in codes and "ho-tich" in codes


def test_fields_are_in_vietnamese_alphabetical_order(client):
    names = [f["name"] for f in client.get(FIELDS).json()]

    assert names.index("Đất đai") < names.index("Giảm nghèo")


# --- Listing ------------------------------------------------------------------------------


def _all_pages(client, **params) -> list[dict]:
    first = client.get(PROCEDURES, params).json()
    items = list(first["items"])
    for page in range(2, first["pages"] + 1):
        items += client.get(PROCEDURES, {**params, "page": page}).json()["items"]
    return items


def test_no_query_lists_a_page_of_20_by_name(client):
    response = client.get(PROCEDURES)

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["pages"]) == (
        DEMO_COUNT,
        1,
        math.ceil(DEMO_COUNT / 20),
    )
    assert len(body["items"]) == 20
    expected = list(
        Procedure.objects.order_by("search_name", "code").values_list("code", flat=True)[:20]
    )
    assert [i["code"] for i in body["items"]] == expected
    for item in body["items"]:
        assert item["score"] is None


def test_page_2_and_the_last_page(client):
    ordered = list(Procedure.objects.order_by("search_name", "code").values_list("code", flat=True))

    second = client.get(PROCEDURES, {"page": 2}).json()
    last = client.get(PROCEDURES, {"page": 5}).json()
    beyond = client.get(PROCEDURES, {"page": 6}).json()

    assert second["page"] == 2 and [i["code"] for i in second["items"]] == ordered[20:40]
    assert [i["code"] for i in last["items"]] == ordered[80:]
    assert beyond["items"] == [] and beyond["count"] == DEMO_COUNT
    assert len(_all_pages(client)) == DEMO_COUNT


def test_the_list_is_in_vietnamese_alphabetical_order(client):
    names = [i["name"] for i in _all_pages(client)]
    first_d_stroke = next(n for n in names if n.startswith("Đ"))

    assert names.index(first_d_stroke) < names.index(next(n for n in names if n.startswith("G")))


def test_an_item_has_code_name_field_time_fees_and_online_level(client):
    items = {i["code"]: i for i in _all_pages(client)}

    item = items["2.000815"]
    assert item["name"].startswith("Chứng thực bản sao từ bản chính")
    assert item["field"] == {"code": "chung-thuc", "name": "Chứng thực"}
    assert item["fields"] == [{"code": "chung-thuc", "name": "Chứng thực"}]
    assert item["processing_time"]["value"] == 1
    assert item["processing_time"]["unit"] == "working_days"
    assert [(f["kind"], f["amount_vnd"]) for f in item["fees"]] == [("fee", 2000), ("fee", None)]
    assert item["online_level"] == "none"
    khai_sinh = items["1.001193"]
    assert khai_sinh["online_level"] == "partial"
    # The in-person channel's fee only, not one per channel.
    assert [(f["kind"], f["amount_vnd"]) for f in khai_sinh["fees"]] == [("fee", 0)]
    ket_hon = items["1.000894"]
    assert (ket_hon["processing_time"]["value"], ket_hon["processing_time"]["unit"]) == (1, "days")


def test_search_ranks_and_scores(client):
    body = client.get(PROCEDURES, {"q": "chung thuc ban sao"}).json()

    assert body["items"][0]["code"] == "2.000815"
    scores = [i["score"] for i in body["items"]]
    assert all(s is not None for s in scores) and scores == sorted(scores, reverse=True)
    assert body["count"] >= len(body["items"])
    assert client.get(PROCEDURES, {"q": "xyzxyz"}).json() == {
        "items": [],
        "count": 0,
        "page": 1,
        "pages": 1,
    }


def test_search_page_2_continues_the_ranking(client):
    first = client.get(PROCEDURES, {"q": "dang ky"}).json()
    second = client.get(PROCEDURES, {"q": "dang ky", "page": 2}).json()

    assert first["count"] > 20 and second["count"] == first["count"]
    codes = [i["code"] for i in first["items"] + second["items"]]
    assert len(codes) == len(set(codes))
    assert first["items"][-1]["score"] >= second["items"][0]["score"]


def test_a_search_costs_a_few_queries_whatever_the_number_of_hits(
    client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(15):
        body = client.get(PROCEDURES, {"q": "dang ky"}).json()
    assert body["count"] > 40


def test_center_filter(client, center, other_center):
    _handled_by(center, "1.001193", "1.000656", "2.000815")
    _handled_by(center, "1.000894", is_active=False)
    _handled_by(other_center, "1.003583")

    body = client.get(PROCEDURES, {"center": "hanh-phuc"}).json()
    searched = client.get(PROCEDURES, {"center": "hanh-phuc", "q": "khai sinh"}).json()

    assert body["count"] == 3
    assert {i["code"] for i in body["items"]} == {"1.001193", "1.000656", "2.000815"}
    assert searched["items"][0]["code"] == "1.001193"
    assert {i["code"] for i in searched["items"]} <= {"1.001193", "1.000656", "2.000815"}


def test_field_and_online_filters(client):
    counts = _field_counts()
    online = sum(1 for r in demo_records() if r["MUCDODVC"])

    chung_thuc = client.get(PROCEDURES, {"field": "chung-thuc"}).json()
    online_only = client.get(PROCEDURES, {"online": "true"}).json()
    offline_only = client.get(PROCEDURES, {"online": "false"}).json()
    both = client.get(PROCEDURES, {"field": "chung-thuc", "online": "true"}).json()

    assert chung_thuc["count"] == counts["chung-thuc"] == 8
    assert all(i["field"]["code"] == "chung-thuc" for i in chung_thuc["items"])
    assert online_only["count"] == online
    assert offline_only["count"] == DEMO_COUNT - online
    assert all(i["online_level"] != "none" for i in _all_pages(client, online="true"))
    assert both["count"] == 4
    assert {i["code"] for i in both["items"]} == {"2.000913", "2.001016", "2.001035", "2.001406"}


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"center": "khong-co"}, 404, "unknown_center"),
        ({"field": "khong-co"}, 404, "unknown_field"),
        ({"page": 0}, 400, "invalid_page"),
        ({"page": -1}, 400, "invalid_page"),
        ({"page": "hai"}, 400, "invalid_input"),
        ({"q": "a" * 201}, 400, "invalid_query"),
        ({"online": "co"}, 400, "invalid_input"),
    ],
)
def test_bad_parameters(client, params, status, code):
    response = client.get(PROCEDURES, params)

    assert response.status_code == status
    body = response.json()
    assert body["code"] == code
    assert body["message"]


# --- One procedure --------------------------------------------------------------------------


def test_a_procedure_in_full(client):
    response = client.get(f"{PROCEDURES}/2.000815")

    assert response.status_code == 200
    body = response.json()
    assert body["code"] == body["base_code"] == "2.000815"
    assert body["version"] == 1 and body["level"] == "commune"
    assert body["fields"] == [{"code": "chung-thuc", "name": "Chứng thực"}]
    assert body["implementing_agency"].startswith("Ủy ban nhân dân cấp xã")
    (case,) = body["document_cases"]
    assert case["name"] == ""
    (document,) = case["documents"]
    assert document["name"].startswith("Bản chính giấy tờ, văn bản làm cơ sở")
    assert (document["originals"], document["copies"]) == (1, 0)
    (channel,) = body["channels"]
    assert (channel["channel"], channel["label"]) == (1, "Trực tiếp")
    assert channel["processing_time"]["value"] == 1
    assert [f["amount_vnd"] for f in channel["fees"]] == [2000, None]
    assert body["portal_url"] == (
        "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html"
        "?ma_thu_tuc=2.000815"
    )
    assert body["due_if_received_now"] is None
    assert body["centers"] == []
    assert body["legal_basis"][0]["number"] == "23/2015/NĐ-CP"
    assert body["legal_basis"][0]["title"].startswith("Nghị định 23/2015/NĐ-CP về cấp bản sao")
    assert len(body["legal_basis"]) == 6


def test_channels_and_copies_of_a_procedure_with_three_channels(client):
    body = client.get(f"{PROCEDURES}/2.000635").json()

    assert [c["channel"] for c in body["channels"]] == [1, 2, 3]
    assert [c["label"] for c in body["channels"]] == [
        "Trực tiếp",
        "Trực tuyến",
        "Bưu chính công ích",
    ]
    documents = body["document_cases"][0]["documents"]
    assert any((d["originals"], d["copies"]) == (1, 1) for d in documents)


def test_due_if_received_now_at_a_center(client, center):
    _handled_by(center, "1.004873")
    # Fri 13 Feb 2026 10:00 in Hanoi; 3 working days, Tết off Mon 16 – Fri 20.
    with time_machine.travel(datetime.fromisoformat("2026-02-13T10:00:00+07:00"), tick=False):
        body = client.get(f"{PROCEDURES}/1.004873", {"center": "hanh-phuc"}).json()

    assert body["due_if_received_now"] == "2026-02-25T10:00:00+07:00"
    assert body["centers"] == [{"code": "hanh-phuc", "name": center.name}]


def test_due_if_received_now_uses_the_channel_asked_for(client, center):
    with time_machine.travel(datetime.fromisoformat("2026-03-02T08:00:00+07:00"), tick=False):
        in_person = client.get(f"{PROCEDURES}/1.000894", {"center": "hanh-phuc"}).json()
        postal = client.get(f"{PROCEDURES}/1.000894", {"center": "hanh-phuc", "channel": 3}).json()
        # 2.000815 has no postal channel: the in-person time applies.
        fallback = client.get(
            f"{PROCEDURES}/2.000815", {"center": "hanh-phuc", "channel": 3}
        ).json()

    # One calendar day (Ngày) for kết hôn.
    assert in_person["due_if_received_now"] == "2026-03-03T08:00:00+07:00"
    assert postal["due_if_received_now"] == "2026-03-03T08:00:00+07:00"
    assert fallback["due_if_received_now"] == "2026-03-03T08:00:00+07:00"


def test_unknown_procedure_and_unknown_center(client):
    missing = client.get(f"{PROCEDURES}/9.999999")
    bad_center = client.get(f"{PROCEDURES}/2.000815", {"center": "khong-co"})

    assert missing.status_code == 404 and missing.json()["code"] == "unknown_procedure"
    assert "9.999999" in missing.json()["message"]
    assert bad_center.status_code == 404 and bad_center.json()["code"] == "unknown_center"


def test_the_api_needs_no_login_and_answers_in_readable_unicode(client):
    response = client.get(f"{PROCEDURES}/1.001193")

    assert response.status_code == 200
    assert "Thủ tục đăng ký khai sinh".encode() in response.content
