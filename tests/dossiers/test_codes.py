"""Dossier codes ``{unit code}-{YYMMDD}-{NNNN}`` (by the center's local date, a sequence per
unit per day, never reused) and the yearly numbers of forms 01, 02 and 03."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from motcua.dossiers import services
from motcua.dossiers.models import Dossier, DossierSequence, FormSequence
from motcua.dossiers.selectors import checklist_for
from tests.dossiers.conftest import APPLICANT, local, pdf_bytes, upload
from tests.factories import staff

pytestmark = pytest.mark.django_db


def receive(center, procedure, actor, at, decision="accept"):
    return services.dossier_receive(
        actor=actor,
        center=center,
        procedure_code=procedure.code,
        channel="direct",
        applicant=APPLICANT,
        documents=[
            services.DocumentTick(doc.pk) for doc in checklist_for(procedure.current_version)
        ],
        decision=services.Decision(decision, missing=["Bản đồ"], reasons="Không thuộc thẩm quyền"),
        now=at,
    )


def code_at(center, procedure, actor, at) -> str:
    return receive(center, procedure, actor, at)[0].code


def test_the_code_has_the_national_shape(center, procedure, receptionist):
    code = code_at(center, procedure, receptionist, local(2026, 11, 30, 9))
    assert code == "000.00.10.H34-261130-0001"
    assert re.fullmatch(re.escape(center.unit_code) + r"-\d{6}-\d{4,}", code)


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        # 06:30 in Vietnam is 23:30 UTC the day before: the local date counts.
        (datetime(2026, 11, 30, 23, 30, tzinfo=UTC), "261201"),
        (local(2026, 12, 1, 6, 30), "261201"),
        # 23:30 in Vietnam is 16:30 UTC the same day.
        (local(2026, 11, 30, 23, 30), "261130"),
        # Just after local midnight, still the previous day in UTC.
        (local(2026, 12, 1, 0, 5), "261201"),
        (datetime(2026, 11, 30, 16, 59, 59, tzinfo=UTC), "261130"),
        (datetime(2026, 11, 30, 17, 0, tzinfo=UTC), "261201"),
    ],
)
def test_the_date_is_the_centers_local_date(center, procedure, receptionist, moment, day):
    code = code_at(center, procedure, receptionist, moment)
    assert code == f"{center.unit_code}-{day}-0001"


def test_the_local_date_of_the_centers_own_time_zone(center, procedure, receptionist):
    center.time_zone = "Asia/Tokyo"  # two hours ahead of Vietnam
    center.save()
    moment = local(2026, 11, 30, 23)  # 01:00 on 1 December in Tokyo
    assert code_at(center, procedure, receptionist, moment).endswith("-261201-0001")


def test_a_sequence_per_center_and_per_day(center, other_center, procedure, receptionist):
    from motcua.catalog.services import center_procedure_set

    center_procedure_set(actor=None, center=other_center, procedure=procedure)
    elsewhere = staff("receptionist", other_center, username="tn-nc")
    monday, tuesday = local(2026, 11, 30, 9), local(2026, 12, 1, 9)

    here = [code_at(center, procedure, receptionist, monday) for _ in range(3)]
    there = [code_at(other_center, procedure, elsewhere, monday) for _ in range(2)]
    next_day = [code_at(center, procedure, receptionist, tuesday) for _ in range(2)]

    assert here == [f"000.00.10.H34-261130-000{n}" for n in (1, 2, 3)]
    assert there == [f"000.00.11.H34-261130-000{n}" for n in (1, 2)]
    assert next_day == [f"000.00.10.H34-261201-000{n}" for n in (1, 2)]
    # Back to Monday (a dossier entered late with its real time): Monday's sequence goes on.
    assert code_at(center, procedure, receptionist, monday).endswith("-261130-0004")


def test_every_channel_and_decision_shares_the_days_sequence(
    center, procedure, receptionist, postal_staff
):
    at = local(2026, 11, 30, 9)
    codes = [
        receive(center, procedure, receptionist, at, "accept")[0].code,
        receive(center, procedure, receptionist, at, "refuse")[0].code,
        receive(center, procedure, receptionist, at, "supplement")[0].code,
        services.dossier_receive(
            actor=postal_staff,
            center=center,
            procedure_code=procedure.code,
            channel="postal",
            applicant=APPLICANT,
            documents=[
                services.DocumentTick(doc.pk) for doc in checklist_for(procedure.current_version)
            ],
            decision=services.Decision("accept"),
            postal_tracking="EB1VN",
            now=at,
        )[0].code,
        services.dossier_submit_online(
            center=center,
            procedure_code=procedure.code,
            applicant=APPLICANT,
            uploads=[services.Upload(upload("a.pdf", pdf_bytes()))],
            now=at,
        ).code,
    ]
    assert [code[-4:] for code in codes] == ["0001", "0002", "0003", "0004", "0005"]


def test_an_online_dossier_keeps_the_code_of_its_submission(center, procedure, receptionist):
    dossier = services.dossier_submit_online(
        center=center,
        procedure_code=procedure.code,
        applicant=APPLICANT,
        uploads=[services.Upload(upload("a.pdf", pdf_bytes()))],
        now=local(2026, 11, 30, 21),
    )
    accepted, _form = services.dossier_decide(
        actor=receptionist,
        dossier=dossier,
        decision=services.Decision("accept"),
        documents=[
            services.DocumentTick(doc.pk) for doc in checklist_for(procedure.current_version)
        ],
        now=local(2026, 12, 1, 8),
    )
    assert accepted.code == dossier.code == "000.00.10.H34-261130-0001"


def test_a_number_is_never_reused(center, procedure, receptionist):
    at = local(2026, 11, 30, 9)
    first = receive(center, procedure, receptionist, at)[0]
    second = receive(center, procedure, receptionist, at)[0]
    # Even when a dossier is removed (by an administrator), its number stays used.
    second.delete()
    third = receive(center, procedure, receptionist, at)[0]
    assert (first.code[-4:], third.code[-4:]) == ("0001", "0003")
    assert DossierSequence.objects.get(center=center, day=date(2026, 11, 30)).last_number == 3


def test_after_9999_the_number_has_five_digits(center, procedure, receptionist):
    DossierSequence.objects.create(center=center, day=date(2026, 11, 30), last_number=9998)
    codes = [code_at(center, procedure, receptionist, local(2026, 11, 30, 9)) for _ in range(2)]
    assert codes == ["000.00.10.H34-261130-9999", "000.00.10.H34-261130-10000"]
    assert re.fullmatch(r".+-\d{6}-\d{4,}", codes[1])


def test_dossier_code_next_alone(center):
    day = date(2027, 1, 4)
    assert services.dossier_code_next(center=center, day=day) == "000.00.10.H34-270104-0001"
    assert services.dossier_code_next(center=center, day=day) == "000.00.10.H34-270104-0002"
    assert Dossier.objects.count() == 0  # numbers only; no dossier


# --- Form numbers ---------------------------------------------------------------------------------


def test_form_numbers_count_per_form_type_and_year(center, procedure, receptionist):
    at = local(2026, 12, 30, 9)
    numbers = [
        (form.form, form.number, form.year)
        for _dossier, form in (
            receive(center, procedure, receptionist, at, "accept"),
            receive(center, procedure, receptionist, at, "accept"),
            receive(center, procedure, receptionist, at, "supplement"),
            receive(center, procedure, receptionist, at, "refuse"),
            receive(center, procedure, receptionist, at, "accept"),
            receive(center, procedure, receptionist, at, "refuse"),
        )
    ]
    assert numbers == [
        ("01", 1, 2026),
        ("01", 2, 2026),
        ("02", 1, 2026),
        ("03", 1, 2026),
        ("01", 3, 2026),
        ("03", 2, 2026),
    ]


def test_form_numbers_restart_with_the_local_year(center, procedure, receptionist):
    receive(center, procedure, receptionist, local(2026, 12, 31, 16))
    receive(center, procedure, receptionist, local(2026, 12, 31, 16))
    # 06:30 on 1 January 2027 in Vietnam is still 2026 in UTC.
    new_year = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    dossier, form = receive(center, procedure, receptionist, new_year)
    assert (form.form, form.number, form.year) == ("01", 1, 2027)
    assert form.display_number == "1/2027"
    assert dossier.code.endswith("-270101-0001")
    assert set(FormSequence.objects.values_list("form", "year", "last_number")) == {
        ("01", 2026, 2),
        ("01", 2027, 1),
    }


def test_form_numbers_are_per_center(center, other_center, procedure, receptionist):
    from motcua.catalog.services import center_procedure_set

    center_procedure_set(actor=None, center=other_center, procedure=procedure)
    elsewhere = staff("receptionist", other_center, username="tn-nc")
    at = local(2026, 11, 30, 9)
    receive(center, procedure, receptionist, at)
    receive(center, procedure, receptionist, at)
    _dossier, form = receive(other_center, procedure, elsewhere, at)
    assert form.number == 1


def test_an_online_dossier_gets_its_form_when_decided(center, procedure, receptionist):
    dossier = services.dossier_submit_online(
        center=center,
        procedure_code=procedure.code,
        applicant=APPLICANT,
        uploads=[services.Upload(upload("a.pdf", pdf_bytes()))],
        now=local(2026, 11, 30, 9),
    )
    assert dossier.forms.count() == 0  # registered: no form yet
    _accepted, form = services.dossier_decide(
        actor=receptionist,
        dossier=dossier,
        decision=services.Decision("supplement", missing=["Bản đồ"]),
        now=local(2026, 11, 30, 10),
    )
    assert (form.form, form.number, form.issued_by) == ("02", 1, receptionist)
