"""The citizen's dossier pages through Django's test client: online submission (and what is
refused with nothing saved), the lookup by code and secret (with no personal data), the signed
link, the answer to a supplement request, the kiosk lookup and the rate limits."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from django.urls import reverse

from motcua.catalog.services import procedure_import
from motcua.dossiers import selectors, services
from motcua.dossiers.models import Dossier, DossierFile, Supplement
from motcua.dossiers.views_public import SUBMITTED_KEY, UNLOCKED_KEY
from motcua.notifications.models import Message
from motcua.ratelimit import rate_limit_reset
from tests.catalog.conftest import national_record
from tests.dossiers.conftest import (
    APPLICANT,
    jpeg_bytes,
    local,
    make_procedure,
    pdf_bytes,
    png_bytes,
    upload,
)

pytestmark = pytest.mark.django_db

NOT_FOUND = "Không tìm thấy hồ sơ với mã và 4 số cuối đã nhập"


@pytest.fixture(autouse=True)
def own_cache(settings):
    """A cache of this test's own: rate-limit counts start from zero, and clearing them does
    not touch a Redis shared with other test runs."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"public-pages-{uuid.uuid4().hex}",
        },
    }
    rate_limit_reset()
    yield
    rate_limit_reset()


def _stored_files(media) -> list[Path]:
    root = Path(media)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _documents(procedure):
    return list(procedure.current_version.document_cases.first().documents.all())


def _form(center, procedure, docs=None, **changes):
    """A complete submission: the applicant, both required documents and the consent."""
    docs = docs or _documents(procedure)
    data = {
        "center": center.code,
        "kind": "person",
        "delivery": "electronic",
        "consent": "on",
        **APPLICANT,
        f"doc-{docs[0].pk}": upload("don-de-nghi.pdf", pdf_bytes("don")),
        f"doc-{docs[1].pk}": upload("so-do.png", png_bytes(), "image/png"),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _submit_url(procedure) -> str:
    return reverse("dossiers_public:submit", args=[procedure.code])


def _online_dossier(center, procedure, **kwargs) -> Dossier:
    docs = _documents(procedure)
    return services.dossier_submit_online(
        center=center,
        procedure_code=procedure.code,
        applicant=APPLICANT,
        uploads=[services.Upload(upload("a.pdf", pdf_bytes()), docs[0].pk)],
        **kwargs,
    )


def _signed(dossier) -> str:
    return reverse("dossiers_public:track-signed", args=[selectors.tracking_token(dossier)])


# --- Submission ----------------------------------------------------------------------------------


def test_procedure_page_links_to_online_submission_with_its_center(client, center, procedure):
    page = client.get(reverse("catalog:detail", args=[procedure.code]))
    html = page.content.decode()
    assert "Nộp hồ sơ trực tuyến" in html
    assert f"{_submit_url(procedure)}?center={center.code}" in html


def test_procedure_page_has_no_online_button_for_an_offline_procedure(client, center):
    offline = make_procedure(center, code="9.000009", online="")
    html = client.get(reverse("catalog:detail", args=[offline.code])).content.decode()
    assert "Nộp hồ sơ trực tuyến" not in html


def test_submission_form_lists_one_upload_per_required_document(
    client, center, other_center, procedure
):
    page = client.get(_submit_url(procedure), {"center": center.code})
    assert page.status_code == 200
    html = page.content.decode()
    for doc in _documents(procedure):
        assert f'name="doc-{doc.pk}"' in html
        assert doc.name in html
    assert html.count('accept=".pdf,.jpg,.jpeg,.png"') == 3  # two documents and "other"
    assert 'name="other"' in html and "multiple" in html
    assert 'name="consent"' in html
    assert f'<option value="{center.code}" selected>' in html
    # other_center does not handle the procedure: not offered.
    assert other_center.code not in html


def test_submission_creates_a_registered_dossier_with_files_and_acknowledgement(
    client, center, procedure, private_media
):
    response = client.post(_submit_url(procedure), _form(center, procedure))

    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _signed(dossier)
    assert dossier.status == 1 and dossier.channel == 2
    assert dossier.applicant_name == APPLICANT["name"]
    assert dossier.result_delivery == "electronic"
    assert sorted(f.original_name for f in dossier.files.all()) == ["don-de-nghi.pdf", "so-do.png"]
    assert all(f.by_citizen for f in dossier.files.all())
    assert all(d.received for d in dossier.documents.all())
    assert len(_stored_files(private_media)) == 2
    messages = Message.objects.filter(kind="dossier_registered")
    assert sorted(messages.values_list("channel", "recipient")) == [
        ("email", "lan@example.com"),
        ("sms", "0912345678"),
    ]
    assert all(dossier.code in m.body for m in messages)
    assert dossier.code in client.session[UNLOCKED_KEY]

    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Đã nộp hồ sơ trực tuyến" in html
    assert f'data-testid="dossier-code">{dossier.code}<' in html
    assert "4 số cuối của số CCCD hoặc số điện thoại" in html
    assert "Mới đăng ký (chờ kiểm tra)" in html
    # The confirmation is shown once; the page stays.
    assert SUBMITTED_KEY not in client.session
    again = client.get(response["Location"]).content.decode()
    assert "Đã nộp hồ sơ trực tuyến" not in again and dossier.code in again


def test_submission_with_other_files_and_a_representative(client, center, procedure):
    data = _form(
        center,
        procedure,
        other=[upload("uy-quyen.jpg", jpeg_bytes(), "image/jpeg"), upload("them.pdf", pdf_bytes())],
        representative_name="Trần Văn Bình",
        representative_phone="0987654321",
        delivery="post",
    )
    assert client.post(_submit_url(procedure), data).status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.files.count() == 4
    assert dossier.files.filter(document__isnull=True).count() == 2
    assert dossier.representative_name == "Trần Văn Bình"
    assert dossier.result_delivery == "post"


def _refused(client, procedure, data, private_media) -> str:
    response = client.post(_submit_url(procedure), data)
    assert response.status_code == 400
    assert not Dossier.objects.exists()
    assert not DossierFile.objects.exists()
    assert _stored_files(private_media) == []
    assert not Message.objects.exists()
    return response.content.decode()


def test_missing_consent_is_refused_and_keeps_what_was_typed(
    client, center, procedure, private_media
):
    html = _refused(client, procedure, _form(center, procedure, consent=None), private_media)
    assert "Cần đồng ý cho xử lý dữ liệu cá nhân" in html
    assert 'id="e-consent"' in html
    assert f'value="{APPLICANT["name"]}"' in html
    assert f'value="{APPLICANT["id_number"]}"' in html
    assert "xin chọn lại tệp" in html


def test_bad_phone_shows_the_field_error(client, center, procedure, private_media):
    html = _refused(client, procedure, _form(center, procedure, phone="12345"), private_media)
    assert "Số điện thoại không hợp lệ" in html
    assert 'id="e-phone"' in html and 'aria-invalid="true"' in html
    assert 'value="12345"' in html


def test_every_applicant_problem_is_reported_at_once(client, center, procedure, private_media):
    data = _form(center, procedure, name="", id_number="12", email="khong-phai-email", consent=None)
    html = _refused(client, procedure, data, private_media)
    for field in ("name", "id_number", "email", "consent"):
        assert f'id="e-{field}"' in html, field


def test_disguised_executable_is_refused(client, center, procedure, private_media):
    docs = _documents(procedure)
    exe = upload("don.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "application/pdf")
    html = _refused(
        client, procedure, _form(center, procedure, **{f"doc-{docs[0].pk}": exe}), private_media
    )
    assert "không phải PDF, JPEG hoặc PNG" in html
    assert f'id="e-doc-{docs[0].pk}"' in html  # shown at the input it was chosen in


def test_truncated_png_is_refused(client, center, procedure, private_media):
    docs = _documents(procedure)
    broken = upload("so-do.png", png_bytes()[:60], "image/png")
    html = _refused(
        client, procedure, _form(center, procedure, **{f"doc-{docs[1].pk}": broken}), private_media
    )
    assert "bị hỏng hoặc không mở được" in html


def test_no_file_at_all_is_refused(client, center, procedure, private_media):
    docs = _documents(procedure)
    data = _form(center, procedure, **{f"doc-{d.pk}": None for d in docs})
    html = _refused(client, procedure, data, private_media)
    assert "Hãy tải lên ít nhất một giấy tờ" in html


def test_offline_procedure_says_to_submit_in_person(client, center, private_media):
    offline = make_procedure(center, code="9.000009", online="")
    page = client.get(_submit_url(offline))
    assert page.status_code == 200
    html = page.content.decode()
    assert "chưa được nộp trực tuyến" in html
    assert "nộp hồ sơ trực tiếp" in html
    assert 'type="file"' not in html
    client.post(_submit_url(offline), _form(center, make_procedure(center, code="9.000010")))
    assert not Dossier.objects.filter(procedure=offline).exists()


def test_unknown_procedure_is_404(client, db):
    assert client.get(reverse("dossiers_public:submit", args=["0.000000"])).status_code == 404


def test_paused_center_is_not_offered(client, center, other_center, procedure):
    from motcua.catalog.models import CenterProcedure
    from motcua.catalog.services import center_procedure_set

    center_procedure_set(actor=None, center=other_center, procedure=procedure)
    CenterProcedure.objects.filter(center=center).update(is_active=False)
    html = client.get(_submit_url(procedure), {"center": center.code}).content.decode()
    assert f'<option value="{other_center.code}" selected>' in html
    assert f'value="{center.code}"' not in html


def _two_case_procedure(center):
    record = national_record("9.000020", name="Thủ tục có hai trường hợp", channels=("1", "2"))
    record["THANHPHANHOSO"] = [
        {
            "TRUONGHOP": "",
            "GIAYTO": [{"TENGIAYTO": "Tờ khai chung", "SOBANCHINH": "1", "SOBANSAO": "0"}],
        },
        {
            "TRUONGHOP": "Trường hợp cá nhân tự nộp",
            "GIAYTO": [{"TENGIAYTO": "Bản sao căn cước", "SOBANCHINH": "0", "SOBANSAO": "1"}],
        },
        {
            "TRUONGHOP": "Trường hợp ủy quyền",
            "GIAYTO": [{"TENGIAYTO": "Giấy ủy quyền có chứng thực", "SOBANCHINH": "1"}],
        },
    ]
    report = procedure_import(actor=None, records=[record])
    assert report.ok, report.summary()
    from motcua.catalog.models import Procedure
    from motcua.catalog.services import center_procedure_set

    procedure = Procedure.objects.get(code="9.000020")
    center_procedure_set(actor=None, center=center, procedure=procedure)
    return procedure


def test_choosing_a_case_shows_its_documents(client, center):
    procedure = _two_case_procedure(center)
    cases = [c for c in selectors.document_cases(procedure.current_version) if c.name]
    first = client.get(_submit_url(procedure)).content.decode()
    assert "Tờ khai chung" in first and "Bản sao căn cước" in first
    assert "Giấy ủy quyền có chứng thực" not in first
    assert 'method="get"' in first and "Trường hợp ủy quyền" in first

    second = client.get(_submit_url(procedure), {"case": cases[1].order}).content.decode()
    assert "Giấy ủy quyền có chứng thực" in second and "Bản sao căn cước" not in second
    assert f'name="case" value="{cases[1].order}"' in second

    # Submitting under the second case makes its checklist.
    docs = selectors.checklist_for(procedure.current_version, cases[1].order)
    data = _form(center, procedure, docs, case=str(cases[1].order))
    assert client.post(_submit_url(procedure), data).status_code == 302
    names = list(Dossier.objects.get().documents.values_list("name", flat=True))
    assert names == ["Tờ khai chung", "Giấy ủy quyền có chứng thực"]


def test_submissions_are_rate_limited_per_address(client, center, procedure, settings):
    settings.DOSSIER_SUBMIT_LIMIT = (2, 3600)
    for _ in range(2):
        assert client.post(_submit_url(procedure), _form(center, procedure)).status_code == 302
    response = client.post(_submit_url(procedure), _form(center, procedure))
    assert response.status_code == 429
    assert "quá nhiều lần nộp hồ sơ" in response.content.decode()
    assert Dossier.objects.count() == 2
    # Another address is not affected.
    other = client.post(_submit_url(procedure), _form(center, procedure), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


# --- Lookup --------------------------------------------------------------------------------------


def test_lookup_by_code_and_last_four_digits(client, center, procedure):
    dossier = _online_dossier(center, procedure, now=local(2026, 11, 30, 9, 5))
    track = reverse("dossiers_public:track")

    form = client.get(track).content.decode()
    assert 'name="code"' in form and 'name="secret"' in form

    for secret in ("2345", "5678"):  # the ID number's last four, the phone's last four
        page = client.get(track, {"code": dossier.code.lower(), "secret": secret})
        html = page.content.decode()
        assert page.status_code == 200
        assert "Mới đăng ký (chờ kiểm tra)" in html
        assert procedure.current_version.name in html
        assert center.name in html
        assert "09:05 30/11/2026" in html  # the center's time zone, HH:MM DD/MM/YYYY
        assert "Đăng ký trực tuyến" in html  # the timeline

    response = client.post(track, {"code": dossier.code, "secret": "5678"})
    assert response.status_code == 302 and response["Location"] == _signed(dossier)
    assert dossier.code in client.session[UNLOCKED_KEY]


def test_unknown_code_and_wrong_secret_look_the_same(client, center, procedure):
    dossier = _online_dossier(center, procedure)
    track = reverse("dossiers_public:track")
    answers = [
        client.post(track, {"code": dossier.code, "secret": "0000"}),
        client.post(track, {"code": dossier.code[:-1] + "9", "secret": "2345"}),
        client.get(track, {"code": "KHONG-CO", "secret": "2345"}),
    ]
    errors = []
    for response in answers:
        assert response.status_code == 404
        html = response.content.decode()
        assert NOT_FOUND in html
        assert "Mới đăng ký" not in html
        errors.append(re.search(r'data-testid="lookup-error">([^<]*)<', html).group(1))
    assert len(set(errors)) == 1
    assert UNLOCKED_KEY not in client.session


def test_lookup_page_shows_no_personal_data(client, center, procedure, receptionist):
    dossier = _online_dossier(center, procedure)
    services.dossier_decide(
        actor=receptionist,
        dossier=dossier,
        decision=services.Decision("supplement", missing=["Bản sao sổ hộ khẩu"], note="Nộp sớm"),
    )
    for response in (
        client.get(reverse("dossiers_public:track"), {"code": dossier.code, "secret": "2345"}),
        client.get(_signed(dossier)),
        client.post(
            reverse("dossiers_public:kiosk-track", args=[center.code]),
            {"code": dossier.code, "secret": "2345"},
        ),
    ):
        html = response.content.decode()
        assert dossier.code in html
        assert "Bản sao sổ hộ khẩu" in html  # the supplement items are shown
        for value in (
            APPLICANT["name"],
            APPLICANT["id_number"],
            APPLICANT["phone"],
            APPLICANT["email"],
            APPLICANT["address"],
            receptionist.username,
            receptionist.last_name,
        ):
            assert value not in html, value


def test_refusal_reasons_are_shown(client, center, procedure, receptionist):
    dossier = _online_dossier(center, procedure)
    services.dossier_decide(
        actor=receptionist,
        dossier=dossier,
        decision=services.Decision("refuse", reasons="Thủ tục không thuộc thẩm quyền của xã"),
    )
    html = client.get(_signed(dossier)).content.decode()
    assert "Không tiếp nhận (từ chối)" in html
    assert "Thủ tục không thuộc thẩm quyền của xã" in html


def test_accepted_dossier_shows_due_time_in_the_center_zone(
    client, center, procedure, receptionist
):
    docs = _documents(procedure)
    dossier, _form_record = services.dossier_receive(
        actor=receptionist,
        center=center,
        procedure_code=procedure.code,
        channel="direct",
        applicant=APPLICANT,
        documents=[services.DocumentTick(d.pk) for d in docs],
        decision=services.Decision("accept"),
        now=local(2026, 11, 30, 9),
    )
    html = client.get(_signed(dossier)).content.decode()
    assert "Đã tiếp nhận" in html
    due = f"{selectors.center_now(center=center, now=dossier.due_at):%H:%M %d/%m/%Y}"
    assert f'data-testid="due-at">{due}<' in html
    assert "09:00 30/11/2026" in html


def test_lookups_are_rate_limited_per_address(client, center, procedure, settings):
    settings.DOSSIER_LOOKUP_LIMIT = (2, 300)
    dossier = _online_dossier(center, procedure)
    track = reverse("dossiers_public:track")
    client.post(track, {"code": dossier.code, "secret": "0000"})
    client.post(track, {"code": dossier.code, "secret": "1111"})
    # Even the right secret gets no answer now.
    limited = client.post(track, {"code": dossier.code, "secret": "2345"})
    html = limited.content.decode()
    assert limited.status_code == 429
    assert "tra cứu quá nhiều lần" in html
    assert "Mới đăng ký" not in html
    assert UNLOCKED_KEY not in client.session
    # The form alone is not a lookup and still shows.
    assert client.get(track).status_code == 200
    kiosk = client.post(
        reverse("dossiers_public:kiosk-track", args=[center.code]),
        {"code": dossier.code, "secret": "2345"},
    )
    assert kiosk.status_code == 429 and "quá nhiều lần" in kiosk.content.decode()


# --- Signed link -----------------------------------------------------------------------------------


def test_signed_link_opens_the_dossier_and_a_tampered_one_does_not(client, center, procedure):
    dossier = _online_dossier(center, procedure)
    page = client.get(_signed(dossier))
    assert page.status_code == 200
    assert "Mới đăng ký (chờ kiểm tra)" in page.content.decode()
    assert selectors.tracking_url(dossier).endswith(_signed(dossier))

    token = selectors.tracking_token(dossier)
    code, signature = token.rsplit("_", 1)
    other = f"{code[:-1]}2_{signature}"
    flipped = f"{code}_{signature[:-1]}{'0' if signature[-1] != '0' else '1'}"
    for bad in (other, flipped, code, "rac"):
        response = client.get(reverse("dossiers_public:track-signed", args=[bad]))
        assert response.status_code == 404
        html = response.content.decode()
        assert NOT_FOUND in html and "Mới đăng ký" not in html


def test_signed_link_does_not_unlock_the_supplement_form(client, center, procedure, receptionist):
    dossier = _online_dossier(center, procedure)
    services.dossier_decide(
        actor=receptionist, dossier=dossier, decision=services.Decision("supplement")
    )
    html = client.get(_signed(dossier)).content.decode()
    assert "Yêu cầu bổ sung" in html
    assert reverse("dossiers_public:supplement", args=[dossier.code]) not in html
    assert 'name="secret"' in html  # asks for the secret first
    response = client.post(
        reverse("dossiers_public:supplement", args=[dossier.code]),
        {"other": upload("b.pdf", pdf_bytes()), "note": "bổ sung"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dossiers_public:track")
    dossier.refresh_from_db()
    assert dossier.status == 5


# --- Supplement ------------------------------------------------------------------------------------


def test_citizen_answers_a_supplement_request(client, center, procedure, receptionist):
    dossier = _online_dossier(center, procedure)
    services.dossier_decide(
        actor=receptionist,
        dossier=dossier,
        decision=services.Decision("supplement", missing=["Ảnh chân dung 4x6"]),
    )
    missing = dossier.documents.get(received=False)

    # The secret unlocks the form.
    unlocked = client.post(
        reverse("dossiers_public:track"), {"code": dossier.code, "secret": "5678"}
    )
    html = client.get(unlocked["Location"]).content.decode()
    action = reverse("dossiers_public:supplement", args=[dossier.code])
    assert f'action="{action}"' in html
    assert f'name="doc-{missing.pk}"' in html and missing.name in html
    assert "Ảnh chân dung 4x6" in html

    response = client.post(
        action,
        {
            f"doc-{missing.pk}": upload("so-do.pdf", pdf_bytes()),
            "other": [upload("anh.jpg", jpeg_bytes(), "image/jpeg")],
            "note": "Đã bổ sung sơ đồ và ảnh",
        },
    )
    assert response.status_code == 302 and response["Location"] == _signed(dossier)
    dossier.refresh_from_db()
    assert dossier.status == 1
    missing.refresh_from_db()
    assert missing.received
    assert dossier.files.count() == 3
    answered = Supplement.objects.get(dossier=dossier)
    assert answered.answered_at is not None and answered.answer_note == "Đã bổ sung sơ đồ và ảnh"
    page = client.get(response["Location"]).content.decode()
    assert f"Đã nộp bổ sung cho hồ sơ {dossier.code}" in page
    assert "Mới đăng ký (chờ kiểm tra)" in page
    assert "Công dân nộp bổ sung" in page


def test_a_bad_supplement_file_changes_nothing(
    client, center, procedure, receptionist, private_media
):
    dossier = _online_dossier(center, procedure)
    services.dossier_decide(
        actor=receptionist, dossier=dossier, decision=services.Decision("supplement")
    )
    client.post(reverse("dossiers_public:track"), {"code": dossier.code, "secret": "2345"})
    before = _stored_files(private_media)
    response = client.post(
        reverse("dossiers_public:supplement", args=[dossier.code]),
        {"other": upload("virus.pdf", b"MZ" + b"\x00" * 100)},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == 5 and dossier.files.count() == 1
    assert _stored_files(private_media) == before
    html = client.get(response["Location"]).content.decode()
    assert "Chưa nộp được phần bổ sung" in html and "virus.pdf" in html


def test_supplement_only_while_one_is_asked(client, center, procedure):
    dossier = _online_dossier(center, procedure)
    client.post(reverse("dossiers_public:track"), {"code": dossier.code, "secret": "2345"})
    response = client.post(
        reverse("dossiers_public:supplement", args=[dossier.code]),
        {"other": upload("b.pdf", pdf_bytes())},
    )
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "hiện không chờ bổ sung trực tuyến" in html
    assert client.get(reverse("dossiers_public:supplement", args=[dossier.code])).status_code == 405


def test_counter_dossier_supplement_is_answered_at_the_counter(
    client, center, procedure, receptionist
):
    docs = _documents(procedure)
    dossier, _form_record = services.dossier_receive(
        actor=receptionist,
        center=center,
        procedure_code=procedure.code,
        channel="direct",
        applicant=APPLICANT,
        documents=[services.DocumentTick(docs[0].pk), services.DocumentTick(docs[1].pk, False)],
        decision=services.Decision("supplement"),
    )
    client.post(reverse("dossiers_public:track"), {"code": dossier.code, "secret": "2345"})
    html = client.get(_signed(dossier)).content.decode()
    assert "mang giấy tờ bổ sung đến bộ phận một cửa" in html
    assert reverse("dossiers_public:supplement", args=[dossier.code]) not in html


# --- Kiosk ------------------------------------------------------------------------------------------


def test_kiosk_lookup_page(client, center, procedure):
    url = reverse("dossiers_public:kiosk-track", args=[center.code])
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'class="osk osk--track"' in html and 'data-key="backspace"' in html
    assert f'data-key="{center.unit_code}-"' in html
    assert 'inputmode="none"' in html
    assert client.get(reverse("dossiers_public:kiosk-track", args=["khong-co"])).status_code == 404

    dossier = _online_dossier(center, procedure)
    result = client.post(url + "?tra-cuu=1", {"code": dossier.code, "secret": "2345"})
    html = result.content.decode()
    assert result.status_code == 200
    assert "Mới đăng ký (chờ kiểm tra)" in html
    assert "<svg" in html  # the QR code to follow it on a phone
    # A shared screen remembers nothing.
    assert UNLOCKED_KEY not in client.session

    wrong = client.post(url, {"code": dossier.code, "secret": "9999"})
    assert wrong.status_code == 404 and NOT_FOUND in wrong.content.decode()


def test_kiosk_accepts_a_scanned_tracking_link(client, center, procedure):
    dossier = _online_dossier(center, procedure)
    response = client.post(
        reverse("dossiers_public:kiosk-track", args=[center.code]),
        {"code": selectors.tracking_url(dossier), "secret": ""},
    )
    assert response.status_code == 200
    assert "Mới đăng ký (chờ kiểm tra)" in response.content.decode()


def test_kiosk_start_screen_and_site_navigation_link_to_the_lookups(client, center):
    html = client.get(reverse("catalog:list")).content.decode()
    assert f'href="{reverse("dossiers_public:track")}"' in html
    assert "Tra cứu hồ sơ" in html


def test_a_link_with_the_code_alone_fills_the_form(client, center, procedure):
    dossier = _online_dossier(center, procedure)
    page = client.get(reverse("dossiers_public:track"), {"code": dossier.code})
    html = page.content.decode()
    assert page.status_code == 200
    assert f'value="{dossier.code}"' in html
    assert NOT_FOUND not in html and "Mới đăng ký" not in html


def test_kiosk_never_offers_the_supplement_form(client, center, procedure, receptionist):
    dossier = _online_dossier(center, procedure)
    services.dossier_decide(
        actor=receptionist, dossier=dossier, decision=services.Decision("supplement")
    )
    # Even a session that holds the dossier (someone looked it up on this browser before).
    client.post(reverse("dossiers_public:track"), {"code": dossier.code, "secret": "2345"})
    html = client.post(
        reverse("dossiers_public:kiosk-track", args=[center.code]),
        {"code": dossier.code, "secret": "2345"},
    ).content.decode()
    assert "Yêu cầu bổ sung" in html
    assert reverse("dossiers_public:supplement", args=[dossier.code]) not in html
    assert 'type="file"' not in html


def test_kiosk_start_screen_offers_the_dossier_lookup(client, center, receptionist):
    from tests.factories import PASSWORD

    client.login(username=receptionist.username, password=PASSWORD)
    html = client.get(reverse("queue_screens:kiosk", args=[center.code])).content.decode()
    assert f'href="{reverse("dossiers_public:kiosk-track", args=[center.code])}"' in html
    assert "Tra cứu hồ sơ" in html


def test_the_lookup_reads_the_dossier_and_its_relations_as_the_orm_does(center, procedure):
    """selectors.dossier_lookup reads in one precompiled statement (motcua.rowread): every
    field of the dossier, its center, procedure and version is what the ORM reads."""
    dossier = _online_dossier(center, procedure)
    found = selectors.dossier_lookup(code=dossier.code.lower(), secret=APPLICANT["phone"][-4:])
    orm = Dossier.objects.select_related("center", "procedure", "procedure_version").get(
        pk=dossier.pk
    )

    def values(instance):
        return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}

    assert type(found) is Dossier and values(found) == values(orm)
    for relation in ("center", "procedure", "procedure_version"):
        assert values(getattr(found, relation)) == values(getattr(orm, relation))
    assert found.received_at.tzinfo is not None
