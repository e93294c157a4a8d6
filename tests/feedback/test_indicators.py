"""The satisfaction figures against hand-computed fixtures: the ratings' rate per grouping and
the Decision 766 satisfaction figure (100 % − late rate − complaint rate)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from motcua.dossiers.models import Timeliness
from motcua.feedback import indicators, selectors, services
from motcua.feedback.models import Rating
from motcua.feedback.services import FeedbackInput
from tests.factories import CounterFactory, staff
from tests.feedback.conftest import HCM, make_dossier

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 1, tzinfo=HCM)
END = datetime(2026, 12, 1, tzinfo=HCM)
IN = datetime(2026, 11, 10, 10, 0, tzinfo=HCM)
BEFORE = datetime(2026, 10, 31, 23, 59, tzinfo=HCM)


def test_percent_rounds_half_up_to_one_decimal():
    assert indicators.percent(1, 3) == 33.3
    assert indicators.percent(2, 3) == 66.7
    assert indicators.percent(1, 8) == 12.5
    assert indicators.percent(1, 16) == 6.3  # 6.25 → 6.3 (half up, not to even)
    assert indicators.percent(0, 0) is None


@pytest.mark.parametrize(
    ("dossiers", "late", "complained", "expected"),
    [
        (0, 0, 0, None),
        (10, 0, 0, 100.0),
        (10, 1, 0, 90.0),
        (10, 1, 2, 70.0),
        (8, 1, 1, 75.0),
        (3, 1, 0, 66.7),
        (4, 3, 3, 0.0),  # 100 − 75 − 75 is below 0: never below 0
    ],
)
def test_766_formula(dossiers, late, complained, expected):
    result = indicators.satisfaction_766_from_counts(
        dossiers=dossiers, late=late, complained=complained
    )
    assert result.satisfaction == expected


def test_766_satisfaction_on_a_hand_computed_fixture(center, other_center, procedure, served):
    """Eight dossiers with a result in November at the center:

    1 on time                                   -
    2 early                                     -
    3 late                                      late
    4 on time, two supplement requests          late (more than one supplement)
    5 on time, one supplement request           -
    6 on time, a "dissatisfied" survey answer   complained
    7 late, a complaint in the suggestion box   late and complained (counts in both)
    8 on time, a complaint about another matter closed as a "suggestion": not a complaint

    Not counted: a dossier with its result in October, one still in process, one of another
    center. Late rate 3/8 = 37.5 %, complaint rate 2/8 = 25 %: satisfaction 37.5 %.
    """
    d = [None] + [
        make_dossier(center, procedure, processed_at=IN, timeliness=Timeliness.ON_TIME),
        make_dossier(center, procedure, processed_at=IN, timeliness=Timeliness.EARLY),
        make_dossier(center, procedure, processed_at=IN, timeliness=Timeliness.LATE),
        make_dossier(center, procedure, processed_at=IN, supplements=2),
        make_dossier(center, procedure, processed_at=IN, supplements=1),
        make_dossier(center, procedure, processed_at=IN),
        make_dossier(center, procedure, processed_at=IN, timeliness=Timeliness.LATE),
        make_dossier(center, procedure, processed_at=IN, status=10),
    ]
    # Outside the base.
    october = make_dossier(center, procedure, processed_at=BEFORE, timeliness=Timeliness.LATE)
    make_dossier(center, procedure, status=4)
    make_dossier(other_center, procedure, processed_at=IN, timeliness=Timeliness.LATE)
    Rating.objects.create(
        center=center,
        kind=Rating.Kind.DOSSIER,
        channel=Rating.Channel.LINK,
        dossier=d[6],
        score="dissatisfied",
        created_at=IN + timedelta(days=1),
    )
    Rating.objects.create(
        center=center,
        kind=Rating.Kind.DOSSIER,
        channel=Rating.Channel.LINK,
        dossier=october,
        score="dissatisfied",
        created_at=IN,
    )
    Rating.objects.create(  # satisfied: no effect
        center=center,
        kind=Rating.Kind.DOSSIER,
        channel=Rating.Channel.LINK,
        dossier=d[1],
        score="satisfied",
        created_at=IN,
    )
    services.feedback_submit(
        center=center,
        data=FeedbackInput(
            category="complaint",
            subject="Trễ hẹn",
            content="Hồ sơ của tôi bị trễ hẹn hai ngày.",
            dossier_code=d[7].code,
        ),
        now=IN,
    )
    services.feedback_submit(
        center=center,
        data=FeedbackInput(
            category="suggestion",
            subject="Góp ý",
            content="Nên có thêm ghế ngồi chờ.",
            dossier_code=d[8].code,
        ),
        now=IN,
    )
    result = indicators.satisfaction_766(center_ids=[center.pk], start=START, end=END)
    assert (result.dossiers, result.late, result.complained) == (8, 3, 2)
    assert result.late_rate == 37.5
    assert result.complaint_rate == 25.0
    assert result.satisfaction == 37.5
    # All centers: the other center's late dossier joins the base (9; 4 late, 2 complained).
    everywhere = indicators.satisfaction_766(center_ids=None, start=START, end=END)
    assert (everywhere.dossiers, everywhere.late, everywhere.complained) == (9, 4, 2)
    assert everywhere.satisfaction == pytest.approx(100 - 400 / 9 - 200 / 9, abs=0.05)


def test_rating_rates_per_official_counter_and_center(center, other_center):
    lan = staff("receptionist", center, username="lan", first_name="Lan", last_name="Trần")
    minh = staff("receptionist", center, username="minh", first_name="Minh", last_name="Lê")
    c1 = CounterFactory(center=center, number=1, name="Quầy 1")
    c2 = CounterFactory(center=center, number=2, name="Quầy 2")
    rows = [
        # official, counter, score
        (lan, c1, "very_satisfied"),
        (lan, c1, "satisfied"),
        (lan, c1, "dissatisfied"),
        (minh, c2, "very_satisfied"),
        (minh, c2, "very_satisfied"),
        (minh, c1, "satisfied"),
        (minh, c1, "satisfied"),
    ]
    for official, counter, score in rows:
        _service_rating(center, official, counter, score)
    # Outside the period and another center's: not counted.
    _service_rating(center, lan, c1, "dissatisfied", at=BEFORE)
    _service_rating(other_center, None, None, "dissatisfied")

    counts = selectors.rating_counts(center_ids=[center.pk], start=START, end=END)
    assert counts == {
        "total": 7,
        "very_satisfied": 3,
        "satisfied": 3,
        "dissatisfied": 1,
        "satisfaction_rate": 85.7,  # 6/7
    }
    by_official = {
        r["label"]: r
        for r in selectors.rating_table(
            center_ids=[center.pk], start=START, end=END, group="official"
        )
    }
    assert by_official["Lan Trần"]["satisfaction_rate"] == 66.7  # 2/3
    assert by_official["Minh Lê"]["satisfaction_rate"] == 100.0
    by_counter = selectors.rating_table(
        center_ids=[center.pk], start=START, end=END, group="counter"
    )
    # Worst first: Quầy 1 has 5 ratings, 4 satisfied (80 %); Quầy 2 has 2 (100 %).
    assert [(r["label"], r["total"], r["satisfaction_rate"]) for r in by_counter] == [
        ("Quầy 1", 5, 80.0),
        ("Quầy 2", 2, 100.0),
    ]
    both = selectors.rating_table(
        center_ids=[center.pk, other_center.pk], start=START, end=END, group="center"
    )
    assert [(r["total"], r["satisfaction_rate"]) for r in both] == [(1, 0.0), (7, 85.7)]


def _service_rating(center, official, counter, score, at=IN):
    """A counter rating needs a ticket of its own (one rating per ticket)."""
    from motcua.queueing.models import QueueService, Ticket

    service, _ = QueueService.objects.get_or_create(
        center=center, code="ho-tich", defaults={"name": "Hộ tịch"}
    )
    number = Ticket.objects.filter(issued_service=service).count() + 1001
    ticket = Ticket.objects.create(
        center=center,
        service=service,
        issued_service=service,
        day=at.date(),
        number=number,
        display=str(number),
        token=f"t{center.pk}-{number}",
        status="finished",
        counter=counter,
        official=official,
        issued_at=at,
        finished_at=at,
    )
    return Rating.objects.create(
        center=center,
        kind=Rating.Kind.SERVICE,
        channel=Rating.Channel.TABLET,
        ticket=ticket,
        counter=counter,
        official=official,
        service=service,
        score=score,
        created_at=at,
    )
