"""Forms 01, 02 and 03 as A5 PDFs: what they say (read back with pypdf), their yearly numbers,
the stored copy served as issued, and who may download them."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import unicodedata

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from motcua.dossiers import forms_pdf
from motcua.dossiers import services as s
from motcua.dossiers.models import FormRecord
from motcua.dossiers.selectors import rating_url, tracking_url
from motcua.organization.services import api_token_issue
from tests.conftest import ARTIFACTS
from tests.dossiers.conftest import APPLICANT, local, pdf_bytes, upload
from tests.factories import PASSWORD, staff

pytestmark = pytest.mark.django_db

A5 = (419.53, 595.28)  # points
NOW = local(2026, 11, 30, 9, 15)  # a Monday


def _docs(procedure):
    return list(procedure.current_version.document_cases.first().documents.all())


def receive(center, procedure, actor, decision="accept", *, at=NOW, missing=(), **kwargs):
    """A dossier received at the counter with everything ticked (accept), the second
    document missing (supplement) or with reasons (refuse)."""
    docs = _docs(procedure)
    if decision == "accept":
        ticks = [s.DocumentTick(doc.pk) for doc in docs]
        choice = s.Decision("accept")
    elif decision == "supplement":
        ticks = [s.DocumentTick(docs[0].pk), s.DocumentTick(docs[1].pk, received=False)]
        choice = s.Decision(
            "supplement", missing=list(missing), note="Bổ sung trong 10 ngày làm việc."
        )
    else:
        ticks = [s.DocumentTick(doc.pk) for doc in docs]
        choice = s.Decision(
            "refuse", reasons="Nhà yến nằm trong khu dân cư, không đủ điều kiện cấp phép."
        )
    return s.dossier_receive(
        actor=actor,
        center=center,
        procedure_code=procedure.code,
        channel=kwargs.pop("channel", "direct"),
        applicant=kwargs.pop("applicant", APPLICANT),
        documents=ticks,
        decision=choice,
        now=at,
        **kwargs,
    )


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return unicodedata.normalize("NFC", " ".join(text.split()))


def save_png(data: bytes, name: str) -> None:
    """Keep the PDF and, when poppler's pdftoppm is installed, a PNG of each page to look at."""
    folder = os.path.join(ARTIFACTS, "forms")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{name}.pdf")
    with open(path, "wb") as out:
        out.write(data)
    if shutil.which("pdftoppm"):
        subprocess.run(  # noqa: S603 - fixed arguments, a file we wrote
            ["pdftoppm", "-png", "-r", "110", path, path[:-4]],  # noqa: S607
            check=True,
            timeout=60,
        )


@pytest.fixture
def officer(center):
    return staff(
        "receptionist", center, username="tiepnhan", first_name="Minh", last_name="Trần Văn"
    )


# --- What the forms say --------------------------------------------------------------------


def test_receipt_slip_01_has_every_field(center, procedure, officer):
    center.address = "Trụ sở UBND xã Hạnh Phúc"
    center.phone = "0258 3800 101"
    center.save()
    dossier, record = receive(center, procedure, officer)
    assert record is not None and record.form == "01"
    assert not record.pdf, "rendered lazily, not in the intake transaction"

    data = forms_pdf.form_pdf(record)
    save_png(data, "form-01")
    text = text_of(data)
    for expected in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "ỦY BAN NHÂN DÂN XÃ HẠNH PHÚC",
        "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG",
        "Mẫu số 01",
        "000.00.10.H34",  # unit code
        "Số: 1/2026",
        "Hạnh Phúc, ngày 30 tháng 11 năm 2026",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        f"Mã hồ sơ: {dossier.code}",
        "Nguyễn Thị Lan",
        "001095012345",
        "Số 12, thôn Đông, xã Hạnh Phúc",
        "0912345678",
        "lan@example.com",
        "Thủ tục cấp giấy phép nuôi chim yến",
        procedure.code,
        "Đơn đề nghị cấp giấy phép",
        "Sơ đồ nhà yến",
        "3 ngày làm việc",
        "09 giờ 15 phút, ngày 30/11/2026",  # received
        "09 giờ 15 phút, ngày 03/12/2026",  # due: three working days later
        "Bộ phận một cửa – Trung tâm Phục vụ hành chính công xã Hạnh Phúc, Trụ sở UBND xã",
        "Lệ phí 8.000 đ",
        "Trần Văn Minh",  # the receiver
    ]:
        assert expected in text, expected
    # The link printed beside the QR code (it may wrap: compare without spaces).
    assert tracking_url(dossier) in "".join(text.split())
    assert len(PdfReader(io.BytesIO(data)).pages) == 1


def test_receipt_documents_list_originals_and_copies(center, procedure, officer):
    docs = _docs(procedure)
    dossier, record = s.dossier_receive(
        actor=officer,
        center=center,
        procedure_code=procedure.code,
        channel="direct",
        applicant=APPLICANT,
        documents=[s.DocumentTick(docs[0].pk, originals=2), s.DocumentTick(docs[1].pk, copies=3)],
        decision=s.Decision("accept"),
        now=NOW,
    )
    html = forms_pdf.form_html(record)
    assert '<td>Đơn đề nghị cấp giấy phép</td><td class="c">2</td><td class="c">0</td>' in html
    assert '<td>Sơ đồ nhà yến</td><td class="c">0</td><td class="c">3</td>' in html


def test_pages_are_a5_with_embedded_fonts(center, procedure, officer):
    _dossier, record = receive(center, procedure, officer)
    reader = PdfReader(io.BytesIO(forms_pdf.form_pdf(record)))
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - A5[0]) < 1 and abs(height - A5[1]) < 1
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][
                0
            ].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object()
            fonts.append(str(font["/BaseFont"]))
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font
    assert any("Noto-Serif" in name or "DejaVu-Serif" in name for name in fonts), fonts


def test_a_long_checklist_runs_on_over_several_a5_pages(center):
    """A real building-permit procedure with fourteen documents and an authorised
    representative: every document is listed, each page is A5 and names the dossier."""
    from motcua.catalog.models import Procedure
    from motcua.catalog.services import center_procedure_set, procedure_import
    from tests.catalog.conftest import demo_record

    procedure_import(actor=None, records=[demo_record("1.013226")])
    procedure = Procedure.objects.get(code="1.013226")
    center_procedure_set(actor=None, center=center, procedure=procedure)
    officer = staff("receptionist", center, username="tiepnhan")
    docs = [
        doc
        for case in procedure.current_version.document_cases.all()
        for doc in case.documents.all()
    ]
    dossier, record = s.dossier_receive(
        actor=officer,
        center=center,
        procedure_code=procedure.code,
        channel="direct",
        applicant={**APPLICANT, "representative_name": "Công ty TNHH Xây dựng Đông Á"},
        documents=[s.DocumentTick(doc.pk) for doc in docs],
        decision=s.Decision("accept"),
        now=NOW,
    )
    data = forms_pdf.form_pdf(record)
    save_png(data, "form-01-long")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) > 1
    for page in reader.pages:
        assert abs(float(page.mediabox.width) - A5[0]) < 1
    text = text_of(data)
    assert "Người được ủy quyền: Công ty TNHH Xây dựng Đông Á" in text
    assert f"mã hồ sơ {dossier.code}" in text  # the running footer of later pages
    assert f"Trang {len(reader.pages)}/{len(reader.pages)}" in text
    for number in range(1, len(docs) + 1):
        assert f" {number} " in text
    html = forms_pdf.form_html(record)
    assert html.count('<td class="n">') == len(docs) == 14


def test_supplement_form_02_lists_every_missing_item(center, procedure, officer):
    dossier, record = receive(
        center,
        procedure,
        officer,
        "supplement",
        missing=["Giấy ủy quyền có chứng thực", "Bản vẽ mặt bằng khu nuôi"],
    )
    assert record.form == "02"
    data = forms_pdf.form_pdf(record)
    save_png(data, "form-02")
    text = text_of(data)
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "Mẫu số 02" in text and "Số: 1/2026" in text
    assert dossier.code in text and "Nguyễn Thị Lan" in text
    assert "Thủ tục cấp giấy phép nuôi chim yến" in text
    # The unticked document and both written items, each once, and the officer's note.
    for item in record.content["items"]:
        assert item in text
    assert record.content["items"] == [
        "Sơ đồ nhà yến",
        "Giấy ủy quyền có chứng thực",
        "Bản vẽ mặt bằng khu nuôi",
    ]
    assert "1. Sơ đồ nhà yến" in text and "3. Bản vẽ mặt bằng khu nuôi" in text
    assert "Bổ sung trong 10 ngày làm việc." in text


def test_refusal_form_03_gives_the_reasons(center, procedure, officer):
    dossier, record = receive(center, procedure, officer, "refuse")
    assert record.form == "03"
    data = forms_pdf.form_pdf(record)
    save_png(data, "form-03")
    text = text_of(data)
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert "Mẫu số 03" in text and "Số: 1/2026" in text
    assert dossier.code in text and "Nguyễn Thị Lan" in text
    assert "Nhà yến nằm trong khu dân cư, không đủ điều kiện cấp phép." in text


def test_forms_are_vietnamese_whatever_the_screen_language(center, procedure, officer):
    _dossier, record = receive(center, procedure, officer)
    translation.activate("en")
    html = forms_pdf.form_html(record)
    assert 'lang="vi"' in html
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in html
    assert "ngày làm việc" in html


def test_online_dossier_accepted_later_shows_both_times(center, procedure, officer):
    docs = _docs(procedure)
    dossier = s.dossier_submit_online(
        center=center,
        procedure_code=procedure.code,
        applicant=APPLICANT,
        uploads=[s.Upload(upload(f"{n}.pdf", pdf_bytes()), doc.pk) for n, doc in enumerate(docs)],
        now=local(2026, 11, 28, 21, 5),  # Saturday night
    )
    dossier, record = s.dossier_decide(
        actor=officer, dossier=dossier, decision=s.Decision("accept"), now=NOW
    )
    text = text_of(forms_pdf.form_pdf(record))
    assert "21 giờ 05 phút, ngày 28/11/2026" in text
    assert "Tiếp nhận hồ sơ đầy đủ lúc: 09 giờ 15 phút, ngày 30/11/2026" in text
    assert "Bản điện tử (trực tuyến)" in text


def test_postal_result_is_collected_at_the_applicants_address(center, procedure, officer):
    _dossier, record = receive(center, procedure, officer, result_delivery="post")
    text = text_of(forms_pdf.form_pdf(record))
    assert "Qua dịch vụ bưu chính công ích, gửi đến địa chỉ: Số 12, thôn Đông" in text


def test_qr_code_encodes_the_signed_tracking_link(center, procedure, officer):
    import segno

    dossier, record = receive(center, procedure, officer)
    html = forms_pdf.form_html(record)
    expected = segno.make(tracking_url(dossier), error="m").svg_data_uri(
        scale=4, border=2, dark="#000"
    )
    # The data URL holds no "&" or quote, so escaping leaves it as it is.
    assert f'<img src="{expected}"' in html
    assert tracking_url(dossier) in html


@pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
    reason="needs poppler-utils and zbar-tools",
)
def test_the_printed_qr_code_scans_to_the_tracking_link(center, procedure, officer, tmp_path):
    dossier, record = receive(center, procedure, officer)
    path = tmp_path / "form.pdf"
    path.write_bytes(forms_pdf.form_pdf(record))
    subprocess.run(  # noqa: S603 - fixed arguments, a file we wrote
        ["pdftoppm", "-png", "-r", "200", str(path), str(tmp_path / "page")],  # noqa: S607
        check=True,
        timeout=60,
    )
    scanned = subprocess.run(  # noqa: S603
        ["zbarimg", "-q", "--raw", str(tmp_path / "page-1.png")],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Form 01 carries two codes: the tracking link, and the survey link for when the result
    # is out (the feedback app's page).
    assert set(scanned.stdout.split()) == {tracking_url(dossier), rating_url(dossier)}


def test_statutory_time_labels():
    assert forms_pdf.statutory_time({"value": "3.00", "unit": "working_days"}) == "3 ngày làm việc"
    assert forms_pdf.statutory_time({"value": "4", "unit": "working_hours"}) == "4 giờ làm việc"
    assert forms_pdf.statutory_time({"value": "0.5", "unit": "working_days"}) == (
        "0,5 ngày làm việc"
    )
    assert forms_pdf.statutory_time({"value": "15", "unit": "days"}) == "15 ngày"
    assert forms_pdf.statutory_time({"value": "0", "unit": "immediate"}) == "trong ngày"
    assert forms_pdf.statutory_time({}) == "chưa công bố"


def test_heading_of_a_center_with_another_name(center):
    center.name = "Bộ phận Một cửa huyện Đông Hưng"
    heading = forms_pdf.center_heading(center)
    assert heading.owner == "Tỉnh Khánh Hòa"
    assert heading.unit == "Bộ phận Một cửa huyện Đông Hưng"
    assert heading.place == "Khánh Hòa"
    center.name = "Trung tâm Phục vụ hành chính công phường Nam Cường"
    heading = forms_pdf.center_heading(center)
    assert heading.owner == "Ủy ban nhân dân phường Nam Cường"
    assert heading.place == "Nam Cường"


def test_renders_never_fetch_other_urls():
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    fetcher = forms_pdf._data_only_fetcher()
    for url in (
        "http://example.invalid/x.png",
        "https://example.invalid/a.css",
        "file:///etc/passwd",
    ):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher.fetch(url)
    with pytest.raises(FatalURLFetchingError):
        HTML(
            string='<img src="http://127.0.0.1:9/x.png">',
            url_fetcher=forms_pdf._data_only_fetcher(),
        ).write_pdf()
    # data: URLs (the QR code) are read.
    assert HTML(
        string='<img src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E">',
        url_fetcher=forms_pdf._data_only_fetcher(),
    ).write_pdf()


def test_markup_in_the_applicants_data_is_printed_as_text(center, procedure, officer):
    applicant = {**APPLICANT, "address": 'Thôn <img src="http://127.0.0.1:9/x.png"> Đông'}
    _dossier, record = receive(center, procedure, officer, applicant=applicant)
    text = text_of(forms_pdf.form_pdf(record))
    assert 'Thôn <img src="http://127.0.0.1:9/x.png"> Đông' in text


# --- Yearly numbers ------------------------------------------------------------------------


def test_numbers_are_yearly_and_per_form(center, procedure, officer):
    _d1, first = receive(center, procedure, officer, at=local(2026, 12, 30, 9))
    _d2, second = receive(center, procedure, officer, at=local(2026, 12, 30, 10))
    _d3, supplement = receive(center, procedure, officer, "supplement", at=local(2026, 12, 30, 11))
    # 23:30 on 31 December in the center's zone is still 2026 (16:30 UTC).
    _d4, late = receive(center, procedure, officer, at=local(2026, 12, 31, 23, 30))
    # 00:30 on 1 January in the center's zone is 2027 (still 31 December in UTC).
    _d5, new_year = receive(center, procedure, officer, at=local(2027, 1, 1, 0, 30))
    _d6, refusal = receive(center, procedure, officer, "refuse", at=local(2027, 1, 4, 9))
    assert [first.display_number, second.display_number, late.display_number] == [
        "1/2026",
        "2/2026",
        "3/2026",
    ]
    assert supplement.display_number == "1/2026"
    assert new_year.display_number == "1/2027"
    assert refusal.display_number == "1/2027"
    assert "Số: 1/2027" in text_of(forms_pdf.form_pdf(new_year))
    assert "ngày 01 tháng 01 năm 2027" in text_of(forms_pdf.form_pdf(new_year))


def test_numbers_are_per_center(center, other_center, procedure, officer):
    from motcua.catalog.services import center_procedure_set

    center_procedure_set(actor=None, center=other_center, procedure=procedure)
    other = staff("receptionist", other_center, username="khac")
    _d1, mine = receive(center, procedure, officer)
    _d2, theirs = receive(other_center, procedure, other)
    assert mine.display_number == theirs.display_number == "1/2026"


# --- Stored as issued ----------------------------------------------------------------------


def test_the_pdf_is_rendered_once_and_then_served_as_stored(
    center, procedure, officer, monkeypatch
):
    _dossier, record = receive(center, procedure, officer)
    first = forms_pdf.form_pdf(record)
    record.refresh_from_db()
    assert record.pdf.name.startswith("forms/2026/") and record.pdf.name.endswith(".pdf")
    assert record.pdf.storage.path(record.pdf.name).startswith(str(center_media_root()))

    # Later changes of the dossier do not change the issued document, and nothing is rendered.
    record.dossier.applicant_name = "Tên Khác"
    record.dossier.save()

    def no_render(_record):
        raise AssertionError("rendered again")

    monkeypatch.setattr(forms_pdf, "form_render", no_render)
    again = FormRecord.objects.get(pk=record.pk)
    assert forms_pdf.form_pdf(again) == first


def center_media_root():
    from django.conf import settings

    return os.path.join(settings.MEDIA_ROOT, "private")


def test_a_copy_stored_meanwhile_wins(center, procedure, officer):
    _dossier, record = receive(center, procedure, officer)
    stale = FormRecord.objects.get(pk=record.pk)
    first = forms_pdf.form_pdf(record)
    # Another request that loaded the row before the first one stored its copy.
    assert not stale.pdf
    assert forms_pdf._store(stale, b"%PDF-1.7 another render") == first
    stored = FormRecord.objects.get(pk=record.pk)
    assert stored.pdf.name == record.pdf.name
    assert len(os.listdir(os.path.dirname(stored.pdf.path))) == 1


def test_a_lost_file_is_rendered_again(center, procedure, officer):
    _dossier, record = receive(center, procedure, officer)
    forms_pdf.form_pdf(record)
    os.remove(record.pdf.path)
    record = FormRecord.objects.get(pk=record.pk)
    data = forms_pdf.form_pdf(record)
    assert data.startswith(b"%PDF")
    assert os.path.exists(FormRecord.objects.get(pk=record.pk).pdf.path)


# --- Who may download -----------------------------------------------------------------------


def _url(record):
    return reverse("dossiers_staff:form-pdf", kwargs={"code": record.dossier.code, "pk": record.pk})


def test_staff_of_the_center_download_it_inline(client, center, procedure, officer):
    dossier, record = receive(center, procedure, officer)
    client.force_login(officer)
    response = client.get(_url(record))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="phieu-01-{dossier.code}.pdf"'
    assert "no-store" in response["Cache-Control"]
    first = response.content
    assert dossier.code in text_of(first)
    # The second request serves the stored document, byte for byte.
    assert client.get(_url(record)).content == first

    specialist = staff("specialist", center, username="chuyenvien")
    client.force_login(specialist)
    assert client.get(_url(record)).content == first


def test_other_center_and_unknown_forms_get_404(client, center, other_center, procedure, officer):
    dossier, record = receive(center, procedure, officer)
    _d2, other_record = receive(center, procedure, officer, "refuse")
    client.force_login(staff("receptionist", other_center, username="tiepnhan-khac"))
    assert client.get(_url(record)).status_code == 404
    client.force_login(officer)
    # A form of another dossier under this dossier's code, and a form that does not exist.
    wrong = reverse("dossiers_staff:form-pdf", kwargs={"code": dossier.code, "pk": other_record.pk})
    assert client.get(wrong).status_code == 404
    missing = reverse("dossiers_staff:form-pdf", kwargs={"code": dossier.code, "pk": 999999})
    assert client.get(missing).status_code == 404
    unknown = reverse("dossiers_staff:form-pdf", kwargs={"code": "XYZ", "pk": record.pk})
    assert client.get(unknown).status_code == 404
    # A role without access to personal data at this center.
    client.force_login(staff("postal", center, username="buudien"))
    assert client.get(_url(record)).status_code == 404


def test_postal_staff_download_the_slip_of_a_postal_dossier(client, center, procedure, officer):
    postal = staff("postal", center, username="buudien")
    _dossier, record = receive(
        center, procedure, postal, channel="postal", postal_tracking="EB123456789VN"
    )
    client.force_login(postal)
    assert client.get(_url(record)).status_code == 200


def test_anonymous_browser_is_sent_to_log_in(client, center, procedure, officer):
    _dossier, record = receive(center, procedure, officer)
    response = client.get(_url(record))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login") + "?next=")
    assert not FormRecord.objects.get(pk=record.pk).pdf
    browser = client.get(_url(record), headers={"Accept": "text/html,application/xhtml+xml,*/*"})
    assert browser.status_code == 302
    # A program without credentials is asked for them instead.
    program = client.get(_url(record), headers={"Accept": "*/*"})
    assert program.status_code == 401 and program["WWW-Authenticate"].startswith("Bearer")


def test_bearer_token_works_and_a_bad_one_is_refused(client, center, procedure, officer):
    _dossier, record = receive(center, procedure, officer)
    _token, raw = api_token_issue(username="tiepnhan", password=PASSWORD)
    response = client.get(_url(record), headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    bad = client.get(_url(record), headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert bad["WWW-Authenticate"].startswith("Bearer")


def test_bearer_token_of_another_center_gets_404(client, center, other_center, procedure, officer):
    _dossier, record = receive(center, procedure, officer)
    staff("receptionist", other_center, username="khac")
    _token, raw = api_token_issue(username="khac", password=PASSWORD)
    response = client.get(_url(record), headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 404


def test_render_takes_the_center_time_zone(center, procedure, officer):
    center.time_zone = "Asia/Tokyo"
    center.save()
    dossier, record = receive(center, procedure, officer, at=local(2026, 11, 29, 23, 30))
    text = text_of(forms_pdf.form_pdf(record))
    # 23:30 on Sunday in Hà Nội is 01:30 on Monday in Tokyo: the date of issue is Monday's.
    assert "01 giờ 30 phút, ngày 30/11/2026" in text
    assert "Hạnh Phúc, ngày 30 tháng 11 năm 2026" in text
    assert dossier.code.split("-")[1] == "261130"
