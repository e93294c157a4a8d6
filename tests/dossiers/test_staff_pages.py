"""The staff dossier pages through the Django test client: receiving at the counter (accept,
supplement, refuse), the CCCD scan, refusals that save nothing, the postal channel, online
dossiers, returning results, files, and who may see what."""

from __future__ import annotations

import os
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from motcua.dossiers import services
from motcua.dossiers.models import Dossier, DossierEvent, DossierFile, FormRecord, Supplement
from tests.dossiers.conftest import (
    APPLICANT,
    CCCD,
    local,
    make_procedure,
    pdf_bytes,
    png_bytes,
    upload,
)
from tests.factories import staff
from tests.queueing.conftest import issue, make_service

pytestmark = pytest.mark.django_db

# A Wednesday, 09:00 at the center: 3 working days later is Monday 30/11 09:00.
NOW = local(2026, 11, 25, 9, 0)
RECEIVE = "/staff/dossiers/receive/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def docs(procedure):
    return list(procedure.current_version.document_cases.first().documents.order_by("order"))


@pytest.fixture
def counter_client(receptionist):
    """The receptionist's browser (another than ``client``, which other users log in with)."""
    counter = Client()
    counter.force_login(receptionist)
    return counter


def _form(procedure, docs, *, decision="accept", received=None, **extra):
    """The intake form as the page posts it: every document ticked unless told otherwise."""
    received = [True] * len(docs) if received is None else received
    data = {
        "procedure": procedure.code,
        "kind": "person",
        "applicant_name": APPLICANT["name"],
        "id_number": APPLICANT["id_number"],
        "birth_date": APPLICANT["birth_date"],
        "gender": APPLICANT["gender"],
        "address": APPLICANT["address"],
        "phone": APPLICANT["phone"],
        "email": APPLICANT["email"],
        "result_delivery": "counter",
        "decision": decision,
    }
    for doc, tick in zip(docs, received, strict=True):
        if tick:
            data[f"doc-{doc.pk}-received"] = "1"
        data[f"doc-{doc.pk}-originals"] = str(doc.originals)
        data[f"doc-{doc.pk}-copies"] = str(doc.copies)
    data.update(extra)
    return data


def _files_under(root) -> list[str]:
    found = []
    for folder, _dirs, files in os.walk(root):
        found.extend(os.path.join(folder, name) for name in files)
    return found


def _text(response) -> str:
    return response.content.decode()


# --- The intake page --------------------------------------------------------------------------


def test_the_search_lists_only_the_centers_procedures(counter_client, center, other_center):
    make_procedure(center, "9.000001", name="Thủ tục cấp giấy phép nuôi chim yến")
    make_procedure(other_center, "9.000002", name="Thủ tục đăng ký nuôi chim cảnh")

    page = counter_client.get(RECEIVE, {"q": "nuoi chim"})
    assert page.status_code == 200
    body = _text(page)
    assert "Thủ tục cấp giấy phép nuôi chim yến" in body
    assert "chim cảnh" not in body
    assert "?procedure=9.000001" in body

    partial = counter_client.get(
        RECEIVE, {"q": "chim yen", "partial": "results"}, headers={"HX-Request": "true"}
    )
    assert partial.status_code == 200
    assert "<html" not in _text(partial)
    assert "nuôi chim yến" in _text(partial)


def test_a_chosen_procedure_shows_its_checklist_and_the_applicant_form(
    counter_client, procedure, docs
):
    page = counter_client.get(RECEIVE, {"procedure": procedure.code})
    body = _text(page)
    assert page.status_code == 200
    for doc in docs:
        assert f'name="doc-{doc.pk}-received"' in body
        assert f'name="doc-{doc.pk}-files"' in body
        assert f'id="doc-{doc.pk}-originals"' in body and f'value="{doc.originals}"' in body
    assert 'name="cccd_scan"' in body and "Quét CCCD" in body
    assert 'name="other_files"' in body
    for label in ("Tiếp nhận", "Yêu cầu bổ sung", "Từ chối"):
        assert f">{label}</button>" in body
    # The due date if received now (3 working days), in the center's zone.
    assert "09:00 30/11/2026" in body
    assert "<script>" not in body and " style=" not in body


def test_accept_at_the_counter_creates_the_dossier_form_01_and_shows_the_code(
    counter_client, procedure, docs, receptionist, private_media
):
    data = _form(procedure, docs, note="Công dân nộp lúc sáng")
    data[f"doc-{docs[0].pk}-files"] = [
        upload("don.pdf", pdf_bytes()),
        upload("don-trang-2.png", png_bytes()),
    ]
    data["other_files"] = upload("khac.pdf", pdf_bytes("other"))
    response = counter_client.post(RECEIVE, data)

    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dossiers_staff:detail", args=[dossier.code])
    assert dossier.code == "000.00.10.H34-261125-0001"
    assert (dossier.status, dossier.channel, dossier.received_by) == (2, 1, receptionist)
    assert dossier.applicant_name == APPLICANT["name"]
    assert dossier.note == "Công dân nộp lúc sáng"
    assert dossier.due_at == local(2026, 11, 30, 9, 0)
    assert [(d.received, d.originals, d.copies) for d in dossier.documents.all()] == [
        (True, 1, 0),
        (True, 0, 1),
    ]
    files = list(DossierFile.objects.filter(dossier=dossier).order_by("id"))
    assert [(f.original_name, f.content_type) for f in files] == [
        ("don.pdf", "application/pdf"),
        ("don-trang-2.png", "image/png"),
        ("khac.pdf", "application/pdf"),
    ]
    assert [f.document_id is not None for f in files] == [True, True, False]
    assert len(_files_under(private_media)) == 3
    assert list(DossierEvent.objects.values_list("action", "to_status")) == [("accept", 2)]
    form = FormRecord.objects.get()
    assert (form.form, form.number, form.year) == ("01", 1, 2026)

    page = counter_client.get(response["Location"])
    body = _text(page)
    assert page.status_code == 200
    assert "Đã tiếp nhận hồ sơ 000.00.10.H34-261125-0001" in body
    assert 'data-testid="dossier-code">000.00.10.H34-261125-0001<' in body
    assert "09:00" in body and "30/11/2026" in body
    pdf_url = reverse("dossiers_staff:form-pdf", kwargs={"code": dossier.code, "pk": form.pk})
    assert f'href="{pdf_url}"' in body and ">In phiếu</a>" in body
    for f in files:
        assert reverse("dossiers_staff:file", args=[f.pk]) in body


def test_supplement_lists_the_unticked_documents_and_the_other_items(
    counter_client, procedure, docs
):
    data = _form(
        procedure,
        docs,
        decision="supplement",
        received=[True, False],
        missing_other="Giấy ủy quyền có chứng thực\n\n  Bản sao sổ hộ khẩu  ",
    )
    response = counter_client.post(RECEIVE, data)

    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert dossier.status == 5 and dossier.due_at is None
    supplement = Supplement.objects.get()
    assert supplement.items == [
        docs[1].name,
        "Giấy ủy quyền có chứng thực",
        "Bản sao sổ hộ khẩu",
    ]
    assert FormRecord.objects.get().form == "02"
    assert list(DossierEvent.objects.values_list("action", flat=True)) == ["request_supplement"]
    assert "Đã yêu cầu bổ sung" in _text(counter_client.get(response["Location"]))


def test_refuse_needs_reasons_then_issues_form_03(counter_client, procedure, docs):
    without = counter_client.post(RECEIVE, _form(procedure, docs, decision="refuse"))
    assert without.status_code == 400
    assert "Hãy ghi rõ lý do từ chối tiếp nhận." in _text(without)
    assert not Dossier.objects.exists()

    reasons = "Thủ tục không thuộc thẩm quyền giải quyết của xã."
    response = counter_client.post(
        RECEIVE, _form(procedure, docs, decision="refuse", reasons=reasons)
    )
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert (dossier.status, dossier.refusal_reasons) == (3, reasons)
    form = FormRecord.objects.get()
    assert (form.form, form.content) == ("03", {"reasons": reasons})
    assert reasons in _text(counter_client.get(response["Location"]))


def test_incomplete_accept_is_refused_with_the_missing_list_and_nothing_saved(
    counter_client, procedure, docs, private_media
):
    data = _form(procedure, docs, received=[True, False], applicant_name="Trần Văn Bình")
    data[f"doc-{docs[0].pk}-files"] = upload("don.pdf", pdf_bytes())
    response = counter_client.post(RECEIVE, data)

    body = _text(response)
    assert response.status_code == 400
    assert "chưa đủ giấy tờ nên chưa thể tiếp nhận" in body
    assert f"<li>{docs[1].name}</li>" in body
    assert "checklist__row--missing" in body
    # Everything typed is kept; the chosen files must be chosen again.
    assert 'value="Trần Văn Bình"' in body
    assert f'name="doc-{docs[0].pk}-received" value="1" checked' in body
    assert "cần được chọn lại" in body
    assert not Dossier.objects.exists()
    assert not FormRecord.objects.exists()
    assert _files_under(private_media) == []


def test_a_disguised_upload_is_refused_and_nothing_is_saved(
    counter_client, procedure, docs, private_media
):
    data = _form(procedure, docs)
    data[f"doc-{docs[0].pk}-files"] = [
        upload("don.pdf", pdf_bytes()),
        upload("scan.pdf", b"MZ\x90\x00 this is a program, not a scan", "application/pdf"),
    ]
    response = counter_client.post(RECEIVE, data)

    body = _text(response)
    assert response.status_code == 400
    assert "“scan.pdf” không phải PDF, JPEG hoặc PNG" in body
    assert "cần được chọn lại" in body
    assert not Dossier.objects.exists()
    assert not DossierFile.objects.exists()
    assert not DossierEvent.objects.exists()
    assert _files_under(private_media) == []


def test_applicant_errors_are_shown_at_their_fields(counter_client, procedure, docs):
    data = _form(procedure, docs, applicant_name="", id_number="12345", phone="abc")
    response = counter_client.post(RECEIVE, data)
    body = _text(response)
    assert response.status_code == 400
    assert 'id="applicant_name-error"' in body and "Nhập họ tên người nộp" in body
    assert 'id="id_number-error"' in body and "12 chữ số" in body
    assert 'id="phone-error"' in body
    assert not Dossier.objects.exists()


# --- CCCD -------------------------------------------------------------------------------------


def test_a_scan_posted_without_javascript_fills_the_applicant(counter_client, procedure, docs):
    data = {"procedure": procedure.code, "cccd_scan": CCCD + "\r\n", "decision": "scan"}
    response = counter_client.post(RECEIVE, data)

    body = _text(response)
    assert response.status_code == 200
    assert "Đã điền thông tin từ căn cước công dân" in body
    assert 'value="Nguyễn Thị Lan"' in body
    assert 'value="001095012345"' in body
    assert 'value="123456789"' in body
    assert 'value="1995-03-15"' in body and 'value="2021-04-10"' in body
    assert '<option value="female" selected>' in body
    assert "Số 12, thôn Đông" in body
    assert not Dossier.objects.exists()


def test_a_scan_and_a_decision_in_one_post_receive_with_the_cards_data(
    counter_client, procedure, docs
):
    data = _form(procedure, docs, applicant_name="", id_number="", birth_date="", gender="")
    data["cccd_scan"] = CCCD
    response = counter_client.post(RECEIVE, data)

    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert (dossier.applicant_name, dossier.id_number, dossier.old_id_number) == (
        "Nguyễn Thị Lan",
        "001095012345",
        "123456789",
    )
    assert (str(dossier.birth_date), str(dossier.id_issued_on), dossier.gender) == (
        "1995-03-15",
        "2021-04-10",
        "female",
    )
    assert dossier.phone == APPLICANT["phone"]  # not on the card: kept as typed


def test_a_scan_typed_into_another_field_is_read_from_there(counter_client, procedure, docs):
    data = {"procedure": procedure.code, "phone": "0912345678" + CCCD, "decision": "scan"}
    body = _text(counter_client.post(RECEIVE, data))
    assert 'value="Nguyễn Thị Lan"' in body
    assert 'id="phone" name="phone" value="0912345678"' in body


def test_a_broken_scan_shows_why_and_saves_nothing(counter_client, procedure, docs):
    data = _form(procedure, docs, cccd_scan="001095012345|Nguyễn Thị Lan|1503")
    response = counter_client.post(RECEIVE, data)
    body = _text(response)
    assert response.status_code == 400
    assert 'id="cccd_scan-error"' in body
    assert "không phải mã QR của căn cước công dân" in body
    assert not Dossier.objects.exists()


def test_cccd_parse_answers_json(counter_client):
    url = reverse("dossiers_staff:cccd-parse")
    good = counter_client.post(url, {"text": CCCD})
    assert good.status_code == 200
    assert good.json() == {
        "ok": True,
        "fields": {
            "id_number": "001095012345",
            "old_id_number": "123456789",
            "applicant_name": "Nguyễn Thị Lan",
            "birth_date": "1995-03-15",
            "gender": "female",
            "address": "Số 12, thôn Đông, xã Hạnh Phúc, tỉnh Thái Bình",
            "id_issued_on": "2021-04-10",
        },
    }
    for broken in ("", "hello", "00109501234|123456789|Lan|15031995|Nữ|Xã A|10042021"):
        answer = counter_client.post(url, {"text": broken}).json()
        assert answer["ok"] is False and answer["message"]
    assert "12 chữ số" in counter_client.post(url, {"text": CCCD[1:]}).json()["message"]
    assert counter_client.get(url, {"text": CCCD}).status_code == 405


def test_cccd_parse_is_for_receiving_staff_only(client, center):
    url = reverse("dossiers_staff:cccd-parse")
    assert client.post(url, {"text": CCCD}).status_code == 302
    client.force_login(staff("analyst", center, username="xem-so-lieu"))
    assert client.post(url, {"text": CCCD}).status_code == 403


# --- From the ticket being served -------------------------------------------------------------


def test_intake_from_a_ticket_shows_it_and_links_the_dossier(
    counter_client, center, other_center, procedure, docs
):
    make_service(center, "ho-tich", name="Hộ tịch, chứng thực")
    ticket = issue(center)
    page = counter_client.get(RECEIVE, {"ticket": ticket.pk})
    body = _text(page)
    assert page.status_code == 200
    assert ticket.display in body and "Hộ tịch, chứng thực" in body
    assert f'name="ticket" value="{ticket.pk}"' in body

    response = counter_client.post(RECEIVE, _form(procedure, docs, ticket=str(ticket.pk)))
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert dossier.ticket == ticket
    assert reverse("queue_screens:counter-choose") in _text(
        counter_client.get(response["Location"])
    )

    make_service(other_center, "ho-tich")
    foreign = issue(other_center)
    assert counter_client.get(RECEIVE, {"ticket": foreign.pk}).status_code == 404
    assert counter_client.get(RECEIVE, {"ticket": "abc"}).status_code == 404


# --- Postal channel ---------------------------------------------------------------------------


def test_postal_staff_register_a_dossier_that_came_by_post(client, postal_staff, procedure, docs):
    client.force_login(postal_staff)
    page = client.get(RECEIVE, {"channel": "postal", "procedure": procedure.code})
    body = _text(page)
    assert page.status_code == 200
    assert "Nhận hồ sơ qua bưu chính" in body and 'name="postal_tracking"' in body
    assert 'value="post" checked' in body

    data = _form(procedure, docs, channel="postal", result_delivery="post")
    missing = client.post(RECEIVE, data)
    assert missing.status_code == 400
    assert 'id="postal_tracking-error"' in _text(missing)
    assert not Dossier.objects.exists()

    data["postal_tracking"] = "EB 123 456 789 VN"
    response = client.post(RECEIVE, data)
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert (dossier.channel, dossier.status) == (3, 2)
    assert dossier.postal_tracking_in == "EB123456789VN"
    assert dossier.result_delivery == "post"
    assert dossier.received_by == postal_staff
    page = client.get(response["Location"])
    assert page.status_code == 200 and "EB123456789VN" in _text(page)


def test_postal_staff_cannot_receive_in_person(client, postal_staff, procedure, docs):
    client.force_login(postal_staff)
    page = client.get(RECEIVE)
    assert page.status_code == 403
    assert "Nhận hồ sơ qua bưu chính" in _text(page)
    response = client.post(RECEIVE, _form(procedure, docs))
    assert response.status_code == 403
    assert not Dossier.objects.exists()


# --- Online dossiers --------------------------------------------------------------------------


def _online(center, procedure, docs, **applicant):
    return services.dossier_submit_online(
        center=center,
        procedure_code=procedure.code,
        applicant={**APPLICANT, **applicant},
        uploads=[services.Upload(upload("don.pdf", pdf_bytes()), docs[0].pk)],
    )


def test_online_dossiers_wait_oldest_first_and_are_decided_like_at_the_counter(
    counter_client, center, procedure, docs
):
    with time_machine.travel(local(2026, 11, 24, 8, 0), tick=False):
        first = _online(center, procedure, docs, name="Người Nộp Trước")
    second = _online(center, procedure, docs, name="Người Nộp Sau")

    page = counter_client.get(reverse("dossiers_staff:online"))
    body = _text(page)
    assert page.status_code == 200
    assert body.index(first.code) < body.index(second.code)
    assert "1 ngày 1 giờ" in body  # waited since yesterday 08:00

    detail = counter_client.get(reverse("dossiers_staff:detail", args=[first.code]))
    body = _text(detail)
    assert f'action="{reverse("dossiers_staff:decide", args=[first.code])}"' in body
    assert f'name="doc-{docs[0].pk}-received" value="1" checked' in body  # uploaded online
    assert f'name="doc-{docs[1].pk}-received" value="1" >' in body

    url = reverse("dossiers_staff:decide", args=[first.code])
    ticks = {f"doc-{d.pk}-received": "1" for d in docs}
    incomplete = counter_client.post(url, {"decision": "accept"})
    assert incomplete.status_code == 400
    assert docs[1].name in _text(incomplete)
    first.refresh_from_db()
    assert first.status == 1

    response = counter_client.post(url, {"decision": "accept", **ticks})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == 2 and first.due_at == local(2026, 11, 30, 9, 0)
    assert FormRecord.objects.get(dossier=first).form == "01"
    waiting = _text(counter_client.get(reverse("dossiers_staff:online")))
    assert reverse("dossiers_staff:detail", args=[first.code]) not in waiting
    assert reverse("dossiers_staff:detail", args=[second.code]) in waiting


def test_an_online_supplement_answered_comes_back_to_the_list(
    counter_client, center, procedure, docs
):
    dossier = _online(center, procedure, docs)
    url = reverse("dossiers_staff:decide", args=[dossier.code])
    response = counter_client.post(url, {"decision": "supplement", "missing_other": "Ảnh 4x6"})
    assert response.status_code == 302
    detail_url = reverse("dossiers_staff:detail", args=[dossier.code])
    assert detail_url not in _text(counter_client.get(reverse("dossiers_staff:online")))

    services.dossier_supplement_answer(
        dossier=dossier, uploads=[services.Upload(upload("anh.png", png_bytes()))]
    )
    body = _text(counter_client.get(reverse("dossiers_staff:online")))
    assert detail_url in body and "đã bổ sung" in body


# --- Returning the result ---------------------------------------------------------------------


def test_a_result_sent_by_post_records_the_tracking_number(
    client, counter_client, center, procedure, docs, postal_staff
):
    counter_client.post(RECEIVE, _form(procedure, docs, result_delivery="post"))
    dossier = Dossier.objects.get()
    Dossier.objects.filter(pk=dossier.pk).update(status=9)  # processing comes in a later issue

    client.force_login(postal_staff)
    detail = client.get(reverse("dossiers_staff:detail", args=[dossier.code]))
    body = _text(detail)
    assert detail.status_code == 200
    assert 'name="delivery" value="post" checked' in body
    assert 'value="counter"' not in body  # postal staff send by post only

    url = reverse("dossiers_staff:return", args=[dossier.code])
    missing = client.post(url, {"delivery": "post", "postal_tracking": ""})
    assert missing.status_code == 400
    assert "Nhập số hiệu bưu gửi của kết quả" in _text(missing)
    dossier.refresh_from_db()
    assert dossier.status == 9

    response = client.post(url, {"delivery": "post", "postal_tracking": "RR987654321VN"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert (dossier.status, dossier.postal_tracking_out) == (10, "RR987654321VN")
    event = dossier.events.get(action="return_result")
    assert event.actor == postal_staff and event.data["postal_tracking"] == "RR987654321VN"
    assert "RR987654321VN" in _text(client.get(response["Location"]))


def test_a_receptionist_hands_the_result_over_at_the_counter(counter_client, procedure, docs):
    counter_client.post(RECEIVE, _form(procedure, docs))
    dossier = Dossier.objects.get()
    url = reverse("dossiers_staff:return", args=[dossier.code])
    early = counter_client.post(url, {"delivery": "counter"})
    assert early.status_code == 409
    Dossier.objects.filter(pk=dossier.pk).update(status=9)
    assert counter_client.post(url, {"delivery": "counter"}).status_code == 302
    dossier.refresh_from_db()
    assert (dossier.status, dossier.result_delivery) == (10, "counter")


# --- Attaching scans --------------------------------------------------------------------------


def test_attach_adds_scans_and_refuses_a_bad_one_whole(
    counter_client, procedure, docs, private_media
):
    counter_client.post(RECEIVE, _form(procedure, docs))
    dossier = Dossier.objects.get()
    url = reverse("dossiers_staff:attach", args=[dossier.code])

    bad = counter_client.post(
        url,
        {
            "document": str(docs[1].pk),
            "files": [upload("a.pdf", pdf_bytes()), upload("b.png", b"\x89PNG\r\n\x1a\nbroken")],
        },
        follow=True,
    )
    assert "bị hỏng" in _text(bad) and "Chưa tệp nào được lưu" in _text(bad)
    assert not DossierFile.objects.exists() and _files_under(private_media) == []

    good = counter_client.post(
        url, {"document": str(docs[1].pk), "files": [upload("so-do.pdf", pdf_bytes())]}
    )
    assert good.status_code == 302
    row = DossierFile.objects.get()
    assert row.document.required_document_id == docs[1].pk
    assert dossier.events.filter(action="attach").exists()


# --- Files ------------------------------------------------------------------------------------


def test_a_file_is_streamed_with_safe_headers(counter_client, procedure, docs):
    content = pdf_bytes("scan")
    data = _form(procedure, docs)
    data[f"doc-{docs[0].pk}-files"] = upload('đơn "đề nghị"\r\n.exe.pdf', content)
    counter_client.post(RECEIVE, data)
    row = DossierFile.objects.get()

    response = counter_client.get(reverse("dossiers_staff:file", args=[row.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    # No quotes, line breaks or paths from the uploaded name; the real type's extension.
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline; filename*=utf-8''%C4%91%C6%A1n%20_%C4%91%E1%BB%81")
    assert disposition.endswith(".pdf")
    assert not re.search(r"[\r\n\"/\\]|%22|%2F|%0D|%0A", disposition.split("filename", 1)[1])
    assert b"".join(response.streaming_content) == content


def test_an_image_is_shown_inline_too(counter_client, procedure, docs):
    data = _form(procedure, docs)
    data["other_files"] = upload("anh.jpg.png", png_bytes())
    counter_client.post(RECEIVE, data)
    row = DossierFile.objects.get()
    response = counter_client.get(reverse("dossiers_staff:file", args=[row.pk]))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="anh.jpg.png"'


# --- Who sees what ----------------------------------------------------------------------------


def test_staff_of_another_center_get_404_everywhere(
    client, counter_client, procedure, docs, other_receptionist
):
    data = _form(procedure, docs)
    data[f"doc-{docs[0].pk}-files"] = upload("don.pdf", pdf_bytes())
    counter_client.post(RECEIVE, data)
    dossier = Dossier.objects.get()
    row = DossierFile.objects.get()

    client.force_login(other_receptionist)
    code = dossier.code
    assert client.get(reverse("dossiers_staff:detail", args=[code])).status_code == 404
    assert client.get(reverse("dossiers_staff:file", args=[row.pk])).status_code == 404
    for name, data in (
        ("dossiers_staff:decide", {"decision": "refuse", "reasons": "Không thuộc thẩm quyền"}),
        ("dossiers_staff:attach", {"files": [upload("x.pdf", pdf_bytes())]}),
        ("dossiers_staff:return", {"delivery": "counter"}),
    ):
        assert client.post(reverse(name, args=[code]), data).status_code == 404
    assert code not in _text(client.get(reverse("dossiers_staff:list")))
    dossier.refresh_from_db()
    assert dossier.status == 2 and DossierFile.objects.count() == 1


def test_postal_staff_see_only_postal_dossiers(
    client, counter_client, procedure, docs, postal_staff
):
    counter_client.post(RECEIVE, _form(procedure, docs))
    dossier = Dossier.objects.get()
    client.force_login(postal_staff)
    assert client.get(reverse("dossiers_staff:detail", args=[dossier.code])).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, counter_client, procedure, docs):
    data = _form(procedure, docs)
    data[f"doc-{docs[0].pk}-files"] = upload("don.pdf", pdf_bytes())
    counter_client.post(RECEIVE, data)
    dossier = Dossier.objects.get()
    row = DossierFile.objects.get()
    counter_client.logout()

    for url in (
        RECEIVE,
        reverse("dossiers_staff:list"),
        reverse("dossiers_staff:online"),
        reverse("dossiers_staff:detail", args=[dossier.code]),
        reverse("dossiers_staff:file", args=[row.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("web:login")), url
    response = client.post(RECEIVE, _form(procedure, docs))
    assert response.status_code == 302
    assert Dossier.objects.count() == 1


# --- Lists and the staff home -----------------------------------------------------------------


def test_the_list_filters_and_searches(counter_client, center, procedure, docs):
    counter_client.post(RECEIVE, _form(procedure, docs))
    counter_client.post(
        RECEIVE,
        _form(
            procedure,
            docs,
            decision="refuse",
            reasons="Không thuộc thẩm quyền",
            applicant_name="Phạm Văn Cường",
            id_number="001080000111",
            phone="0987000111",
        ),
    )
    online = _online(center, procedure, docs, name="Lê Thị Hoa")
    url = reverse("dossiers_staff:list")

    everything = _text(counter_client.get(url))
    assert all(name in everything for name in ("Nguyễn Thị Lan", "Phạm Văn Cường", "Lê Thị Hoa"))
    refused = _text(counter_client.get(url, {"status": 3}))
    assert "Phạm Văn Cường" in refused and "Nguyễn Thị Lan" not in refused
    by_channel = _text(counter_client.get(url, {"channel": 2}))
    assert online.code in by_channel and "Phạm Văn Cường" not in by_channel
    for q in ("0987000111", "001080000111", "cường", "-0002"):
        found = _text(counter_client.get(url, {"q": q}))
        assert "Phạm Văn Cường" in found and "Lê Thị Hoa" not in found, q
    assert counter_client.get(url, {"status": "x", "channel": "99"}).status_code == 200


def test_a_user_of_two_centers_chooses_one(client, center, other_center):
    make_procedure(center, "9.000001", name="Thủ tục cấp giấy phép nuôi chim yến")
    staff("receptionist", center, username="hai-noi")
    user = staff("receptionist", other_center, username="hai-noi")
    client.force_login(user)

    response = client.get(RECEIVE)
    page = _text(response)
    assert response.status_code == 200, response
    assert "Tiếp nhận cho trung tâm nào?" in page
    assert f"center={other_center.code}" in page
    chosen = _text(client.get(RECEIVE, {"center": center.code, "q": "chim yen"}))
    assert "nuôi chim yến" in chosen
    assert f"center={center.code}" in chosen
    assert client.get(RECEIVE, {"center": "khong-co"}).status_code == 404

    listing = _text(client.get(reverse("dossiers_staff:list"), {"center": other_center.code}))
    assert 'id="f-center"' in listing and other_center.name in listing


def test_staff_home_has_dossier_tiles_per_role(
    client, center, procedure, docs, receptionist, postal_staff
):
    _online(center, procedure, docs)
    _online(center, procedure, docs)
    client.force_login(receptionist)
    body = _text(client.get(reverse("web:home")))
    assert "Tiếp nhận hồ sơ" in body and reverse("dossiers_staff:receive") in body
    assert re.search(r'data-testid="online-waiting">2 hồ sơ<', body)
    assert reverse("dossiers_staff:list") in body and reverse("dossiers_staff:register") in body
    assert "Nhận hồ sơ qua bưu chính" not in body

    client.force_login(postal_staff)
    body = _text(client.get(reverse("web:home")))
    assert "Nhận hồ sơ qua bưu chính" in body and "?channel=postal" in body
    assert "Trả kết quả qua bưu chính" in body and "?status=9&amp;delivery=post" in body
    assert "online-waiting" not in body


def test_the_counter_screen_links_the_ticket_being_served_to_the_intake(client, center):
    from tests.factories import CounterFactory

    counter = CounterFactory(center=center, number=1)
    make_service(center, "ho-tich", counters=[counter])
    ticket = issue(center)
    user = staff("receptionist", center, username="quay1")
    client.force_login(user)
    screen = reverse("queue_screens:counter", args=[counter.pk])
    act = reverse("queue_screens:counter-act", args=[counter.pk])
    client.post(act, {"action": "call"})
    assert "Tiếp nhận hồ sơ" not in _text(client.get(screen))  # called, not served yet
    client.post(act, {"action": "start"})
    body = _text(client.get(screen))
    assert f'href="{RECEIVE}?ticket={ticket.pk}"' in body and "Tiếp nhận hồ sơ" in body


def test_a_download_name_keeps_no_path_quote_or_control_character():
    from motcua.dossiers.views_staff import _safe_filename

    assert _safe_filename('..\\..\\a"b\r\n.exe', "application/pdf") == "a_b.pdf"
    assert _safe_filename("/etc/passwd", "image/png") == "passwd.png"
    assert _safe_filename("", "image/jpeg") == "tep.jpg"
    assert _safe_filename("ảnh chụp.JPG", "image/jpeg") == "ảnh chụp.jpg"


def test_enter_without_a_scan_or_a_decision_saves_nothing_and_says_why(
    counter_client, procedure, docs
):
    response = counter_client.post(RECEIVE, _form(procedure, docs, decision="scan"))
    assert response.status_code == 400
    assert "Chưa có dữ liệu quét từ căn cước công dân." in _text(response)
    assert 'value="Nguyễn Thị Lan"' in _text(response)
    assert not Dossier.objects.exists()
