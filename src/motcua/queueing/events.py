"""What the queue tells screens, after commit: displays, counter screens and phones.

Groups: ``display.<center>`` (TV displays), ``queue.<center>`` (counter screens: the waiting
lists changed), ``ticket.<token>`` (the citizen's phone page), ``counter.<id>`` (the counter's
own devices: ``{"kind": "finished", "ticket_id", "display"}`` for its rating tablet). Messages are JSON objects with a
``kind``; a call carries at least ``display``, ``counter`` and ``audio_url``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.urls import reverse

from motcua.realtime.publish import publish_on_commit

if TYPE_CHECKING:
    from motcua.organization.models import Center, Counter
    from motcua.queueing.models import Ticket


def display_group(center_code: str) -> str:
    return f"display.{center_code}"


def queue_group(center_code: str) -> str:
    return f"queue.{center_code}"


def counter_group(counter_id: int) -> str:
    """What happens at one counter, for its own devices (the rating tablet)."""
    return f"counter.{counter_id}"


def ticket_group(token: str) -> str:
    # Channel group names allow letters, digits, hyphens, underscores and periods.
    return f"ticket.{token}"


# Counter screens hear "the queue changed" at most this often (they then read the waiting
# list afresh): at a busy center tickets are issued several times a second.
QUEUE_NUDGE_SECONDS = 1.0


def _send(group: str, payload: dict, at_most_every: float | None = None) -> None:
    publish_on_commit(group, {"type": "queue.event", "payload": payload}, at_most_every)


def call_payload(ticket: Ticket, recall: int = 0) -> dict:
    from motcua.queueing.voice import call_sentence

    counter = cast("Counter", ticket.counter)  # a called ticket is at a counter
    sentence = call_sentence(display=ticket.display, counter=str(counter.number))
    return {
        "kind": "call",
        "ticket_id": ticket.pk,
        "display": ticket.display,
        "counter": counter.number,
        "counter_name": counter.name,
        "service": ticket.service.name,
        "priority": ticket.priority_group_id is not None,
        "recall": recall,
        "sentence": sentence,
        "audio_url": reverse(
            "queueing:call-voice", args=[ticket.center.code, ticket.display, counter.number, "vi"]
        ),
        "audio_url_en": reverse(
            "queueing:call-voice", args=[ticket.center.code, ticket.display, counter.number, "en"]
        ),
        "sentence_en": call_sentence(
            display=ticket.display, counter=str(counter.number), language="en"
        ),
        "at": ticket.called_at.isoformat() if ticket.called_at else None,
    }


def ticket_called(ticket: Ticket, recall: int = 0) -> None:
    payload = call_payload(ticket, recall)
    _send(display_group(ticket.center.code), payload)
    _send(ticket_group(ticket.token), payload)
    queue_changed(ticket.center)


def ticket_changed(ticket: Ticket) -> None:
    payload = {
        "kind": "ticket",
        "ticket_id": ticket.pk,
        "display": ticket.display,
        "status": ticket.status,
    }
    _send(ticket_group(ticket.token), payload)
    _send(display_group(ticket.center.code), {"kind": "refresh"})
    queue_changed(ticket.center)


def ticket_finished(ticket: Ticket) -> None:
    """A counter finished serving a ticket: its rating tablet asks the citizen."""
    if ticket.counter_id is None:
        return
    _send(
        counter_group(ticket.counter_id),
        {"kind": "finished", "ticket_id": ticket.pk, "display": ticket.display},
    )


def queue_changed(center: Center) -> None:
    _send(queue_group(center.code), {"kind": "queue"}, at_most_every=QUEUE_NUDGE_SECONDS)
