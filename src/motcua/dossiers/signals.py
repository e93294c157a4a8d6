"""Signals the dossiers app sends for layers above it (integrations), which it never imports.

``dossier_event_recorded`` is sent by ``services._event`` (every change of a dossier goes
through it) inside the change's transaction, right after the event row is written, with
``dossier`` and ``event`` as arguments. A receiver's rows are written in that transaction, so
they exist exactly when the change does; a receiver must not send anything over the network.
"""

from django.dispatch import Signal

dossier_event_recorded = Signal()
