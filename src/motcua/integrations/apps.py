from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "motcua.integrations"
    label = "integrations"
    verbose_name = _("Liên thông")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The dossiers app sends; this layer listens (dossiers never imports integrations).
        from motcua.dossiers.signals import dossier_event_recorded
        from motcua.dossiers.signing import signer_register
        from motcua.integrations.services import outbox_record_event
        from motcua.integrations.signing import SIGNER

        dossier_event_recorded.connect(outbox_record_event, dispatch_uid="integrations.outbox")
        signer_register(SIGNER)
