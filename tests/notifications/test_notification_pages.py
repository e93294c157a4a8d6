"""Staff pages: delivery status with retry, templates with preview; the public opt-out page."""

import pytest

from motcua.notifications.models import Message, MessageTemplate, OptOut
from motcua.notifications.services import notification_enqueue, opt_out_url
from tests.factories import staff

pytestmark = pytest.mark.django_db


def _message(center, key="k1", status=Message.Status.FAILED):
    message = notification_enqueue(
        center=center,
        kind="result_ready",
        channel="sms",
        recipient="0912345678",
        context={"dossier_code": "D-1"},
        idempotency_key=key,
    )
    Message.objects.filter(pk=message.pk).update(status=status, last_error="gateway HTTP 503")
    return message


def test_staff_see_their_centers_messages_only(client, center, other_center):
    ours = _message(center, "ours")
    theirs = _message(other_center, "theirs")
    client.force_login(staff("receptionist", center))
    page = client.get("/staff/messages/")
    assert page.status_code == 200
    assert f"/staff/messages/{ours.pk}/" in page.text
    assert f"/staff/messages/{theirs.pk}/" not in page.text
    assert client.get(f"/staff/messages/{theirs.pk}/").status_code == 404
    detail = client.get(f"/staff/messages/{ours.pk}/")
    assert "gateway HTTP 503" in detail.text and "D-1" in detail.text


def test_a_failed_message_is_retried_from_its_page(
    client, center, django_capture_on_commit_callbacks
):
    message = _message(center)
    client.force_login(staff("receptionist", center))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/staff/messages/{message.pk}/retry/")
    assert response.status_code == 302
    message.refresh_from_db()
    # No provider configured in tests: the retried message is shown to staff.
    assert message.status == Message.Status.SHOWN


def test_template_preview_and_save(client, center):
    client.force_login(staff("center_admin", center))
    url = f"/staff/notifications/templates/{center.code}/result_ready/sms/vi/"
    page = client.get(url)
    assert page.status_code == 200 and "000.00.10.H99-261123-0001" in page.text
    preview = client.post(
        url,
        {"subject": "", "body": "KQ {{ dossier_code }}!", "action": "preview"},
        headers={"HX-Request": "true"},
    )
    assert "KQ 000.00.10.H99-261123-0001!" in preview.text and "<html" not in preview.text
    broken = client.post(url, {"subject": "", "body": "{% if %}", "action": "save"})
    assert broken.status_code == 200 and "Mẫu không hợp lệ" in broken.text
    assert not MessageTemplate.objects.exists()
    saved = client.post(url, {"subject": "", "body": "KQ {{ dossier_code }}", "action": "save"})
    assert saved.status_code == 302
    assert MessageTemplate.objects.get().body == "KQ {{ dossier_code }}"


def test_templates_are_for_center_admins(client, center, other_center):
    client.force_login(staff("receptionist", center))
    assert client.get("/staff/notifications/templates/").status_code == 404
    client.force_login(staff("center_admin", center))
    assert (
        client.get(
            f"/staff/notifications/templates/{other_center.code}/result_ready/sms/vi/"
        ).status_code
        == 404
    )
    assert (
        client.get(f"/staff/notifications/templates/{center.code}/nope/sms/vi/").status_code == 404
    )


def test_opt_out_page(client):
    url = opt_out_url("a@example.org").replace("http://127.0.0.1:8000", "")
    assert "a@example.org" in client.get(url).text
    assert not OptOut.objects.exists()
    assert client.post(url).status_code == 200
    assert OptOut.objects.filter(recipient="a@example.org").exists()
    assert client.get("/notifications/opt-out/forged/").status_code == 400
