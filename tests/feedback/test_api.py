"""``POST /api/v1/ratings`` and the feedback API: the shapes, the one-per-ticket and
one-per-dossier rules (409), bad input (400, nothing stored), rate limits (429), and many
simultaneous ratings of one ticket over real HTTP on PostgreSQL (exactly one is stored)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from motcua.feedback.models import Feedback, Rating
from tests.feedback.conftest import make_dossier
from tests.queueing.test_concurrency import Api, together

POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def post(client: Client, path: str, body: dict, **headers):
    return client.post(f"/api/v1/{path}", body, content_type="application/json", headers=headers)


@pytest.mark.django_db
def test_rating_a_ticket(client, served, official):
    response = post(
        client,
        "ratings",
        {"ticket": served.token, "score": "satisfied", "reasons": ["timeliness"], "comment": "Ổn"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "service"
    assert body["score"] == "satisfied"
    assert body["reasons"] == ["timeliness"]
    assert body["ticket"] == served.display
    assert body["created_at"].endswith("+07:00")
    rating = Rating.objects.get()
    assert rating.official == official
    again = post(client, "ratings", {"ticket": served.token, "score": "dissatisfied"})
    assert again.status_code == 409
    assert again.json()["code"] == "already_rated"
    assert Rating.objects.count() == 1


@pytest.mark.django_db
def test_rating_a_dossier(client, center, procedure):
    dossier = make_dossier(center, procedure)
    wrong = post(
        client, "ratings", {"dossier": dossier.code, "secret": "9999", "score": "satisfied"}
    )
    assert wrong.status_code == 404
    ok = post(
        client, "ratings", {"dossier": dossier.code, "secret": "5678", "score": "very_satisfied"}
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["dossier"] == dossier.code
    again = post(
        client, "ratings", {"dossier": dossier.code, "secret": "5678", "score": "satisfied"}
    )
    assert again.status_code == 409


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"score": "satisfied"},
        {"ticket": "TOKEN", "dossier": "y", "score": "satisfied"},
        {"ticket": "TOKEN"},
        {"ticket": "TOKEN", "score": ["satisfied"]},
        {"ticket": "TOKEN", "score": "satisfied", "reasons": "attitude"},
    ],
)
def test_bad_rating_requests(client, served, body):
    body = {k: served.token if v == "TOKEN" else v for k, v in body.items()}
    response = post(client, "ratings", body)
    assert response.status_code == 400, response.content
    assert response.json()["code"]
    assert not Rating.objects.exists()


@pytest.mark.django_db
def test_bad_score_message_in_english(client, served):
    response = post(
        client, "ratings", {"ticket": served.token, "score": "meh"}, **{"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_score"
    assert "very satisfied" in response.json()["message"].lower()


@pytest.mark.django_db
def test_ratings_are_rate_limited_per_address(client, settings, served):
    settings.RATING_LIMIT = (3, 3600)
    codes = [
        post(client, "ratings", {"ticket": "unknown", "score": "satisfied"}).status_code
        for _ in range(4)
    ]
    assert codes == [404, 404, 404, 429]
    limited = post(client, "ratings", {"ticket": served.token, "score": "satisfied"})
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert not Rating.objects.exists()


@pytest.mark.django_db
def test_feedback_api(client, center):
    response = post(
        client,
        "feedback",
        {
            "center": center.code,
            "category": "suggestion",
            "subject": "Thêm ghế chờ",
            "content": "Buổi sáng thứ hai thường thiếu ghế ngồi chờ.",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "received"
    assert body["answer"] is None
    code = body["code"]
    follow = client.get(f"/api/v1/feedback/{code}")
    assert follow.status_code == 200
    assert follow.json()["subject"] == "Thêm ghế chờ"
    assert client.get("/api/v1/feedback/KHONGCOMA1").status_code == 404
    bad = post(
        client, "feedback", {"center": center.code, "category": "x", "subject": "", "content": ""}
    )
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) >= {"category", "subject", "content"}
    assert (
        post(
            client,
            "feedback",
            {
                "center": "nowhere",
                "category": "praise",
                "subject": "a",
                "content": "Cảm ơn các anh chị.",
            },
        ).status_code
        == 404
    )
    assert Feedback.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not POSTGRES, reason="concurrency needs PostgreSQL (run with DATABASE_URL)")
def test_simultaneous_ratings_of_one_ticket_store_exactly_one(live_server_url, served):
    """Thirty phones rate the same ticket at the same instant: one 201, the rest 409."""

    def rate(i: int):
        api = Api(live_server_url)
        try:
            return api.post("ratings", {"ticket": served.token, "score": "satisfied"})
        finally:
            api.close()

    results, _seconds = together(30, rate)
    statuses = sorted(status for status, _body in results)
    assert statuses.count(201) == 1, statuses
    assert statuses.count(409) == 29, statuses
    assert Rating.objects.filter(ticket=served).count() == 1
