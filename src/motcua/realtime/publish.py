"""Publish to channel groups only after the surrounding transaction commits.

A screen must never show a state that was rolled back, so every push goes through here.
"""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def publish_now(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        # A push that cannot be delivered must not undo the committed change; screens
        # catch up by polling (see docs/architecture.md).
        logger.exception("could not publish to channel group %s", group)


def publish_on_commit(group: str, message: dict[str, Any]) -> None:
    transaction.on_commit(lambda: publish_now(group, message))
