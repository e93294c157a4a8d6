"""The public catalog pages and the kiosk lookup screen, through Django's test client."""

from __future__ import annotations

import re
from datetime import datetime, time

import pytest
import time_machine

from motcua.catalog.models import Procedure
from motcua.catalog.services import center_procedure_set
from motcua.organization.services import working_periods_set
from tests.factories import CenterFactory, staff

pytestmark = pytest.mark.django_db

PORTAL = "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html"
FROZEN = datetime.fromisoformat("2026-02-13T10:00:00+07:00")  # Friday before Tết
URL_ATTRIBUTE = re.compile(r"""\b(?:src|href|action)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


@pytest.fixture(scope="module", autouse=True)
def _demo(demo_catalog_module):
    return demo_catalog_module


def _handled_by(center, *codes):
    for code in codes:
        center_procedure_set(actor=None, center=center, procedure=Procedure.objects.get(code=code))


def _text(response) -> str:
    return response.content.decode()


def _external_urls(html: str) -> list[str]:
    return [
        url
        for url in URL_ATTRIBUTE.findall(html)
        if re.match(r"^(?:[a-z][a-z0-9+.-]*:|//)", url, re.IGNORECASE)
        and not url.startswith(("#", "data:"))
    ]


# --- Public list --------------------------------------------------------------------------


def test_list_page_shows_the_fields(client):
    response = client.get("/procedures/")

    assert response.status_code == 200
    html = _text(response)
    assert "Theo lĩnh vực" in html
    assert re.search(r'href="\?field=ho-tich".*?Hộ tịch.*?37 thủ tục', html, re.S)
    assert 'href="?field=chung-thuc"' in html
    assert "proc-list" not in html  # nothing searched yet


def test_list_page_finds_a_procedure_typed_without_diacritics(client):
    response = client.get("/procedures/", {"q": "chung thuc ban sao"})

    html = _text(response)
    assert "Kết quả cho “chung thuc ban sao”" in html
    links = re.findall(r'class="proc-row__link" href="([^"]+)"', html)
    assert links[0] == "/procedures/2.000815/"
    assert "Chứng thực bản sao từ bản chính" in html


def test_list_page_by_field_and_with_a_center(client, center):
    _handled_by(center, "1.001193")

    by_field = _text(client.get("/procedures/", {"field": "chung-thuc"}))
    at_center = _text(client.get("/procedures/", {"q": "khai sinh", "center": "hanh-phuc"}))

    assert len(re.findall(r'class="proc-row"', by_field)) == 8
    assert "Bỏ lọc lĩnh vực" in by_field
    assert re.findall(r'class="proc-row__link" href="([^"]+)"', at_center) == [
        "/procedures/1.001193/?center=hanh-phuc"
    ]


def test_list_page_escapes_the_query(client):
    html = _text(client.get("/procedures/", {"q": '<script>alert("x")</script>'}))

    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html


def test_list_page_says_when_nothing_is_found(client):
    html = _text(client.get("/procedures/", {"q": "xyzxyz"}))

    assert "Không tìm thấy thủ tục phù hợp" in html


# --- Procedure page ----------------------------------------------------------------------


def test_procedure_page_shows_documents_fees_and_portal_qr(client):
    response = client.get("/procedures/2.000815/")

    assert response.status_code == 200
    html = _text(response)
    assert "<h1>Chứng thực bản sao từ bản chính giấy tờ" in html
    assert "Thành phần hồ sơ" in html
    assert "Bản chính giấy tờ, văn bản làm cơ sở để chứng thực bản sao" in html
    assert "2.000 đ" in html  # the fee, with the Vietnamese thousands separator
    assert "1 ngày làm việc" in html
    assert "Bản sao được chứng thực từ bản chính" in html  # the result
    assert "Nghị định 23/2015/NĐ-CP" in html  # legal basis
    assert re.search(r'<div class="qr"[^>]*>\s*<svg\b', html)
    assert f'href="{PORTAL}?ma_thu_tuc=2.000815"' in html


def test_procedure_page_asks_nothing_of_other_servers(client, center):
    _handled_by(center, "2.000815")

    html = _text(client.get("/procedures/2.000815/"))

    assert not re.search(r"<script[^>]+src=[\"']?(?:https?:)?//", html, re.I)
    assert not re.search(r"<link[^>]+href=[\"']?(?:https?:)?//", html, re.I)
    assert _external_urls(html) == [f"{PORTAL}?ma_thu_tuc=2.000815"]


def test_procedure_page_gives_the_due_date_for_the_chosen_center(client, center, other_center):
    _handled_by(center, "1.004873")
    _handled_by(other_center, "1.004873")
    # Nam Cường also works Saturday mornings.
    weekdays = [((time(7, 30), time(11, 30)), (time(13, 30), time(17, 30)))] * 5
    working_periods_set(
        actor=staff("center_admin", center=other_center),
        center=other_center,
        week=[*weekdays, ((time(7, 30), time(11, 30)),), ()],
    )

    with time_machine.travel(FROZEN, tick=False):
        hanh_phuc = _text(client.get("/procedures/1.004873/", {"center": "hanh-phuc"}))
        nam_cuong = _text(client.get("/procedures/1.004873/", {"center": "nam-cuong"}))

    # 3 working days from Fri 13 Feb 10:00 with Tết off Mon 16 – Fri 20.
    assert (
        f"Nộp hồ sơ đầy đủ ngay bây giờ tại {center.name}: hẹn trả kết quả lúc "
        "<strong>10:00 ngày 25/02/2026</strong>."
    ) in hanh_phuc
    # Saturdays 14 and 21 February count half a day each there.
    assert (
        f"tại {other_center.name}: hẹn trả kết quả lúc <strong>10:00 ngày 24/02/2026</strong>"
    ) in nam_cuong
    # Both centers can be chosen, the asked one selected.
    assert '<option value="nam-cuong" selected>' in nam_cuong


def test_procedure_page_unknown_code_is_404(client):
    assert client.get("/procedures/9.999999/").status_code == 404
    assert client.get("/procedures/khong-co/").status_code == 404


# --- Kiosk -------------------------------------------------------------------------------


def test_kiosk_lookup_start_screen(client, center):
    _handled_by(center, "1.001193", "2.000815")

    response = client.get("/kiosk/hanh-phuc/lookup/")

    assert response.status_code == 200
    html = _text(response)
    assert html.lstrip().startswith("<!doctype html>")
    assert 'data-idle-seconds="90"' in html
    assert 'data-home-url="/kiosk/hanh-phuc/lookup/"' in html
    assert 'class="osk__key" data-key="k"' in html and 'data-key="space"' in html
    # Tiles for the fields of the procedures this center handles, and only those.
    tiles = re.findall(r'href="/kiosk/hanh-phuc/lookup/\?field=([\w-]+)"', html)
    assert sorted(tiles) == ["chung-thuc", "ho-tich"]
    assert _external_urls(html) == []


def test_kiosk_htmx_request_returns_only_the_results(client, center):
    _handled_by(center, "1.001193", "1.000656", "2.000815")

    response = client.get(
        "/kiosk/hanh-phuc/lookup/", {"q": "khai sinh"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    html = _text(response)
    assert "<html" not in html and "<body" not in html and "osk__key" not in html
    links = re.findall(r'class="kiosk-item" href="([^"]+)"', html)
    assert links[0] == "/kiosk/hanh-phuc/lookup/1.001193/"
    assert "/kiosk/hanh-phuc/lookup/2.000815/" not in links


def test_kiosk_full_page_with_a_query_has_the_results_inside(client, center):
    _handled_by(center, "1.001193")

    html = _text(client.get("/kiosk/hanh-phuc/lookup/", {"q": "khai sinh"}))

    assert "<html" in html
    assert re.search(r'id="kiosk-results"[^>]*>.*?/kiosk/hanh-phuc/lookup/1\.001193/', html, re.S)
    assert 'value="khai sinh"' in html


def test_kiosk_only_finds_what_its_center_handles(client, center, other_center):
    _handled_by(other_center, "1.001193")

    html = _text(
        client.get("/kiosk/hanh-phuc/lookup/", {"q": "khai sinh"}, headers={"HX-Request": "true"})
    )

    assert "Không tìm thấy thủ tục" in html


def test_kiosk_field_tile_lists_that_fields_procedures(client, center):
    _handled_by(center, "1.001193", "1.000656", "2.000815")

    html = _text(client.get("/kiosk/hanh-phuc/lookup/", {"field": "ho-tich"}))

    links = re.findall(r'class="kiosk-item" href="([^"]+)"', html)
    assert sorted(links) == [
        "/kiosk/hanh-phuc/lookup/1.000656/",
        "/kiosk/hanh-phuc/lookup/1.001193/",
    ]


def test_kiosk_procedure_page(client, center):
    _handled_by(center, "1.004873")

    with time_machine.travel(FROZEN, tick=False):
        response = client.get("/kiosk/hanh-phuc/lookup/1.004873/")

    assert response.status_code == 200
    html = _text(response)
    assert "Thành phần hồ sơ" in html
    assert "hẹn trả kết quả lúc <strong>10:00 ngày 25/02/2026</strong>" in html
    assert re.search(r"<svg\b", html)
    # A kiosk shows no link out of the kiosk: the portal is reached by scanning the QR code.
    assert _external_urls(html) == []


@pytest.mark.parametrize(
    "url",
    [
        "/kiosk/khong-co/lookup/",
        "/kiosk/khong-co/lookup/1.001193/",
        "/kiosk/hanh-phuc/lookup/9.999999/",
    ],
)
def test_kiosk_unknown_center_or_procedure_is_404(client, center, url):
    assert client.get(url).status_code == 404


def test_kiosk_of_an_inactive_center_is_404(client, province):
    CenterFactory(province=province, code="da-dong", is_active=False)

    assert client.get("/kiosk/da-dong/lookup/").status_code == 404


def test_kiosk_procedure_page_stays_at_its_own_center(client, center, other_center):
    _handled_by(other_center, "1.004873")
    _handled_by(center, "1.004873")

    with time_machine.travel(FROZEN, tick=False):
        html = _text(client.get("/kiosk/hanh-phuc/lookup/1.004873/"))

    assert 'data-home-url="/kiosk/hanh-phuc/lookup/"' in html
    assert "/kiosk/nam-cuong/" not in html
    assert f"ngay bây giờ tại {center.name}" in html


def test_kiosk_field_tile_reaches_every_procedure_of_the_field(client, center):
    codes = list(Procedure.objects.values_list("code", flat=True))
    _handled_by(center, *codes)
    ho_tich = set(Procedure.objects.filter(fields__code="ho-tich").values_list("code", flat=True))
    assert len(ho_tich) == 37

    seen: set[str] = set()
    url, params = "/kiosk/hanh-phuc/lookup/", {"field": "ho-tich"}
    for _page in range(5):  # follow “next page” links, if there are any
        html = _text(client.get(url, params))
        seen |= set(
            re.findall(r'class="kiosk-item" href="/kiosk/hanh-phuc/lookup/([^/"]+)/"', html)
        )
        more = re.search(r'href="(/kiosk/hanh-phuc/lookup/\?[^"]*page=\d+[^"]*)"', html)
        if not more:
            break
        url, params = more.group(1).replace("&amp;", "&"), None

    assert seen == ho_tich
