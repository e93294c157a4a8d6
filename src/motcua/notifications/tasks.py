"""Background delivery of outbox messages."""

from django.tasks import task

from motcua.notifications.services import message_deliver, notifications_flush


@task()
def deliver_message(message_id: int) -> str:
    return message_deliver(message_id=message_id)


@task()
def flush_notifications() -> dict[str, int]:
    return notifications_flush()
