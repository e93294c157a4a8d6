"""The Django admin through real HTTP: a center's admin sees and changes only their center."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from motcua.organization.models import Counter, DeviceToken, Membership
from motcua.organization.selectors import device_token_authenticate
from motcua.workcalendar.models import CalendarOverride
from tests.factories import DepartmentFactory, UserFactory, staff

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def as_admin_a(client, admin_a):
    client.force_login(admin_a)
    return client


def html(response) -> str:
    return response.content.decode()


# --- entering the admin ----------------------------------------------------------------------


def test_center_admin_is_staff_and_enters_the_admin(as_admin_a, admin_a):
    admin_a.refresh_from_db()
    assert admin_a.is_staff
    assert not admin_a.is_superuser

    response = as_admin_a.get("/admin/")

    assert response.status_code == 200
    page = html(response)
    assert "/admin/organization/counter/" in page
    assert "/admin/organization/province/" not in page


def test_receptionist_is_sent_to_the_admin_login(client, receptionist_a):
    client.force_login(receptionist_a)

    for url in ("/admin/", "/admin/organization/counter/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/?next="), url


def test_anonymous_is_sent_to_the_admin_login(client, center):
    response = client.get("/admin/organization/counter/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/organization/counter/"


def test_province_list_is_denied_to_a_center_admin(as_admin_a, province):
    response = as_admin_a.get("/admin/organization/province/")

    assert response.status_code == 403
    assert as_admin_a.get(f"/admin/organization/province/{province.pk}/change/").status_code == 403
    assert as_admin_a.get("/admin/organization/province/add/").status_code == 403


def test_superuser_sees_provinces(client, province):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))

    response = client.get("/admin/organization/province/")

    assert response.status_code == 200
    assert province.name in html(response)


# --- counters and centers --------------------------------------------------------------------


def test_counter_list_shows_only_the_admins_center(as_admin_a, counter_a, counter_b):
    response = as_admin_a.get("/admin/organization/counter/")

    assert response.status_code == 200
    page = html(response)
    assert "Quầy Tư pháp Hạnh Phúc" in page
    assert "Quầy Đất đai Nam Cường" not in page
    assert f"/admin/organization/counter/{counter_b.pk}/change/" not in page


def test_counter_list_filtered_on_the_other_center_shows_nothing(
    as_admin_a, counter_a, counter_b, other_center
):
    response = as_admin_a.get(f"/admin/organization/counter/?center__id__exact={other_center.pk}")

    assert "Quầy Đất đai Nam Cường" not in html(response)


def test_counter_of_another_center_cannot_be_opened(as_admin_a, counter_b):
    response = as_admin_a.get(f"/admin/organization/counter/{counter_b.pk}/change/")

    assert response.status_code in (302, 403, 404)
    assert "Quầy Đất đai Nam Cường" not in html(response)


def test_counter_of_another_center_cannot_be_changed(as_admin_a, counter_b):
    response = as_admin_a.post(
        f"/admin/organization/counter/{counter_b.pk}/change/",
        {"center": counter_b.center_id, "number": 9, "name": "Đổi tên", "is_active": "on"},
    )

    assert response.status_code in (302, 403, 404)
    counter_b.refresh_from_db()
    assert counter_b.name == "Quầy Đất đai Nam Cường"
    assert counter_b.number == 1


def test_counter_of_another_center_cannot_be_deleted(as_admin_a, counter_b):
    response = as_admin_a.post(
        f"/admin/organization/counter/{counter_b.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code in (302, 403, 404)
    assert Counter.objects.filter(pk=counter_b.pk).exists()


def test_own_counter_can_be_changed(as_admin_a, counter_a, center):
    response = as_admin_a.post(
        f"/admin/organization/counter/{counter_a.pk}/change/",
        {"center": center.pk, "number": 7, "name": "Quầy Hộ tịch", "is_active": "on"},
    )

    assert response.status_code == 302
    counter_a.refresh_from_db()
    assert (counter_a.number, counter_a.name) == (7, "Quầy Hộ tịch")


def test_counter_cannot_be_added_to_another_center(as_admin_a, center, other_center):
    page = html(as_admin_a.get("/admin/organization/counter/add/"))
    assert other_center.name not in page
    assert center.name in page

    response = as_admin_a.post(
        "/admin/organization/counter/add/",
        {"center": other_center.pk, "number": 5, "name": "Quầy lạ", "is_active": "on"},
    )

    assert response.status_code == 200  # the form again, with an error
    assert not Counter.objects.filter(name="Quầy lạ").exists()


def test_counter_cannot_use_a_department_of_another_center(as_admin_a, center, other_center):
    theirs = DepartmentFactory(center=other_center, name="Phòng Tài nguyên Nam Cường")

    response = as_admin_a.post(
        "/admin/organization/counter/add/",
        {"center": center.pk, "number": 5, "name": "Quầy lạ", "department": theirs.pk},
    )

    assert response.status_code == 200
    assert not Counter.objects.filter(name="Quầy lạ").exists()


def test_center_list_and_change_page(as_admin_a, center, other_center):
    page = html(as_admin_a.get("/admin/organization/center/"))
    assert center.name in page
    assert other_center.name not in page

    mine = as_admin_a.get(f"/admin/organization/center/{center.pk}/change/")
    assert mine.status_code == 200
    assert center.name in html(mine)

    theirs = as_admin_a.get(f"/admin/organization/center/{other_center.pk}/change/")
    assert theirs.status_code in (302, 403, 404)
    assert other_center.name not in html(theirs)


def test_center_admin_cannot_add_a_center(as_admin_a):
    assert as_admin_a.get("/admin/organization/center/add/").status_code == 403


def test_center_admin_cannot_change_the_identity_of_its_center(as_admin_a, center):
    page = html(as_admin_a.get(f"/admin/organization/center/{center.pk}/change/"))

    # Codes and province are read-only: no input carries them.
    assert 'name="code"' not in page
    assert 'name="unit_code"' not in page
    assert 'name="province"' not in page
    assert 'name="name"' in page


# --- staff accounts ------------------------------------------------------------------------


def test_user_list_shows_staff_of_a_and_not_of_b(
    as_admin_a, receptionist_a, receptionist_b, admin_b
):
    root = UserFactory(username="root-account", is_superuser=True, is_staff=True)

    response = as_admin_a.get("/admin/auth/user/")

    assert response.status_code == 200
    page = html(response)
    assert "tiepnhan-hp" in page
    assert "tiepnhan-nc" not in page
    assert "quantri-nc" not in page
    assert root.username not in page


def test_user_of_b_cannot_be_opened_or_changed(as_admin_a, receptionist_b):
    response = as_admin_a.get(f"/admin/auth/user/{receptionist_b.pk}/change/")
    assert response.status_code in (302, 403, 404)
    assert "tiepnhan-nc" not in html(response)

    response = as_admin_a.post(
        f"/admin/auth/user/{receptionist_b.pk}/password/",
        {"password1": "Mat-khau-moi-2026!", "password2": "Mat-khau-moi-2026!"},
    )
    assert response.status_code in (302, 403, 404)
    receptionist_b.refresh_from_db()
    assert receptionist_b.check_password("Mat-khau-2026")


def test_user_of_a_can_be_opened_without_superuser_fields(as_admin_a, receptionist_a):
    response = as_admin_a.get(f"/admin/auth/user/{receptionist_a.pk}/change/")

    assert response.status_code == 200
    page = html(response)
    assert "tiepnhan-hp" in page
    assert 'name="is_superuser"' not in page
    assert 'name="user_permissions"' not in page
    assert 'name="groups"' not in page


def test_membership_list_shows_a_only(as_admin_a, receptionist_a, receptionist_b):
    page = html(as_admin_a.get("/admin/organization/membership/"))

    assert "tiepnhan-hp" in page
    assert "tiepnhan-nc" not in page


def inline_data(user, **membership):
    """The user change form of the admin with one new membership row."""
    data = {
        "username": user.username,
        "last_name": user.last_name,
        "first_name": user.first_name,
        "email": "",
        "is_active": "on",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    data.update({f"memberships-0-{key}": value for key, value in membership.items()})
    return data


def test_granting_an_admin_role_through_the_user_page_sets_is_staff(as_admin_a, center):
    newcomer = UserFactory(username="moi")

    response = as_admin_a.post(
        f"/admin/auth/user/{newcomer.pk}/change/",
        inline_data(newcomer, role="center_admin", center=center.pk),
    )

    assert response.status_code == 302
    assert Membership.objects.filter(user=newcomer, role="center_admin", center=center).exists()
    newcomer.refresh_from_db()
    assert newcomer.is_staff


def test_user_page_does_not_grant_a_role_at_another_center(as_admin_a, other_center):
    newcomer = UserFactory(username="moi")

    response = as_admin_a.post(
        f"/admin/auth/user/{newcomer.pk}/change/",
        inline_data(newcomer, role="receptionist", center=other_center.pk),
    )

    assert response.status_code == 200  # the form again, with an error
    assert not Membership.objects.filter(user=newcomer).exists()


def test_user_page_does_not_grant_a_province_role_at_a_center(as_admin_a, client, center):
    newcomer = UserFactory(username="moi")

    as_admin_a.post(
        f"/admin/auth/user/{newcomer.pk}/change/",
        inline_data(newcomer, role="province_admin", center=center.pk),
    )

    assert not Membership.objects.filter(user=newcomer, role="province_admin").exists()
    newcomer.refresh_from_db()
    client.force_login(newcomer)
    assert client.get("/admin/organization/center/add/").status_code != 200


def test_center_admin_cannot_take_over_a_province_admin_account(as_admin_a, center, province):
    boss = staff("province_admin", province=province, username="giamdoc-so")
    staff("leader", center=center, username="giamdoc-so")

    as_admin_a.post(
        f"/admin/auth/user/{boss.pk}/password/",
        {"password1": "Mat-khau-moi-2026!", "password2": "Mat-khau-moi-2026!"},
    )

    boss.refresh_from_db()
    assert not boss.check_password("Mat-khau-moi-2026!")


def test_membership_add_page_opens_for_a_center_admin(as_admin_a):
    as_admin_a.raise_request_exception = False

    response = as_admin_a.get("/admin/organization/membership/add/")

    assert response.status_code == 200


def test_membership_page_does_not_grant_a_role_at_another_center(as_admin_a, other_center):
    as_admin_a.raise_request_exception = False
    newcomer = UserFactory(username="moi")

    response = as_admin_a.post(
        "/admin/organization/membership/add/",
        {"user": newcomer.pk, "role": "receptionist", "center": other_center.pk},
    )

    assert response.status_code != 302
    assert not Membership.objects.filter(user=newcomer).exists()


def test_membership_form_offers_no_province_to_a_center_admin(rf, admin_a, province):
    from django.contrib import admin as django_admin

    model_admin = django_admin.site._registry[Membership]
    request = rf.get("/admin/organization/membership/add/")
    request.user = admin_a

    field = model_admin.formfield_for_foreignkey(Membership._meta.get_field("province"), request)

    assert province not in field.queryset


def test_deleting_the_admin_membership_in_the_admin_clears_is_staff(as_admin_a, center):
    deputy = staff("center_admin", center=center, username="pho-quantri")
    membership = Membership.objects.get(user=deputy)

    response = as_admin_a.post(
        f"/admin/organization/membership/{membership.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 302
    deputy.refresh_from_db()
    assert not deputy.is_staff


# --- device tokens -------------------------------------------------------------------------


def test_device_token_created_in_the_admin_is_shown_once(as_admin_a, center, admin_a):
    response = as_admin_a.post(
        "/admin/organization/devicetoken/add/",
        {"center": center.pk, "purpose": "kiosk", "name": "Ki-ốt sảnh", "counter": ""},
        follow=True,
    )

    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    token_messages = [m for m in shown if m.startswith("Mã thiết bị (chỉ hiện một lần")]
    assert len(token_messages) == 1
    raw = token_messages[0].rsplit(" ", 1)[-1]
    device = DeviceToken.objects.get()
    assert device.name == "Ki-ốt sảnh"
    assert device.created_by == admin_a
    assert device_token_authenticate(raw=raw) == device
    assert raw in html(response)

    again = as_admin_a.get("/admin/organization/devicetoken/")
    assert raw not in html(again)
    assert device.prefix in html(again)


def test_device_token_cannot_be_created_for_another_center(as_admin_a, other_center):
    response = as_admin_a.post(
        "/admin/organization/devicetoken/add/",
        {"center": other_center.pk, "purpose": "kiosk", "name": "Ki-ốt", "counter": ""},
    )

    assert response.status_code == 200  # the form again, with an error
    assert DeviceToken.objects.count() == 0


def test_counter_device_without_counter_is_a_form_error_not_a_500(as_admin_a, center):
    as_admin_a.raise_request_exception = False

    response = as_admin_a.post(
        "/admin/organization/devicetoken/add/",
        {"center": center.pk, "purpose": "counter_terminal", "name": "Quầy 1", "counter": ""},
    )

    assert response.status_code == 200
    assert "Thiết bị tại quầy phải gắn với một quầy." in html(response)
    assert DeviceToken.objects.count() == 0


def test_device_tokens_of_b_are_hidden_and_cannot_be_revoked(as_admin_a, admin_b, other_center):
    from motcua.organization.services import device_token_create

    device, raw = device_token_create(
        actor=admin_b, center=other_center, purpose="display", name="Màn hình Nam Cường"
    )

    assert "Màn hình Nam Cường" not in html(as_admin_a.get("/admin/organization/devicetoken/"))
    as_admin_a.post(
        "/admin/organization/devicetoken/",
        {"action": "revoke", "_selected_action": [device.pk], "index": 0},
    )
    assert device_token_authenticate(raw=raw) == device


def test_own_device_token_is_revoked_by_the_admin_action(as_admin_a, admin_a, center):
    from motcua.organization.services import device_token_create

    device, raw = device_token_create(actor=admin_a, center=center, purpose="kiosk", name="K")

    response = as_admin_a.post(
        "/admin/organization/devicetoken/",
        {"action": "revoke", "_selected_action": [device.pk], "index": 0},
    )

    assert response.status_code == 302
    assert device_token_authenticate(raw=raw) is None


# --- calendar overrides --------------------------------------------------------------------


@pytest.fixture
def overrides(center, other_center):
    national = CalendarOverride.objects.create(
        date=date(2026, 12, 31), kind="day_off", center_code="", name="Nghỉ cả nước"
    )
    mine = CalendarOverride.objects.create(
        date=date(2026, 3, 2), kind="day_off", center_code="hanh-phuc", name="Lễ hội Hạnh Phúc"
    )
    theirs = CalendarOverride.objects.create(
        date=date(2026, 3, 3), kind="day_off", center_code="nam-cuong", name="Lễ hội Nam Cường"
    )
    return national, mine, theirs


def test_overrides_list_shows_national_and_own(as_admin_a, overrides):
    response = as_admin_a.get("/admin/workcalendar/calendaroverride/")

    assert response.status_code == 200
    page = html(response)
    national, mine, theirs = overrides
    assert f"/admin/workcalendar/calendaroverride/{national.pk}/change/" in page
    assert f"/admin/workcalendar/calendaroverride/{mine.pk}/change/" in page
    assert f"/admin/workcalendar/calendaroverride/{theirs.pk}/change/" not in page


def test_override_of_another_center_cannot_be_opened(as_admin_a, overrides):
    theirs = overrides[2]

    response = as_admin_a.get(f"/admin/workcalendar/calendaroverride/{theirs.pk}/change/")

    assert response.status_code in (302, 403, 404)
    assert "Lễ hội Nam Cường" not in html(response)


def test_national_override_is_not_changed_or_deleted_by_a_center_admin(as_admin_a, overrides):
    as_admin_a.raise_request_exception = False
    national = overrides[0]

    changed = as_admin_a.post(
        f"/admin/workcalendar/calendaroverride/{national.pk}/change/",
        {"date": "2026-12-30", "kind": "working_day", "center_code": "hanh-phuc", "name": "x"},
    )
    deleted = as_admin_a.post(
        f"/admin/workcalendar/calendaroverride/{national.pk}/delete/", {"post": "yes"}
    )

    assert changed.status_code != 302
    assert deleted.status_code == 403
    national.refresh_from_db()
    assert (national.date, national.kind, national.center_code, national.name) == (
        date(2026, 12, 31),
        "day_off",
        "",
        "Nghỉ cả nước",
    )


def test_national_override_opens_read_only_and_refuses_a_change(as_admin_a, overrides):
    as_admin_a.raise_request_exception = False
    national = overrides[0]
    url = f"/admin/workcalendar/calendaroverride/{national.pk}/change/"

    page = as_admin_a.get(url)
    changed = as_admin_a.post(url, {"date": "2026-12-30", "kind": "working_day", "name": "x"})

    assert page.status_code == 200
    assert "Nghỉ cả nước" in html(page)
    assert 'name="date"' not in html(page)
    assert changed.status_code == 403


def test_own_override_can_be_changed(as_admin_a, overrides):
    mine = overrides[1]

    response = as_admin_a.post(
        f"/admin/workcalendar/calendaroverride/{mine.pk}/change/",
        {"date": "2026-03-02", "kind": "working_day", "center_code": "hanh-phuc", "name": "Đổi"},
    )

    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.kind == "working_day"


def test_override_can_be_added_for_own_center_only(as_admin_a, admin_a, center, other_center):
    refused = as_admin_a.post(
        "/admin/workcalendar/calendaroverride/add/",
        {"date": "2026-04-01", "kind": "day_off", "center_code": "nam-cuong", "name": "x"},
    )
    national = as_admin_a.post(
        "/admin/workcalendar/calendaroverride/add/",
        {"date": "2026-04-01", "kind": "day_off", "center_code": "", "name": "x"},
    )
    accepted = as_admin_a.post(
        "/admin/workcalendar/calendaroverride/add/",
        {"date": "2026-04-01", "kind": "day_off", "center_code": "hanh-phuc", "name": "Sự kiện"},
    )

    assert refused.status_code == 200
    assert national.status_code == 200
    assert accepted.status_code == 302
    (override,) = CalendarOverride.objects.all()
    assert override.center_code == "hanh-phuc"
    assert override.created_by == admin_a


def test_center_admin_edits_working_hours_departments_and_counters_inline(as_admin_a, center):
    # The inlines need no Django model permissions: the page is the center admin's already.
    page = html(as_admin_a.get(f"/admin/organization/center/{center.pk}/change/"))
    for prefix in ("working_periods", "departments", "counters"):
        assert f'name="{prefix}-TOTAL_FORMS"' in page
