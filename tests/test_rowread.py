"""motcua.rowread: the device token read in one precompiled statement gives the same objects
as the ORM's select_related query, field for field, on SQLite and PostgreSQL."""

import pytest

from motcua.organization.models import DeviceToken
from motcua.organization.selectors import device_token_authenticate, token_hash
from tests.factories import CounterFactory

pytestmark = pytest.mark.django_db


def _values(instance):
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_the_device_and_its_center_are_the_orm_s_own(center, django_user_model):
    counter = CounterFactory(center=center, number=3)
    admin = django_user_model.objects.create_user("quantri-rowread")
    device = DeviceToken.objects.create(
        center=center,
        purpose=DeviceToken.Purpose.COUNTER_TERMINAL,
        name="Quầy 3",
        counter=counter,
        prefix="abc",
        token_hash=token_hash("raw-token"),
        created_by=admin,
    )
    device_token_authenticate(raw="raw-token")  # writes last_used_at
    read = device_token_authenticate(raw="raw-token")
    orm = DeviceToken.objects.select_related("center").get(pk=device.pk)
    assert type(read) is DeviceToken and read == orm
    assert _values(read) == _values(orm)
    assert _values(read.center) == _values(orm.center)
    assert read.created_at.tzinfo is not None  # converted as the ORM converts
    assert read.counter == counter  # the rest is read as usual
    assert not read._state.adding and read._state.db == "default"


def test_only_non_null_foreign_keys_can_be_joined():
    from motcua.rowread import JoinedRead

    with pytest.raises(ValueError, match="non-null foreign key"):
        JoinedRead(DeviceToken, ["counter"], "m.id = %s")  # a device may have no counter
    with pytest.raises(ValueError, match="non-null foreign key"):
        JoinedRead(DeviceToken, ["name"], "m.id = %s")
