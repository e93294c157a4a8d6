"""The demo province loads completely and loading it again changes nothing."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from motcua.organization.models import Center, Counter, Department, Membership, Role
from motcua.organization.selectors import center_calendar


def _counts():
    return (
        Center.objects.count(),
        Department.objects.count(),
        Counter.objects.count(),
        Membership.objects.count(),
        User.objects.count(),
    )


@pytest.mark.django_db
def test_seed_demo_is_complete_and_idempotent(capsys):
    call_command("seed_demo")
    first = _counts()
    output = capsys.readouterr().out
    assert "hp.tiepnhan1" in output and "motcua-demo" in output

    call_command("seed_demo", quiet_logins=True)
    assert _counts() == first

    assert Center.objects.count() >= 3
    # Every role is held by somebody.
    held = set(Membership.objects.values_list("role", flat=True))
    assert held == set(Role.values)
    # Only the demo superuser is a superuser, however often the seed runs.
    assert list(User.objects.filter(is_superuser=True).values_list("username", flat=True)) == [
        "admin"
    ]
    # Center admins enter the Django admin; receptionists do not.
    assert User.objects.get(username="hp.quantri").is_staff
    assert not User.objects.get(username="hp.tiepnhan1").is_staff
    # Every center has the three departments and a priority desk.
    for center in Center.objects.all():
        assert center.departments.count() == 3
        assert center.counters.filter(is_priority_desk=True).exists()


@pytest.mark.django_db
def test_demo_center_with_saturday_mornings_has_its_own_week():
    call_command("seed_demo", quiet_logins=True)
    calendar = center_calendar(center=Center.objects.get(code="nghia-hanh"))
    saturday = calendar.week[5]
    assert [(s.strftime("%H:%M"), e.strftime("%H:%M")) for s, e in saturday] == [("07:30", "11:30")]
    assert calendar.day_length.total_seconds() == 8 * 3600
