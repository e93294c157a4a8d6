"""A citizen's dossier in a real browser, on a phone: from the procedure page, submit online with
real PDF/PNG files, see the code, and later find the dossier by code and the last four digits;
answer a supplement request; and the kiosk's lookup with its on-screen keyboard. Every page is
also checked by axe-core (see conftest)."""

import os
import re
import uuid

import pytest
from playwright.sync_api import expect

from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from tests.browser.axe import assert_accessible
from tests.conftest import ARTIFACTS
from tests.dossiers.conftest import APPLICANT, make_procedure, pdf_bytes, png_bytes, upload
from tests.factories import staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
NARROW = {"width": 360, "height": 740}
CODE = re.compile(r"^000\.00\.10\.H34-\d{6}-\d{4}$")


@pytest.fixture(autouse=True)
def isolated(settings, tmp_path):
    """Uploads in a folder of the test's own; rate-limit counts in a cache of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"citizen-browser-{uuid.uuid4().hex}",
        },
    }


@pytest.fixture
def procedure(center):
    return make_procedure(
        center,
        code="9.000001",
        channels=("1", "2", "3"),
        documents=[
            ("Đơn đề nghị cấp giấy phép (theo mẫu)", "1", "0"),
            ("Sơ đồ vị trí nhà yến", "0", "1"),
        ],
    )


def _shot(page, name: str) -> None:
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, name), full_page=True)


def _file(name: str, content: bytes, mime: str) -> dict:
    return {"name": name, "mimeType": mime, "buffer": content}


def _attach(page, procedure) -> None:
    first, second = procedure.current_version.document_cases.first().documents.all()
    page.set_input_files(
        f"#f-doc-{first.pk}", _file("don-de-nghi.pdf", pdf_bytes("don"), "application/pdf")
    )
    page.set_input_files(f"#f-doc-{second.pk}", _file("so-do.png", png_bytes(), "image/png"))


def test_citizen_submits_online_on_a_phone_and_later_finds_the_dossier(
    page, browser, live_server_url, center, procedure
):
    page.set_viewport_size(PHONE)
    page.goto(f"/procedures/{procedure.code}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("nuôi chim yến")
    _shot(page, "dossier-procedure-page-phone.png")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()

    expect(page).to_have_url(
        re.compile(rf"/procedures/{procedure.code}/submit/\?center=hanh-phuc$")
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Nộp hồ sơ trực tuyến")
    expect(page.get_by_label("Trung tâm tiếp nhận", exact=True)).to_have_value("hanh-phuc")
    page.get_by_label("Họ và tên (hoặc tên tổ chức)").fill(APPLICANT["name"])
    page.get_by_label("Số CCCD (hoặc mã số doanh nghiệp)").fill(APPLICANT["id_number"])
    page.get_by_label("Ngày sinh", exact=True).fill(APPLICANT["birth_date"])
    page.get_by_label("Giới tính", exact=True).select_option("female")
    page.get_by_label("Địa chỉ", exact=True).fill(APPLICANT["address"])
    page.get_by_label("Số điện thoại", exact=True).fill("0912 345")  # a digit short
    page.get_by_label("Thư điện tử", exact=True).fill(APPLICANT["email"])
    _attach(page, procedure)
    page.get_by_label(re.compile("Tôi đồng ý")).check()
    assert_accessible(page)
    _shot(page, "dossier-submit-phone.png")
    # The narrowest common phone: nothing sticks out sideways.
    page.set_viewport_size(NARROW)
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    _shot(page, "dossier-submit-360.png")
    page.set_viewport_size(PHONE)
    page.get_by_role("button", name="Nộp hồ sơ").click()

    # Refused: the message, the field, what was typed kept, the files to choose again.
    expect(page.get_by_role("alert")).to_contain_text("Hồ sơ chưa gửi được")
    expect(page.get_by_role("alert")).to_contain_text("chọn lại tệp")
    expect(page.locator("#e-phone")).to_contain_text("Số điện thoại không hợp lệ")
    expect(page.get_by_label("Họ và tên (hoặc tên tổ chức)")).to_have_value(APPLICANT["name"])
    assert not Dossier.objects.exists()
    assert_accessible(page)
    _shot(page, "dossier-submit-error-phone.png")

    page.get_by_label("Số điện thoại", exact=True).fill(APPLICANT["phone"])
    _attach(page, procedure)
    page.get_by_role("button", name="Nộp hồ sơ").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Đã nộp hồ sơ trực tuyến")
    code = page.get_by_test_id("dossier-code").inner_text().strip()
    assert CODE.match(code), code
    expect(page.get_by_test_id("dossier-status")).to_have_text("Mới đăng ký (chờ kiểm tra)")
    expect(page.get_by_role("button", name="Chép mã")).to_be_visible()
    expect(page.locator(".confirm")).to_contain_text("4 số cuối của số CCCD hoặc số điện thoại")
    dossier = Dossier.objects.get(code=code)
    assert (dossier.status, dossier.channel, dossier.files.count()) == (1, 2, 2)
    assert_accessible(page)
    _shot(page, "dossier-submitted-phone.png")
    # Nothing on the page overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Later, in another browser: the lookup by code and the phone's last four digits.
    context = browser.new_context(base_url=live_server_url, locale="vi-VN", viewport=PHONE)
    try:
        later = context.new_page()
        later.goto("/")
        later.get_by_role("link", name="Tra cứu hồ sơ").click()
        expect(later).to_have_url(re.compile(r"/dossiers/track/$"))
        later.get_by_label("Mã hồ sơ").fill(code)
        later.get_by_label("4 số cuối của số CCCD hoặc số điện thoại").fill("1234")
        later.get_by_role("button", name="Tra cứu").click()
        expect(later.get_by_test_id("lookup-error")).to_contain_text("Không tìm thấy hồ sơ")
        assert_accessible(later)

        later.get_by_label("4 số cuối của số CCCD hoặc số điện thoại").fill("5678")
        later.get_by_role("button", name="Tra cứu").click()
        expect(later.get_by_test_id("dossier-status")).to_have_text("Mới đăng ký (chờ kiểm tra)")
        result = later.get_by_test_id("dossier-result")
        expect(result).to_contain_text(code)
        expect(result).to_contain_text(center.name)
        expect(result).to_contain_text("Đăng ký trực tuyến")
        expect(result).not_to_contain_text(APPLICANT["name"])
        assert_accessible(later)
        _shot(later, "dossier-track-phone.png")
        assert later.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def test_citizen_answers_a_supplement_request_online(page, center, procedure):
    first, second = procedure.current_version.document_cases.first().documents.all()
    dossier = services.dossier_submit_online(
        center=center,
        procedure_code=procedure.code,
        applicant=APPLICANT,
        uploads=[services.Upload(upload("don.pdf", pdf_bytes()), first.pk)],
    )
    receptionist = staff("receptionist", center, username="tiepnhan")
    services.dossier_decide(
        actor=receptionist,
        dossier=dossier,
        decision=services.Decision("supplement", note="Sơ đồ cần ghi rõ kích thước."),
    )

    page.set_viewport_size(PHONE)
    page.goto("/dossiers/track/")
    page.get_by_label("Mã hồ sơ").fill(dossier.code)
    page.get_by_label("4 số cuối của số CCCD hoặc số điện thoại").fill("2345")
    page.get_by_role("button", name="Tra cứu").click()

    expect(page.get_by_test_id("dossier-status")).to_have_text("Yêu cầu bổ sung")
    expect(page.locator(".supplement")).to_contain_text(second.name)
    expect(page.get_by_role("heading", name="Nộp bổ sung trực tuyến")).to_be_visible()
    page.set_input_files(
        f"#s-doc-{dossier.documents.get(received=False).pk}",
        _file("so-do-moi.png", png_bytes(), "image/png"),
    )
    page.get_by_label("Ghi chú cho cán bộ (nếu có)").fill("Đã ghi kích thước trên sơ đồ.")
    assert_accessible(page)
    _shot(page, "dossier-supplement-phone.png")
    page.get_by_role("button", name="Nộp bổ sung").click()

    expect(page.locator(".messages")).to_contain_text(f"Đã nộp bổ sung cho hồ sơ {dossier.code}")
    expect(page.get_by_test_id("dossier-status")).to_have_text("Mới đăng ký (chờ kiểm tra)")
    expect(page.locator(".timeline")).to_contain_text("Công dân nộp bổ sung")
    dossier.refresh_from_db()
    assert dossier.status == 1 and dossier.files.count() == 2
    assert_accessible(page)
    _shot(page, "dossier-supplement-done-phone.png")


def _tap(page, keys: str) -> None:
    for key in keys:
        page.locator(f".osk__key[data-key='{key}']").click()


def test_kiosk_lookup_with_the_on_screen_keyboard(page, center, procedure):
    first = procedure.current_version.document_cases.first().documents.first()
    dossier = services.dossier_submit_online(
        center=center,
        procedure_code=procedure.code,
        applicant=APPLICANT,
        uploads=[services.Upload(upload("don.pdf", pdf_bytes()), first.pk)],
    )
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.clock.install()
    page.goto("/kiosk/hanh-phuc/track/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tra cứu hồ sơ")
    assert_accessible(page)

    # The center's unit code is one key; then the date and the number.
    page.locator(".osk__key--prefix").click()
    _tap(page, dossier.code.removeprefix(f"{center.unit_code}-"))
    _tap(page, "9")
    page.locator(".osk__key[data-key='backspace']").click()
    expect(page.locator("#kiosk-q")).to_have_value(dossier.code)
    page.get_by_label("4 số cuối CCCD hoặc điện thoại").click()
    _tap(page, "56789")  # the field takes four digits
    expect(page.locator("#kiosk-secret")).to_have_value("5678")
    _shot(page, "dossier-kiosk-keyboard-1920x1080.png")
    page.get_by_role("button", name="Tra cứu", exact=True).click()

    expect(page.get_by_test_id("dossier-status")).to_have_text("Mới đăng ký (chờ kiểm tra)")
    expect(page.locator(".kiosk-result__qr svg")).to_be_visible()
    assert_accessible(page)
    _shot(page, "dossier-kiosk-result-1920x1080.png")

    # Left alone, the screen forgets the dossier for the next citizen.
    page.clock.fast_forward("01:01")
    expect(page).to_have_url(re.compile(r"/kiosk/hanh-phuc/track/$"))
    expect(page.get_by_test_id("dossier-status")).to_have_count(0)
    expect(page.locator("#kiosk-q")).to_have_value("")

    # A half-typed code is cleared too.
    _tap(page, "000")
    page.clock.fast_forward("01:31")
    expect(page.locator("#kiosk-q")).to_have_value("")


def test_choosing_the_case_reloads_its_documents_and_keeps_the_center(page, center, other_center):
    from motcua.catalog.models import Procedure
    from motcua.catalog.services import center_procedure_set, procedure_import
    from tests.catalog.conftest import national_record

    record = national_record("9.000020", name="Đăng ký hoạt động tín ngưỡng", channels=("1", "2"))
    record["THANHPHANHOSO"] = [
        {"TRUONGHOP": "", "GIAYTO": [{"TENGIAYTO": "Văn bản đăng ký", "SOBANCHINH": "1"}]},
        {
            "TRUONGHOP": "Cơ sở đã có người đại diện",
            "GIAYTO": [{"TENGIAYTO": "Danh sách người đại diện", "SOBANCHINH": "1"}],
        },
        {
            "TRUONGHOP": "Cơ sở chưa có người đại diện",
            "GIAYTO": [{"TENGIAYTO": "Biên bản họp cộng đồng dân cư", "SOBANCHINH": "1"}],
        },
    ]
    assert procedure_import(actor=None, records=[record]).ok
    procedure = Procedure.objects.get(code="9.000020")
    center_procedure_set(actor=None, center=center, procedure=procedure)
    center_procedure_set(actor=None, center=other_center, procedure=procedure)

    page.set_viewport_size(PHONE)
    page.goto(f"/procedures/{procedure.code}/submit/?center={center.code}")
    uploads = page.locator(".upload-list label")
    expect(uploads).to_have_text(["Văn bản đăng ký", "Danh sách người đại diện"])
    page.get_by_label("Trung tâm tiếp nhận", exact=True).select_option(other_center.code)
    page.get_by_label("Cơ sở chưa có người đại diện").check()
    page.get_by_role("button", name="Xem giấy tờ của trường hợp này").click()

    expect(uploads).to_have_text(["Văn bản đăng ký", "Biên bản họp cộng đồng dân cư"])
    expect(page.get_by_label("Trung tâm tiếp nhận", exact=True)).to_have_value(other_center.code)
    expect(page.get_by_label("Cơ sở chưa có người đại diện")).to_be_checked()
    # An organisation has no date of birth or gender.
    expect(page.get_by_label("Ngày sinh", exact=True)).to_be_visible()
    page.get_by_label("Tổ chức", exact=True).check()
    expect(page.get_by_label("Ngày sinh", exact=True)).to_be_hidden()
    assert_accessible(page)
    _shot(page, "dossier-submit-cases-phone.png")
