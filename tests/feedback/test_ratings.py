"""Ratings: at the counter's tablet, by the ticket's token, and the dossier survey; one per
ticket and one survey per dossier; what each rating is tied to; the leader's alert."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from motcua.errors import Conflict, InvalidInput, NotAllowed, NotFound
from motcua.feedback import services
from motcua.feedback.models import Rating, SurveyQuestion
from motcua.notifications.models import Message
from motcua.organization.models import DeviceToken
from motcua.organization.services import device_token_create
from tests.factories import CounterFactory
from tests.feedback.conftest import make_dossier, serve

pytestmark = pytest.mark.django_db


def rate(score="very_satisfied", **kwargs):
    return services.RatingInput(score=score, **kwargs)


# --- Tablet ----------------------------------------------------------------------------------


def test_tablet_rating_is_tied_to_ticket_counter_official_and_service(
    served, tablet, counter, official, service
):
    device, _raw = tablet
    rating = services.rating_from_tablet(
        device=device,
        ticket_id=served.pk,
        data=rate("satisfied", reasons=["attitude", "guidance", "attitude"], comment=" Tốt "),
    )
    assert rating.kind == Rating.Kind.SERVICE
    assert rating.channel == Rating.Channel.TABLET
    assert rating.ticket == served
    assert rating.counter == counter
    assert rating.official == official
    assert rating.service == service
    assert rating.center == served.center
    assert rating.reasons == ["attitude", "guidance"]  # duplicates dropped, order kept
    assert rating.comment == "Tốt"
    assert rating.dossier is None


def test_tablet_rating_links_the_dossier_received_from_the_ticket(
    served, tablet, center, procedure, official
):
    dossier = make_dossier(center, procedure, status=2, ticket=served, received_by=official)
    device, _raw = tablet
    rating = services.rating_from_tablet(device=device, ticket_id=served.pk, data=rate())
    assert rating.dossier == dossier
    assert rating.procedure == procedure


def test_second_rating_of_a_ticket_is_refused(served, tablet):
    device, _raw = tablet
    services.rating_from_tablet(device=device, ticket_id=served.pk, data=rate())
    with pytest.raises(Conflict) as error:
        services.rating_from_tablet(device=device, ticket_id=served.pk, data=rate("dissatisfied"))
    assert error.value.code == "already_rated"
    with pytest.raises(Conflict):
        services.rating_for_ticket(token=served.token, data=rate())
    assert Rating.objects.count() == 1


def test_tablet_of_another_counter_cannot_rate(served, center, center_admin):
    other = CounterFactory(center=center, number=4, name="Quầy 4")
    device, _raw = device_token_create(
        actor=center_admin,
        center=center,
        purpose=DeviceToken.Purpose.RATING_TABLET,
        name="Quầy 4",
        counter=other,
    )
    with pytest.raises(NotFound):
        services.rating_from_tablet(device=device, ticket_id=served.pk, data=rate())
    assert not Rating.objects.exists()


def test_a_kiosk_token_is_not_a_tablet(served, center, center_admin):
    kiosk, _raw = device_token_create(
        actor=center_admin, center=center, purpose=DeviceToken.Purpose.KIOSK, name="K1"
    )
    with pytest.raises(NotAllowed):
        services.rating_from_tablet(device=kiosk, ticket_id=served.pk, data=rate())


def test_unfinished_ticket_cannot_be_rated(center, counter, service, official, tablet):
    ticket = serve(center, counter, official, finish=False)
    device, _raw = tablet
    with pytest.raises(Conflict) as error:
        services.rating_from_tablet(device=device, ticket_id=ticket.pk, data=rate())
    assert error.value.code == "not_finished"


def test_rating_window_closes(served, settings):
    later = timezone.now() + timedelta(days=settings.RATING_TICKET_DAYS, minutes=1)
    with pytest.raises(Conflict) as error:
        services.rating_for_ticket(token=served.token, data=rate(), now=later)
    assert error.value.code == "rating_expired"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (rate("happy"), "invalid_score"),
        (rate(""), "invalid_score"),
        (rate(reasons=["bribery"]), "invalid_reason"),
        (rate(comment="x" * 1001), "comment_too_long"),
    ],
)
def test_bad_input_changes_nothing(served, data, code):
    with pytest.raises(InvalidInput) as error:
        services.rating_for_ticket(token=served.token, data=data)
    assert error.value.code == code
    assert not Rating.objects.exists()


def test_unknown_ticket_token(db):
    with pytest.raises(NotFound):
        services.rating_for_ticket(token="nope", data=rate())
    with pytest.raises(NotFound):
        services.rating_for_ticket(token="", data=rate())


# --- Leader alert ------------------------------------------------------------------------------


def test_dissatisfied_rating_alerts_the_leader(served, leader, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        rating = services.rating_for_ticket(
            token=served.token, data=rate("dissatisfied", comment="Phải chờ quá lâu")
        )
    message = Message.objects.get(kind="rating_dissatisfied")
    assert message.recipient == "lanhdao@example.vn"
    assert "Quầy 3" in message.body
    assert "Phải chờ quá lâu" in message.body
    assert f"/staff/feedback/ratings/{rating.pk}/" in message.body


def test_satisfied_rating_alerts_nobody(served, leader):
    services.rating_for_ticket(token=served.token, data=rate("satisfied"))
    assert not Message.objects.filter(kind="rating_dissatisfied").exists()


def test_leader_reviews_a_dissatisfied_rating_once(served, leader, official):
    rating = services.rating_for_ticket(token=served.token, data=rate("dissatisfied"))
    with pytest.raises(NotAllowed):
        services.rating_review(actor=official, rating=rating, note="Đã gặp")
    with pytest.raises(InvalidInput):
        services.rating_review(actor=leader, rating=rating, note="  ")
    services.rating_review(actor=leader, rating=rating, note="Đã gặp công dân, xin lỗi.")
    rating.refresh_from_db()
    assert rating.reviewed_by == leader
    with pytest.raises(Conflict):
        services.rating_review(actor=leader, rating=rating, note="Lần nữa")


# --- Dossier survey ----------------------------------------------------------------------------


def test_dossier_survey_with_the_secret(center, procedure, official):
    dossier = make_dossier(center, procedure, received_by=official)
    questions = list(SurveyQuestion.objects.filter(center=None).order_by("order"))
    assert len(questions) == 4  # the default questions (data migration)
    rating = services.rating_for_dossier(
        code=dossier.code,
        secret="2345",  # last 4 digits of the ID number
        data=rate(
            "very_satisfied",
            answers={str(questions[0].pk): "satisfied", str(questions[1].pk): "yes"},
        ),
    )
    assert rating.kind == Rating.Kind.DOSSIER
    assert rating.dossier == dossier
    assert rating.official == official
    assert rating.procedure == procedure
    assert rating.answers == {str(questions[0].pk): "satisfied", str(questions[1].pk): "yes"}
    with pytest.raises(Conflict) as error:
        services.rating_for_dossier(code=dossier.code, secret="5678", data=rate())  # phone
    assert error.value.code == "already_rated"


def test_dossier_survey_and_counter_rating_are_separate(served, tablet, center, procedure):
    dossier = make_dossier(center, procedure, ticket=served)
    device, _raw = tablet
    services.rating_from_tablet(device=device, ticket_id=served.pk, data=rate())
    services.rating_for_dossier(code=dossier.code, secret="2345", data=rate("satisfied"))
    assert Rating.objects.filter(dossier=dossier).count() == 2


def test_dossier_survey_refused_with_a_wrong_secret_or_before_the_result(center, procedure):
    dossier = make_dossier(center, procedure)
    with pytest.raises(NotFound):
        services.rating_for_dossier(code=dossier.code, secret="0000", data=rate())
    open_dossier = make_dossier(center, procedure, status=4)
    with pytest.raises(Conflict) as error:
        services.rating_for_dossier(code=open_dossier.code, secret="2345", data=rate())
    assert error.value.code == "not_finished"
    assert not Rating.objects.exists()


def test_survey_answers_are_checked(center, procedure):
    dossier = make_dossier(center, procedure)
    yes_no = SurveyQuestion.objects.get(center=None, kind="yes_no", order=2)
    required = SurveyQuestion.objects.create(
        center=center, order=9, text="Câu bắt buộc", kind="text", required=True
    )
    for answers, code in [
        ({"999999": "yes"}, "invalid_question"),
        ({str(yes_no.pk): "maybe"}, "invalid_answer"),
        ({str(yes_no.pk): "yes"}, "answer_required"),
    ]:
        with pytest.raises(InvalidInput) as error:
            services.rating_for_dossier(
                code=dossier.code, secret="2345", data=rate(answers=answers)
            )
        assert error.value.code == code
    assert not Rating.objects.exists()
    services.rating_for_dossier(
        code=dossier.code,
        secret="2345",
        data=rate(answers={str(yes_no.pk): "no", str(required.pk): " Nhanh hơn "}),
    )
    assert Rating.objects.get().answers[str(required.pk)] == "Nhanh hơn"


def test_another_centers_questions_are_not_asked(center, other_center, procedure):
    SurveyQuestion.objects.create(
        center=other_center, order=1, text="Của trung tâm khác", kind="text", required=True
    )
    dossier = make_dossier(center, procedure)
    services.rating_for_dossier(code=dossier.code, secret="2345", data=rate())
