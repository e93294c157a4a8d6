"""Reading the rating and feedback forms (plain HTML forms, no JavaScript needed)."""

from __future__ import annotations

from django.http import HttpRequest, QueryDict
from django.utils.translation import get_language

from motcua.feedback.services import FeedbackInput, RatingInput

ANSWER_PREFIX = "q_"


def rating_input(data: QueryDict, request: HttpRequest | None = None) -> RatingInput:
    answers = {
        key[len(ANSWER_PREFIX) :]: str(value).strip()
        for key, value in data.items()
        if key.startswith(ANSWER_PREFIX) and str(value).strip()
    }
    return RatingInput(
        score=data.get("score", ""),
        reasons=data.getlist("reasons"),
        comment=data.get("comment", ""),
        answers=answers,
        language=(get_language() or "vi")[:2],
    )


def feedback_input(data: QueryDict) -> FeedbackInput:
    return FeedbackInput(
        category=data.get("category", ""),
        subject=data.get("subject", ""),
        content=data.get("content", ""),
        name=data.get("name", ""),
        phone=data.get("phone", ""),
        email=data.get("email", ""),
        dossier_code=data.get("dossier_code", ""),
    )
