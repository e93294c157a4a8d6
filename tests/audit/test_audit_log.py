"""The audit log: append-only (model, query set and, on PostgreSQL, a database trigger),
written on every staff view of a dossier's personal data and every dossier state change, and
read through /staff/audit/ by the leaders and admins of the center only."""

import io

import pytest
from django.db import DatabaseError, connection, transaction
from openpyxl import load_workbook

from motcua.audit.models import AuditEntry, AuditImmutable
from motcua.audit.services import audit_record
from motcua.dossiers import services
from motcua.organization.models import Role
from tests.audit.conftest import online_dossier
from tests.factories import PASSWORD, staff

pytestmark = pytest.mark.django_db


def _entry(center=None, **kwargs):
    return audit_record(
        actor=None, action="export", object_type="test", object_key="k", center=center, **kwargs
    )


def test_an_entry_is_never_updated_or_deleted(center):
    entry = _entry(center)
    entry.object_key = "changed"
    with pytest.raises(AuditImmutable):
        entry.save()
    with pytest.raises(AuditImmutable):
        entry.delete()
    with pytest.raises(AuditImmutable):
        AuditEntry.objects.filter(pk=entry.pk).update(object_key="changed")
    with pytest.raises(AuditImmutable):
        AuditEntry.objects.all().delete()
    entry.refresh_from_db()
    assert entry.object_key == "k"


def test_unknown_actions_are_refused(center):
    with pytest.raises(ValueError):
        audit_record(actor=None, action="something_else")
    assert not AuditEntry.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_update_and_delete_in_sql(center):
    entry = _entry(center)
    for sql in (
        "UPDATE audit_auditentry SET object_key = 'x' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    entry.refresh_from_db()
    assert entry.object_key == "k"


def test_every_dossier_state_change_is_recorded(center, procedure, receptionist):
    dossier = online_dossier(center, procedure)
    services.dossier_decide(
        actor=receptionist, dossier=dossier, decision=services.Decision("supplement")
    )
    rows = list(
        AuditEntry.objects.filter(action="state_change", object_key=dossier.code).order_by("id")
    )
    events = list(dossier.events.order_by("id"))
    assert len(rows) == len(events) >= 2
    assert [r.details["event"] for r in rows] == [e.pk for e in events]
    assert rows[-1].actor == receptionist
    assert rows[-1].center == center
    assert (rows[-1].details["from"], rows[-1].details["to"]) == (events[-1].from_status, 5)


def test_staff_views_of_personal_data_are_recorded(client, center, procedure, receptionist):
    dossier = online_dossier(center, procedure)
    client.force_login(receptionist)

    page = client.get(f"/staff/dossiers/{dossier.code}/", REMOTE_ADDR="192.0.2.10")
    file_row = dossier.files.first()
    download = client.get(f"/staff/dossiers/files/{file_row.pk}/", REMOTE_ADDR="192.0.2.10")
    api = client.get(f"/api/v1/dossiers/{dossier.code}", REMOTE_ADDR="192.0.2.11")

    assert page.status_code == download.status_code == api.status_code == 200
    views = list(
        AuditEntry.objects.filter(action="view_personal_data", object_key=dossier.code).order_by(
            "id"
        )
    )
    assert [v.details["what"] for v in views] == ["viewed", f"file={file_row.pk}", "api"]
    assert {v.actor for v in views} == {receptionist}
    assert [v.actor_ip for v in views] == ["192.0.2.10", "192.0.2.10", "192.0.2.11"]
    assert {v.center for v in views} == {center}


def test_a_refused_view_records_nothing(client, center, procedure, other_receptionist):
    dossier = online_dossier(center, procedure)
    client.force_login(other_receptionist)
    assert client.get(f"/staff/dossiers/{dossier.code}/").status_code == 404
    assert not AuditEntry.objects.filter(action="view_personal_data").exists()


def test_state_change_through_a_page_carries_the_address(client, center, procedure, receptionist):
    dossier = online_dossier(center, procedure)
    client.force_login(receptionist)
    client.post(
        f"/staff/dossiers/{dossier.code}/decide/",
        {"decision": "supplement", "missing": "Bản sao"},
        REMOTE_ADDR="192.0.2.20",
    )
    last = AuditEntry.objects.filter(action="state_change", object_key=dossier.code).first()
    assert last is not None and last.actor == receptionist
    assert last.actor_ip == "192.0.2.20"


# --- The viewer ----------------------------------------------------------------------------


@pytest.fixture
def entries(center, other_center):
    audit_record(
        actor=None, action="export", object_type="dossier", object_key="A-1", center=center
    )
    audit_record(
        actor=None, action="state_change", object_type="dossier", object_key="A-2", center=center
    )
    audit_record(
        actor=None, action="export", object_type="dossier", object_key="B-1", center=other_center
    )
    audit_record(actor=None, action="login_failed", object_type="user", object_key="x")


def _keys(response) -> set[str]:
    return {e.object_key for e in response.context["page"].object_list}


def test_leader_and_center_admin_see_their_center_only(client, center, entries):
    for role in (Role.LEADER, Role.CENTER_ADMIN):
        client.force_login(staff(role, center, username=f"u-{role}"))
        response = client.get("/staff/audit/")
        assert response.status_code == 200
        assert _keys(response) == {"A-1", "A-2"}


def test_province_admin_sees_the_province(client, center, province, entries):
    client.force_login(staff(Role.PROVINCE_ADMIN, province=province, username="tinh"))
    assert _keys(client.get("/staff/audit/")) == {"A-1", "A-2", "B-1"}


def test_superuser_also_sees_entries_of_no_center(client, entries, django_user_model):
    root = django_user_model.objects.create_superuser("root", "r@example.com", PASSWORD)
    client.force_login(root)
    assert _keys(client.get("/staff/audit/")) == {"A-1", "A-2", "B-1", "x"}


def test_other_roles_are_refused(client, center, entries):
    client.force_login(staff(Role.RECEPTIONIST, center, username="tn"))
    assert client.get("/staff/audit/").status_code == 403
    client.logout()
    assert client.get("/staff/audit/").status_code == 302  # to the log-in page


def test_filters(client, center, entries):
    client.force_login(staff(Role.LEADER, center, username="ld"))
    assert _keys(client.get("/staff/audit/?action=export")) == {"A-1"}
    assert _keys(client.get("/staff/audit/?code=a-2")) == {"A-2"}
    assert _keys(client.get("/staff/audit/?from=2000-01-01&to=2000-01-02")) == set()
    bad = client.get("/staff/audit/?from=hôm-qua&action=nope")
    assert bad.status_code == 200
    assert "Ngày bắt đầu không đúng định dạng." in bad.text
    assert _keys(bad) == {"A-1", "A-2"}


def test_paginated(client, center):
    for n in range(55):
        audit_record(actor=None, action="export", object_key=f"K-{n}", center=center)
    client.force_login(staff(Role.LEADER, center, username="ld"))
    first = client.get("/staff/audit/")
    second = client.get("/staff/audit/?page=2")
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 5


def test_xlsx_export_is_scoped_and_itself_recorded(client, center, entries):
    leader = staff(Role.LEADER, center, username="ld")
    client.force_login(leader)
    response = client.get("/staff/audit/?format=xlsx&action=export")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Lúc"
    assert [r[5] for r in rows[1:]] == ["A-1"]
    recorded = AuditEntry.objects.filter(action="export", object_type="audit_log").get()
    assert recorded.actor == leader and recorded.details["rows"] == 1
