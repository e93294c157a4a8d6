"""The audit log: one append-only row per staff view of personal data, dossier state change,
export, erasure and failed log-in (docs/security.md).

Rows are never changed or removed: ``save`` refuses an update, ``delete`` (of a row or a
query set) is refused, and on PostgreSQL a trigger refuses UPDATE and DELETE in the database
itself (migration 0002).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.organization.models import Center


class AuditImmutable(Exception):
    """Raised on any attempt to change or remove an audit row."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AuditImmutable("audit entries are never updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditImmutable("audit entries are never deleted")


class Action(models.TextChoices):
    VIEW_PERSONAL_DATA = "view_personal_data", _("Xem dữ liệu cá nhân")
    STATE_CHANGE = "state_change", _("Thay đổi trạng thái hồ sơ")
    EXPORT = "export", _("Xuất dữ liệu")
    ERASE = "erase", _("Xóa dữ liệu cá nhân")
    ANONYMISE = "anonymise", _("Ẩn danh hóa dữ liệu")
    LOGIN_FAILED = "login_failed", _("Đăng nhập sai")
    LOGIN_LOCKED = "login_locked", _("Khóa đăng nhập")
    BACKUP = "backup", _("Sao lưu")
    RESTORE = "restore", _("Khôi phục")


class AuditEntry(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người thực hiện"),
    )
    # The user name as it was (also for failed log-ins, which have no user).
    actor_name = models.CharField(_("tên đăng nhập"), max_length=150, blank=True)
    actor_ip = models.CharField(_("địa chỉ IP"), max_length=64, blank=True)
    at = models.DateTimeField(_("lúc"), default=timezone.now, db_index=True)
    action = models.CharField(_("hành động"), max_length=32, choices=Action.choices)
    object_type = models.CharField(_("loại đối tượng"), max_length=40, blank=True)
    object_key = models.CharField(_("mã đối tượng"), max_length=100, blank=True, db_index=True)
    center = models.ForeignKey(
        Center,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("trung tâm"),
    )
    details = models.JSONField(_("chi tiết"), default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("mục nhật ký kiểm tra")
        verbose_name_plural = _("nhật ký kiểm tra")
        indexes = [models.Index(fields=["center", "-at"], name="audit_center_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_key}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditImmutable("audit entries are never updated")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditImmutable("audit entries are never deleted")
