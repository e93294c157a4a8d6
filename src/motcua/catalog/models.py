"""Administrative procedures (TTHC) as the national procedure database describes them.

A :class:`Procedure` is the stable identity (its national code). Its content lives in
immutable :class:`ProcedureVersion` rows: an import or edit that changes anything creates a new
version, and a dossier keeps pointing at the version it was received under.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from motcua.organization.models import Center, Department, Role


class Channel(models.IntegerChoices):
    """How a dossier reaches the center (national codes)."""

    IN_PERSON = 1, _("Trực tiếp")
    ONLINE = 2, _("Trực tuyến")
    POSTAL = 3, _("Bưu chính công ích")


class Level(models.TextChoices):
    PROVINCE = "province", _("Cấp tỉnh")
    DISTRICT = "district", _("Cấp huyện")
    COMMUNE = "commune", _("Cấp xã")


class OnlineLevel(models.TextChoices):
    NONE = "none", _("Không trực tuyến")
    PARTIAL = "partial", _("Trực tuyến một phần")
    FULL = "full", _("Trực tuyến toàn trình")


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("ngày làm việc")
    WORKING_HOURS = "working_hours", _("giờ làm việc")
    DAYS = "days", pgettext_lazy("time unit", "ngày")
    IMMEDIATE = "immediate", _("trong ngày")


class Field(models.Model):
    """A field of procedures (lĩnh vực), e.g. Hộ tịch."""

    code = models.CharField(_("mã"), max_length=64, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    search_name = models.CharField(max_length=200, editable=False, default="")

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["search_name"]

    def __str__(self) -> str:
        return self.name


class Procedure(models.Model):
    """The identity of a procedure; what it says is in its current version."""

    code = models.CharField(_("mã thủ tục"), max_length=64, unique=True)
    base_code = models.CharField(_("mã gốc"), max_length=32, db_index=True)
    current_version = models.ForeignKey(
        "ProcedureVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("phiên bản hiện hành"),
    )
    is_active = models.BooleanField(_("còn hiệu lực"), default=True)
    # Copied from the current version, for listing and search without joins.
    name = models.TextField(_("tên thủ tục"), default="")
    level = models.CharField(_("cấp thực hiện"), max_length=16, choices=Level.choices, default="")
    online_level = models.CharField(
        _("mức độ trực tuyến"), max_length=16, choices=OnlineLevel.choices, default=OnlineLevel.NONE
    )
    fields = models.ManyToManyField(Field, related_name="procedures", verbose_name=_("lĩnh vực"))
    search_name = models.TextField(editable=False, default="")
    search_fields = models.TextField(editable=False, default="")
    search_documents = models.TextField(editable=False, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["search_name"]

    def __str__(self) -> str:
        return f"{self.code} {self.name[:80]}"


class ProcedureVersion(models.Model):
    """What a procedure said from ``created_at`` on. Never changed once written."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("phiên bản"))
    created_at = models.DateTimeField(auto_now_add=True)
    content_hash = models.CharField(max_length=64, editable=False)
    source = models.CharField(_("nguồn"), max_length=500, blank=True, default="")
    name = models.TextField(_("tên thủ tục"))
    level = models.CharField(_("cấp thực hiện"), max_length=16, choices=Level.choices)
    field_codes = models.JSONField(_("lĩnh vực"), default=list)
    implementing_agency = models.TextField(_("cơ quan thực hiện"), blank=True, default="")
    steps = models.TextField(_("trình tự thực hiện"), blank=True, default="")
    conditions = models.TextField(_("yêu cầu, điều kiện"), blank=True, default="")
    legal_basis = models.JSONField(_("căn cứ pháp lý"), default=list)
    result = models.TextField(_("kết quả"), blank=True, default="")
    online_level = models.CharField(
        _("mức độ trực tuyến"), max_length=16, choices=OnlineLevel.choices
    )
    # The record as imported (national shape), so export reproduces it exactly.
    record = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("phiên bản thủ tục")
        verbose_name_plural = _("phiên bản thủ tục")
        ordering = ["procedure", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="procedure_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number}"


class ProcessingTime(models.Model):
    """The statutory processing time of a version for one channel."""

    version = models.ForeignKey(
        ProcedureVersion, on_delete=models.CASCADE, related_name="processing_times"
    )
    channel = models.PositiveSmallIntegerField(_("kênh"), choices=Channel.choices)
    value = models.DecimalField(_("thời hạn"), max_digits=8, decimal_places=2)
    unit = models.CharField(_("đơn vị"), max_length=16, choices=TimeUnit.choices)
    note = models.TextField(_("ghi chú"), blank=True, default="")

    class Meta:
        ordering = ["version", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["version", "channel"], name="processing_time_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.value} {self.get_unit_display()}"


class Fee(models.Model):
    class Kind(models.TextChoices):
        CHARGE = "charge", _("Lệ phí")
        FEE = "fee", _("Phí")

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="fees")
    channel = models.PositiveSmallIntegerField(_("kênh"), choices=Channel.choices)
    kind = models.CharField(_("loại"), max_length=8, choices=Kind.choices)
    amount_vnd = models.PositiveBigIntegerField(_("số tiền (đồng)"), null=True, blank=True)
    description = models.TextField(_("mô tả"), blank=True, default="")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "channel", "order"]

    def __str__(self) -> str:
        amount = f"{self.amount_vnd:,} đ" if self.amount_vnd is not None else "—"
        return f"{self.get_kind_display()} {amount}"


class DocumentCase(models.Model):
    """A case (trường hợp) with its own list of required documents; empty name = every case."""

    version = models.ForeignKey(
        ProcedureVersion, on_delete=models.CASCADE, related_name="document_cases"
    )
    name = models.TextField(_("trường hợp"), blank=True, default="")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "order"]

    def __str__(self) -> str:
        return self.name or "—"


class RequiredDocument(models.Model):
    case = models.ForeignKey(DocumentCase, on_delete=models.CASCADE, related_name="documents")
    name = models.TextField(_("tên giấy tờ"))
    originals = models.PositiveSmallIntegerField(_("bản chính"), default=0)
    copies = models.PositiveSmallIntegerField(_("bản sao"), default=0)
    form_name = models.CharField(_("mẫu đơn"), max_length=300, blank=True, default="")
    form_url = models.CharField(_("địa chỉ mẫu đơn"), max_length=500, blank=True, default="")
    form_file = models.FileField(_("tệp mẫu đơn"), upload_to="forms/", blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["case", "order"]

    def __str__(self) -> str:
        return self.name[:80]


class CenterProcedure(models.Model):
    """A procedure a center handles, and the department that processes it there."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="procedures")
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="centers")
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="procedures",
        verbose_name=_("phòng chuyên môn xử lý"),
    )
    is_active = models.BooleanField(_("đang tiếp nhận"), default=True)

    class Meta:
        verbose_name = _("thủ tục của trung tâm")
        verbose_name_plural = _("thủ tục của trung tâm")
        constraints = [
            models.UniqueConstraint(fields=["center", "procedure"], name="center_procedure_unique")
        ]

    def __str__(self) -> str:
        return f"{self.center.code}: {self.procedure.code}"


class ProcessStep(models.Model):
    """One step of a center's internal process for a procedure, with its share of the time."""

    center_procedure = models.ForeignKey(
        CenterProcedure, on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.CharField(_("bước"), max_length=200)
    role = models.CharField(_("vai trò thực hiện"), max_length=32, choices=Role.choices)
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("phòng chuyên môn"),
    )
    share_percent = models.DecimalField(
        _("tỷ lệ thời gian (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        verbose_name = _("bước quy trình nội bộ")
        verbose_name_plural = _("quy trình nội bộ")
        ordering = ["center_procedure", "order"]
        constraints = [
            models.UniqueConstraint(fields=["center_procedure", "order"], name="process_step_order")
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name} ({self.share_percent}%)"
