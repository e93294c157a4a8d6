from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "motcua.audit"
    label = "audit"
    verbose_name = _("Nhật ký kiểm tra")

    def ready(self) -> None:
        from motcua.audit import receivers  # noqa: F401  (connects the log-in signals)
