"""Device tokens: created by a center's admin for that center, shown once, stored as a hash."""

import pytest

from motcua.errors import InvalidInput, NotAllowed
from motcua.organization.models import DeviceToken
from motcua.organization.selectors import device_token_authenticate, token_hash
from motcua.organization.services import device_token_create, device_token_revoke
from tests.factories import staff

pytestmark = pytest.mark.django_db


def test_admin_creates_a_kiosk_token_for_its_center(admin_a, center):
    device, raw = device_token_create(
        actor=admin_a, center=center, purpose="kiosk", name="  Ki-ốt sảnh chính  "
    )

    stored = DeviceToken.objects.get()
    assert stored == device
    assert stored.center == center
    assert stored.purpose == "kiosk"
    assert stored.name == "Ki-ốt sảnh chính"
    assert stored.created_by == admin_a
    assert stored.is_active
    assert raw.startswith(f"mcd_{stored.prefix}")
    assert stored.token_hash == token_hash(raw)
    for field in DeviceToken._meta.concrete_fields:
        assert raw not in str(getattr(stored, field.attname)), field.name


def test_each_token_is_different(admin_a, center):
    _first, raw1 = device_token_create(actor=admin_a, center=center, purpose="kiosk", name="1")
    _second, raw2 = device_token_create(actor=admin_a, center=center, purpose="kiosk", name="2")

    assert raw1 != raw2


def test_counter_terminal_at_a_counter_of_its_center(admin_a, center, counter_a):
    device, raw = device_token_create(
        actor=admin_a, center=center, purpose="counter_terminal", name="Quầy 1", counter=counter_a
    )

    found = device_token_authenticate(raw=raw)
    assert found == device
    assert found.counter == counter_a


def test_province_admin_may_create_for_a_center_of_its_province(center, province):
    province_admin = staff("province_admin", province=province)

    device, _raw = device_token_create(
        actor=province_admin, center=center, purpose="display", name="Màn hình"
    )

    assert device.center == center


def test_admin_of_a_cannot_create_for_b(admin_a, other_center):
    with pytest.raises(NotAllowed) as caught:
        device_token_create(actor=admin_a, center=other_center, purpose="kiosk", name="Ki-ốt")

    assert caught.value.status == 403
    assert caught.value.message == "Chỉ quản trị của trung tâm này được làm việc này."
    assert DeviceToken.objects.count() == 0


def test_receptionist_cannot_create_a_token(receptionist_a, center):
    with pytest.raises(NotAllowed):
        device_token_create(actor=receptionist_a, center=center, purpose="kiosk", name="Ki-ốt")

    assert DeviceToken.objects.count() == 0


@pytest.mark.parametrize("purpose", ["counter_terminal", "rating_tablet"])
def test_counter_devices_need_a_counter(admin_a, center, purpose):
    with pytest.raises(InvalidInput) as caught:
        device_token_create(actor=admin_a, center=center, purpose=purpose, name="Thiết bị")

    assert caught.value.message == "Thiết bị tại quầy phải gắn với một quầy."
    assert DeviceToken.objects.count() == 0


def test_counter_of_another_center_is_refused(admin_a, center, counter_b):
    with pytest.raises(InvalidInput) as caught:
        device_token_create(
            actor=admin_a, center=center, purpose="rating_tablet", name="Máy", counter=counter_b
        )

    assert caught.value.message == "Quầy không thuộc trung tâm này."
    assert DeviceToken.objects.count() == 0


@pytest.mark.parametrize(("purpose", "name"), [("printer", "Máy in"), ("kiosk", "   ")])
def test_bad_purpose_or_blank_name_is_refused(admin_a, center, purpose, name):
    with pytest.raises(InvalidInput):
        device_token_create(actor=admin_a, center=center, purpose=purpose, name=name)

    assert DeviceToken.objects.count() == 0


def test_authenticate_filters_by_purpose(admin_a, center, counter_a):
    device, raw = device_token_create(actor=admin_a, center=center, purpose="kiosk", name="K")

    assert device_token_authenticate(raw=raw) == device
    assert device_token_authenticate(raw=raw, purposes=["kiosk", "display"]) == device
    assert device_token_authenticate(raw=raw, purposes=["display"]) is None
    assert device_token_authenticate(raw=raw, purposes=[]) is None


def test_authenticate_records_last_use(admin_a, center):
    device, raw = device_token_create(actor=admin_a, center=center, purpose="display", name="D")
    assert device.last_used_at is None

    device_token_authenticate(raw=raw)

    device.refresh_from_db()
    assert device.last_used_at is not None


@pytest.mark.parametrize("raw", ["", "mcd_something-else"])
def test_unknown_token_is_none(admin_a, center, raw):
    _device, real = device_token_create(actor=admin_a, center=center, purpose="kiosk", name="K")

    assert device_token_authenticate(raw=raw) is None
    assert device_token_authenticate(raw=real + "x") is None


def test_revoked_token_no_longer_authenticates(admin_a, center):
    device, raw = device_token_create(actor=admin_a, center=center, purpose="kiosk", name="K")

    device_token_revoke(actor=admin_a, device=device)

    device.refresh_from_db()
    assert device.revoked_at is not None
    assert not device.is_active
    assert device_token_authenticate(raw=raw) is None


def test_revoking_twice_keeps_the_first_time(admin_a, center):
    device, _raw = device_token_create(actor=admin_a, center=center, purpose="kiosk", name="K")
    device_token_revoke(actor=admin_a, device=device)
    first = DeviceToken.objects.get().revoked_at

    device_token_revoke(actor=admin_a, device=device)

    assert DeviceToken.objects.get().revoked_at == first


def test_admin_of_b_cannot_revoke_a_token_of_a(admin_a, admin_b, center):
    device, raw = device_token_create(actor=admin_a, center=center, purpose="kiosk", name="K")

    with pytest.raises(NotAllowed):
        device_token_revoke(actor=admin_b, device=device)

    assert device_token_authenticate(raw=raw) == device


def test_token_of_a_closed_center_no_longer_authenticates(admin_a, center):
    _device, raw = device_token_create(actor=admin_a, center=center, purpose="kiosk", name="K")
    center.is_active = False
    center.save()

    assert device_token_authenticate(raw=raw) is None
