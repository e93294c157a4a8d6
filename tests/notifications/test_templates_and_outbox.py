"""Templates in both languages, a center's own wording with preview, opting out, bad input."""

import pytest

from motcua.errors import InvalidInput, NotAllowed
from motcua.notifications.defaults import DEFAULTS, SAMPLE_CONTEXT
from motcua.notifications.models import Kind, Message, MessageTemplate, OptOut
from motcua.notifications.services import (
    message_template_save,
    notification_enqueue,
    opt_out_url,
    recipient_opt_out,
    template_render,
    template_text,
)
from tests.factories import staff

pytestmark = pytest.mark.django_db


def test_every_kind_has_both_languages_for_email_and_sms():
    assert set(DEFAULTS) == set(Kind.values)
    for kind in Kind.values:
        for language in ("vi", "en"):
            for channel in ("email", "sms"):
                subject, body = template_render(
                    *template_text(center=None, kind=kind, channel=channel, language=language),
                    SAMPLE_CONTEXT,
                )
                assert body and "{{" not in body and "{%" not in body
                assert channel == "sms" or subject


def test_a_template_renders_in_vietnamese_and_in_english():
    context = SAMPLE_CONTEXT | {"ticket": "1005", "ahead": 2, "center_name": "Trung tâm X"}
    vi = template_render(
        *template_text(center=None, kind="queue_position", channel="email", language="vi"), context
    )
    en = template_render(
        *template_text(center=None, kind="queue_position", channel="email", language="en"), context
    )
    assert vi == (
        "Sắp đến lượt số 1005",
        "Số thứ tự 1005 của ông/bà tại Trung tâm X còn 2 người nữa là đến lượt. "
        "Xin mời ông/bà có mặt gần quầy.",
    )
    assert en == (
        "Your turn is near: number 1005",
        "Number 1005 at Trung tâm X: 2 people ahead of you. Please come near the counters.",
    )


def test_values_are_not_html_escaped_in_plain_text():
    _subject, body = template_render("", "{{ reason }}", {"reason": "Thiếu <bản sao> & giấy tờ"})
    assert body == "Thiếu <bản sao> & giấy tờ"


def test_a_center_admin_words_a_message_and_only_their_center_uses_it(center, other_center):
    admin = staff("center_admin", center)
    message_template_save(
        actor=admin,
        center=center,
        kind="result_ready",
        channel="sms",
        language="vi",
        subject="",
        body="HP: ho so {{ dossier_code }} da co ket qua",
    )
    ours = template_text(center=center, kind="result_ready", channel="sms", language="vi")
    theirs = template_text(center=other_center, kind="result_ready", channel="sms", language="vi")
    assert ours == ("", "HP: ho so {{ dossier_code }} da co ket qua")
    assert theirs != ours
    with pytest.raises(NotAllowed):
        message_template_save(
            actor=admin,
            center=other_center,
            kind="result_ready",
            channel="sms",
            language="vi",
            subject="",
            body="x",
        )
    with pytest.raises(InvalidInput):
        message_template_save(
            actor=admin,
            center=center,
            kind="result_ready",
            channel="sms",
            language="vi",
            subject="",
            body="{% if %}",
        )
    assert MessageTemplate.objects.count() == 1


@pytest.mark.parametrize(
    ("channel", "recipient"),
    [("email", "not-an-email"), ("sms", "12ab"), ("sms", "123"), ("email", "")],
)
def test_bad_recipients_are_refused_and_nothing_is_written(center, channel, recipient):
    with pytest.raises(InvalidInput):
        notification_enqueue(
            center=center,
            kind="result_ready",
            channel=channel,
            recipient=recipient,
            context={},
            idempotency_key=f"x:{channel}:{recipient}",
        )
    assert Message.objects.count() == 0


def test_opting_out_stops_non_essential_messages_only(center):
    url = opt_out_url("0912345678")
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert recipient_opt_out(token=token) == "0912345678"
    assert OptOut.objects.filter(recipient="0912345678").exists()
    invitation = notification_enqueue(
        center=center,
        kind="rating_invitation",
        channel="sms",
        recipient="0912 345 678",
        context={"rating_url": "http://x/r"},
        idempotency_key="rating:1:sms",
    )
    result = notification_enqueue(
        center=center,
        kind="result_ready",
        channel="sms",
        recipient="0912345678",
        context={},
        idempotency_key="result:1:sms",
    )
    assert invitation.status == Message.Status.SUPPRESSED
    assert result.status == Message.Status.PENDING


def test_a_forged_opt_out_link_is_refused():
    with pytest.raises(InvalidInput):
        recipient_opt_out(token="0912345678:forged")
    assert OptOut.objects.count() == 0
