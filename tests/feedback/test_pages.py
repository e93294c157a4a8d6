"""The feedback app's pages through Django's test client: who may open the counter's rating
tablet and its polling URL, the phone and dossier rating pages, the suggestion box with its rate
limit, staff pages of another center, and the language."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from motcua.dossiers.selectors import tracking_token
from motcua.feedback import services
from motcua.feedback.models import Feedback, Rating
from motcua.organization import identity
from motcua.organization.models import DeviceToken
from motcua.organization.services import device_token_create
from motcua.queueing.models import Ticket
from tests.factories import PASSWORD, CounterFactory, staff
from tests.feedback.conftest import make_dossier, serve

pytestmark = pytest.mark.django_db


@pytest.fixture
def anonymous() -> Client:
    return Client()


def paired(raw: str) -> Client:
    """A browser paired with a device token (the signed cookie /devices/pair/ sets)."""
    client = Client()
    client.cookies[identity.DEVICE_COOKIE] = identity.device_cookie_value(raw)
    return client


def logged_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def text(response) -> str:
    return response.content.decode()


def feedback_form(center, **overrides) -> dict[str, str]:
    data = {
        "center": center.code,
        "category": "suggestion",
        "subject": "Thiếu ghế chờ",
        "content": "Buổi sáng đông người, nhiều người phải đứng chờ.",
        "consent": "1",
    }
    data.update(overrides)
    return data


# --- The counter's rating tablet ---------------------------------------------------------------


def test_an_unpaired_browser_gets_the_pairing_page(anonymous, counter):
    response = anonymous.get(f"/rating/{counter.pk}/")
    assert response.status_code == 403
    assert "Máy đánh giá chưa được ghép" in text(response)
    assert 'href="/devices/pair/"' in text(response)
    assert anonymous.post(f"/rating/{counter.pk}/", {"score": "satisfied"}).status_code == 403


def test_the_tablet_page_of_an_unknown_counter_is_404(anonymous):
    assert anonymous.get("/rating/999999/").status_code == 404


def test_a_staff_login_a_kiosk_or_another_counters_tablet_is_not_this_tablet(
    center, counter, center_admin, official, served
):
    _kiosk, kiosk_raw = device_token_create(
        actor=center_admin, center=center, purpose=DeviceToken.Purpose.KIOSK, name="Ki-ốt"
    )
    other = CounterFactory(center=center, number=4, name="Quầy 4")
    _device, other_raw = device_token_create(
        actor=center_admin,
        center=center,
        purpose=DeviceToken.Purpose.RATING_TABLET,
        name="Quầy 4",
        counter=other,
    )
    for client in (paired(kiosk_raw), paired(other_raw), logged_in(official)):
        assert client.get(f"/rating/{counter.pk}/").status_code == 403
        response = client.post(
            f"/rating/{counter.pk}/", {"ticket": served.pk, "score": "very_satisfied"}
        )
        assert response.status_code == 403
    assert not Rating.objects.exists()
    # The other counter's own tablet page is fine, and idle: the ticket was served here.
    response = paired(other_raw).get(f"/rating/{other.pk}/")
    assert response.status_code == 200
    assert 'data-state="idle"' in text(response)


def test_a_revoked_tablet_is_unpaired(center, counter, center_admin, tablet):
    from motcua.organization.services import device_token_revoke

    device, raw = tablet
    client = paired(raw)
    assert client.get(f"/rating/{counter.pk}/").status_code == 200
    device_token_revoke(actor=center_admin, device=device)
    assert client.get(f"/rating/{counter.pk}/").status_code == 403
    assert client.get(f"/rating/{counter.pk}/pending/").status_code == 403


def test_the_tablet_asks_about_the_ticket_just_served_and_stores_the_rating(
    counter, tablet, served, official, service
):
    _device, raw = tablet
    client = paired(raw)
    response = client.get(f"/rating/{counter.pk}/")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    body = text(response)
    assert 'data-state="rating"' in body
    assert f'name="ticket" value="{served.pk}"' in body
    assert "Cán bộ Lan Trần" in body
    assert f'data-seconds="{settings.RATING_TABLET_SECONDS}"' in body

    # No score: the same screen again with a message, nothing stored.
    response = client.post(
        f"/rating/{counter.pk}/", {"ticket": served.pk, "reasons": ["guidance"], "comment": "Tốt"}
    )
    assert response.status_code == 400
    assert "Hãy chọn một mức" in text(response)
    assert ">Tốt</textarea>" in text(response)  # what was typed is kept
    assert re.search(r'value="guidance"\s+checked', text(response))
    assert not Rating.objects.exists()

    response = client.post(
        f"/rating/{counter.pk}/",
        {"ticket": served.pk, "score": "satisfied", "reasons": ["guidance"], "comment": "Tốt"},
    )
    assert response.status_code == 200
    assert 'data-state="thanks"' in text(response)
    rating = Rating.objects.get()
    assert (rating.ticket, rating.official, rating.counter, rating.service) == (
        served,
        official,
        counter,
        service,
    )
    assert rating.channel == "tablet"

    # Sent twice (a double tap, the back button): back to idle, still one rating.
    response = client.post(f"/rating/{counter.pk}/", {"ticket": served.pk, "score": "satisfied"})
    assert response.status_code == 302
    assert response["Location"] == f"/rating/{counter.pk}/"
    assert Rating.objects.count() == 1
    assert 'data-state="idle"' in text(client.get(f"/rating/{counter.pk}/"))


def test_the_tablet_does_not_ask_about_an_old_or_other_ticket(
    center, counter, tablet, served, settings
):
    _device, raw = tablet
    client = paired(raw)
    assert 'data-state="idle"' in text(client.get(f"/rating/{counter.pk}/?ticket=999999"))
    Ticket.objects.filter(pk=served.pk).update(
        finished_at=timezone.now() - timezone.timedelta(seconds=settings.RATING_TABLET_SECONDS + 1)
    )
    assert 'data-state="idle"' in text(client.get(f"/rating/{counter.pk}/?ticket={served.pk}"))
    # Too late for the tablet's screen, but the tablet's rating itself is still accepted.
    response = client.post(f"/rating/{counter.pk}/", {"ticket": served.pk, "score": "satisfied"})
    assert 'data-state="thanks"' in text(response)


def test_pending_answers_only_the_counters_tablet(
    anonymous, center, counter, center_admin, official, tablet, served
):
    url = f"/rating/{counter.pk}/pending/"
    _kiosk, kiosk_raw = device_token_create(
        actor=center_admin, center=center, purpose=DeviceToken.Purpose.KIOSK, name="Ki-ốt"
    )
    for client in (anonymous, paired(kiosk_raw), logged_in(official)):
        response = client.get(url)
        assert response.status_code == 403
        assert response.json() == {"code": "forbidden"}
    _device, raw = tablet
    client = paired(raw)
    response = client.get(url)
    assert response.status_code == 200
    assert response.json() == {"ticket_id": served.pk}
    assert response["Cache-Control"].startswith("max-age=0")
    # With the device token in a header (an app rather than a browser) too.
    assert Client().get(url, headers={"X-Device-Token": raw}).json() == {"ticket_id": served.pk}
    services.rating_from_tablet(
        device=tablet[0], ticket_id=served.pk, data=services.RatingInput(score="satisfied")
    )
    assert client.get(url).json() == {"ticket_id": None}
    assert client.post(url).status_code == 405


# --- Rating from the phone (the ticket's link) and the dossier survey --------------------------


def test_rating_a_ticket_from_its_link(anonymous, served, official):
    url = f"/ratings/ticket/{served.token}/"
    response = anonymous.get(url)
    assert response.status_code == 200
    assert "Gửi đánh giá" in text(response)
    response = anonymous.post(url, {"score": "very_satisfied"})
    assert 'data-testid="rating-thanks"' in text(response)
    assert Rating.objects.get().official == official
    again = anonymous.post(url, {"score": "dissatisfied"})
    assert again.status_code == 409
    assert "Lượt phục vụ này đã được đánh giá" in text(again)
    assert "Gửi đánh giá" not in text(anonymous.get(url))
    assert Rating.objects.count() == 1
    assert anonymous.get("/ratings/ticket/not-a-token/").status_code == 404


def test_a_ticket_not_finished_yet_cannot_be_rated(anonymous, center, counter, service, official):
    ticket = serve(center, counter, official, finish=False)
    response = anonymous.post(f"/ratings/ticket/{ticket.token}/", {"score": "satisfied"})
    assert response.status_code == 409
    assert "Chỉ đánh giá được sau khi cán bộ đã phục vụ xong." in text(response)
    assert not Rating.objects.exists()


def test_the_dossier_survey_needs_the_secret_and_is_answered_once(
    anonymous, center, procedure, official
):
    dossier = make_dossier(center, procedure, received_by=official)
    url = f"/dossiers/rate/{tracking_token(dossier)}/"
    assert anonymous.get(url).status_code == 200
    wrong = anonymous.post(url, {"secret": "0000", "score": "satisfied"})
    assert wrong.status_code == 404
    assert 'data-testid="rating-error"' in text(wrong)
    assert 'value="0000"' in text(wrong)
    assert not Rating.objects.exists()
    right = anonymous.post(url, {"secret": "2345", "score": "satisfied"})
    assert 'data-testid="rating-thanks"' in text(right)
    assert Rating.objects.get().official == official
    again = anonymous.get(url)
    assert "Hồ sơ này đã được đánh giá" in text(again)
    assert 'name="secret"' not in text(again)
    response = anonymous.post(url, {"secret": "2345", "score": "dissatisfied"})
    assert "Hồ sơ này đã được đánh giá" in text(response)
    assert Rating.objects.count() == 1


def test_the_dossier_survey_waits_for_the_result(anonymous, center, procedure):
    dossier = make_dossier(center, procedure, status=4)
    url = f"/dossiers/rate/{tracking_token(dossier)}/"
    response = anonymous.get(url)
    assert "Hồ sơ chưa có kết quả" in text(response)
    assert 'name="secret"' not in text(response)
    response = anonymous.post(url, {"secret": "2345", "score": "satisfied"})
    assert response.status_code == 409
    assert not Rating.objects.exists()


def test_a_forged_survey_link_is_404(anonymous, center, procedure):
    dossier = make_dossier(center, procedure)
    response = anonymous.get(f"/dossiers/rate/{dossier.code}_AAAAAAAA/")
    assert response.status_code == 404
    assert "Không tìm thấy" in text(response)


# --- Suggestion box ------------------------------------------------------------------------------


def test_an_empty_submission_shows_every_message_and_keeps_the_text(anonymous, center):
    response = anonymous.post(
        "/feedback/", {"subject": "Bãi xe", "content": "Ngắn", "phone": "12", "email": "x"}
    )
    assert response.status_code == 400
    body = text(response)
    for message in (
        "Hãy kiểm tra lại các ô được đánh dấu.",
        "Hãy chọn trung tâm.",
        "Hãy chọn loại góp ý.",
        "Hãy viết nội dung góp ý (ít nhất 10 ký tự).",
        "Số điện thoại không hợp lệ.",
        "Địa chỉ thư điện tử không hợp lệ.",
        "Hãy đồng ý để trung tâm xử lý thông tin ông/bà gửi.",
    ):
        assert message in body, message
    assert 'value="Bãi xe"' in body
    assert ">Ngắn</textarea>" in body
    assert not Feedback.objects.exists()
    # Only the consent missing: that message alone.
    response = anonymous.post("/feedback/", feedback_form(center, consent=""))
    assert response.status_code == 400
    assert "Hãy đồng ý để trung tâm" in text(response)
    assert "Hãy chọn trung tâm." not in text(response)
    assert not Feedback.objects.exists()


def test_an_anonymous_submission_gets_a_code_to_follow(anonymous, center):
    assert f'value="{center.code}" selected' in text(
        anonymous.get(f"/feedback/?center={center.code}")
    )
    response = anonymous.post("/feedback/", feedback_form(center))
    assert response.status_code == 200
    item = Feedback.objects.get()
    assert item.is_anonymous
    code = re.search(r'data-testid="feedback-code">(\w+)<', text(response))
    assert code is not None and code.group(1) == item.code
    follow = anonymous.get(f"/feedback/follow/?code={item.code}")
    assert "Thiếu ghế chờ" in text(follow)
    unknown = anonymous.get("/feedback/follow/?code=ZZZZZZZZZZ")
    assert unknown.status_code == 404
    assert 'data-testid="follow-error"' in text(unknown)


def test_submissions_are_rate_limited_per_address(anonymous, center, settings):
    settings.FEEDBACK_SUBMIT_LIMIT = (2, 3600)
    for _ in range(2):
        assert anonymous.post("/feedback/", feedback_form(center)).status_code == 200
    response = anonymous.post("/feedback/", feedback_form(center))
    assert response.status_code == 429
    assert 'data-testid="feedback-error"' in text(response)
    assert 'value="Thiếu ghế chờ"' in text(response)  # kept, to send later
    assert Feedback.objects.count() == 2
    # Another address is not held back; staff are not limited.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post("/feedback/", feedback_form(center)).status_code == 200


def test_follow_lookups_are_rate_limited(anonymous, settings):
    settings.FEEDBACK_LOOKUP_LIMIT = (3, 300)
    for _ in range(3):
        assert anonymous.get("/feedback/follow/?code=AAAAAAAAAA").status_code == 404
    response = anonymous.get("/feedback/follow/?code=AAAAAAAAAA")
    assert response.status_code == 429
    assert 'data-testid="follow-error"' in text(response)
    # The empty form is not a lookup.
    assert anonymous.get("/feedback/follow/").status_code == 200


def test_ratings_are_rate_limited(anonymous, center, counter, service, official, settings):
    settings.RATING_LIMIT = (1, 3600)
    first = serve(center, counter, official)
    second = serve(center, counter, official)
    assert (
        anonymous.post(f"/ratings/ticket/{first.token}/", {"score": "satisfied"}).status_code == 200
    )
    response = anonymous.post(f"/ratings/ticket/{second.token}/", {"score": "satisfied"})
    assert response.status_code == 429
    assert 'data-testid="rating-error"' in text(response)
    assert Rating.objects.count() == 1


def test_published_answers_only(anonymous, center, leader):
    shown = services.feedback_submit(
        center=center, data=services.FeedbackInput(**_fields("Ghế chờ"))
    )
    hidden = services.feedback_submit(
        center=center, data=services.FeedbackInput(**_fields("Nhà vệ sinh", phone="0912345678"))
    )
    services.feedback_act(
        actor=leader, item=shown, action="answer", answer="Đã thêm 20 ghế.", publish=True
    )
    services.feedback_act(actor=leader, item=hidden, action="answer", answer="Đã sửa.")
    body = text(anonymous.get(f"/feedback/answers/{center.code}/"))
    assert "Ghế chờ" in body and "Đã thêm 20 ghế." in body
    assert "Nhà vệ sinh" not in body and "0912345678" not in body
    assert anonymous.get("/feedback/answers/khong-co/").status_code == 404


def _fields(subject: str, **extra) -> dict[str, str]:
    return {
        "category": "suggestion",
        "subject": subject,
        "content": f"{subject}: cần cải thiện sớm.",
        **extra,
    }


# --- Staff pages ----------------------------------------------------------------------------------


def test_staff_of_another_center_get_404(center, other_center, leader, served, tablet):
    item = services.feedback_submit(center=center, data=services.FeedbackInput(**_fields("Ghế")))
    rating = services.rating_from_tablet(
        device=tablet[0], ticket_id=served.pk, data=services.RatingInput(score="dissatisfied")
    )
    outsider = logged_in(staff("leader", other_center, username="lanhdao-nc"))
    assert outsider.get(f"/staff/feedback/{item.pk}/").status_code == 404
    response = outsider.post(
        f"/staff/feedback/{item.pk}/act/", {"action": "answer", "answer": "Đã xem xét xong."}
    )
    assert response.status_code == 404
    assert outsider.get(f"/staff/feedback/ratings/{rating.pk}/").status_code == 404
    response = outsider.post(f"/staff/feedback/ratings/{rating.pk}/", {"note": "Đã gặp"})
    assert response.status_code == 404
    # Their own lists do not show the other center's items.
    assert "Ghế" not in text(outsider.get("/staff/feedback/?status="))
    assert 'data-testid="rating-table"' not in text(outsider.get("/staff/feedback/ratings/"))
    assert 'data-testid="rating-table"' in text(logged_in(leader).get("/staff/feedback/ratings/"))
    item.refresh_from_db()
    rating.refresh_from_db()
    assert item.status == "received" and rating.reviewed_at is None

    own = logged_in(leader)
    assert own.get(f"/staff/feedback/{item.pk}/").status_code == 200
    response = own.get(f"/staff/feedback/ratings/{rating.pk}/")
    assert response.status_code == 200
    assert "Lan Trần" in text(response)
    response = own.post(f"/staff/feedback/ratings/{rating.pk}/", {"note": "Đã gặp công dân."})
    assert response.status_code == 302
    rating.refresh_from_db()
    assert rating.review_note == "Đã gặp công dân." and rating.reviewed_by == leader


def test_staff_pages_need_a_login_and_a_role(anonymous, center, official):
    for url in ("/staff/feedback/", "/staff/feedback/ratings/", "/staff/feedback/new/"):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/staff/login/" in response["Location"], url
    specialist = logged_in(staff("specialist", center, username="chuyenvien"))
    assert specialist.get("/staff/feedback/ratings/").status_code == 404
    assert specialist.get("/staff/feedback/").status_code == 404
    # A receptionist types in letters from the box, but does not see the figures.
    receptionist = logged_in(official)
    assert receptionist.get("/staff/feedback/new/").status_code == 200
    assert receptionist.get("/staff/feedback/ratings/").status_code == 404


def test_a_stale_action_shows_a_message_and_changes_nothing(center, leader):
    item = services.feedback_submit(center=center, data=services.FeedbackInput(**_fields("Ghế")))
    client = logged_in(leader)
    response = client.post(
        f"/staff/feedback/{item.pk}/act/",
        {"action": "answer", "answer": "Đã thêm ghế.", "version": item.version + 1},
        follow=True,
    )
    assert "Góp ý vừa được người khác cập nhật" in text(response)
    item.refresh_from_db()
    assert item.status == "received" and item.answer == ""


def test_an_unassigned_item_and_its_detail_page_render(center, leader):
    # The page once failed on an item without an assignee (a template lookup on None).
    item = services.feedback_submit(center=center, data=services.FeedbackInput(**_fields("Ghế")))
    response = logged_in(leader).get(f"/staff/feedback/{item.pk}/")
    assert response.status_code == 200
    assert "Giao xử lý" in text(response)


# --- Language ------------------------------------------------------------------------------------


def test_the_language_cookie_chooses_english(served):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/feedback/")
    assert response.status_code == 200
    assert '<html lang="en"' in text(response)
    assert response["Content-Language"] == "en"
    # (The English wording itself comes from the compiled catalogue, built by `make messages`;
    # tests/web/test_translations.py checks the catalogue.)
    client.post(f"/ratings/ticket/{served.token}/", {"score": "satisfied"})
    assert Rating.objects.get().language == "en"
