"""Reads of the outbox, scoped to the centers the acting user works at."""

from django.contrib.auth.models import User
from django.db.models import QuerySet

from motcua.notifications.models import Message
from motcua.organization.selectors import center_list_for_user


def message_list(*, user: User, status: str = "", center_code: str = "") -> QuerySet[Message]:
    centers = center_list_for_user(user=user)
    messages = Message.objects.filter(center__in=centers).select_related("center")
    if status:
        messages = messages.filter(status=status)
    if center_code:
        messages = messages.filter(center__code=center_code)
    return messages.order_by("-created_at")


def message_get(*, user: User, pk: int) -> Message | None:
    return message_list(user=user).filter(pk=pk).prefetch_related("delivery_attempts").first()
