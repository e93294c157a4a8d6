"""Dossiers (hồ sơ): what was received, from whom, under which procedure version, against
which deadline; the documents and scans; the forms issued; and every change as an event."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Channel, Procedure, ProcedureVersion, RequiredDocument
from motcua.dossiers.workflow import Status
from motcua.organization.models import Center


class PrivateStorage(FileSystemStorage):
    """Uploaded scans and issued PDFs: under MEDIA_ROOT/private, never behind a public URL
    (authorising views stream them). The place follows the setting (tests change it)."""

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return os.path.join(settings.MEDIA_ROOT, "private")

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)


private_storage = PrivateStorage()


class DossierSequence(models.Model):
    """The last dossier number of a receiving unit on a day (bumped under the row lock)."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["center", "day"], name="dossier_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.center_id} {self.day}: {self.last_number}"


class FormSequence(models.Model):
    """The last number of a form (01, 02, 03…) a center issued in a year."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="+")
    form = models.CharField(max_length=2)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["center", "form", "year"], name="form_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.center_id} {self.form}/{self.year}: {self.last_number}"


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("Cá nhân")
    ORGANISATION = "organisation", _("Tổ chức")


class Gender(models.TextChoices):
    MALE = "male", _("Nam")
    FEMALE = "female", _("Nữ")
    OTHER = "other", _("Khác")


class ResultDelivery(models.TextChoices):
    COUNTER = "counter", _("Nhận tại bộ phận một cửa")
    POST = "post", _("Qua dịch vụ bưu chính công ích")
    ELECTRONIC = "electronic", _("Bản điện tử (trực tuyến)")


class Timeliness(models.TextChoices):
    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Quá hạn")


class SupplementMode(models.TextChoices):
    RESTART = "restart", _("Tính lại từ đầu khi nhận đủ bổ sung (Nghị định 61, điều 19)")
    PAUSE = "pause", _("Tạm dừng, rồi tính tiếp thời gian còn lại")


class DossierPolicy(models.Model):
    """A center's choices for its dossiers (one row per center, made when first needed)."""

    center = models.OneToOneField(Center, on_delete=models.CASCADE, related_name="dossier_policy")
    supplement_mode = models.CharField(
        _("khi yêu cầu bổ sung trong lúc xử lý"),
        max_length=8,
        choices=SupplementMode.choices,
        default=SupplementMode.RESTART,
    )

    class Meta:
        verbose_name = _("quy định xử lý hồ sơ")
        verbose_name_plural = _("quy định xử lý hồ sơ")

    def __str__(self) -> str:
        return str(self.center)


class Dossier(models.Model):
    code = models.CharField(_("mã hồ sơ"), max_length=48, unique=True)
    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("trung tâm")
    )
    procedure = models.ForeignKey(
        Procedure, on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("thủ tục")
    )
    # The version the dossier was received under: its documents, times and fees apply.
    procedure_version = models.ForeignKey(
        ProcedureVersion, on_delete=models.PROTECT, related_name="dossiers"
    )
    channel = models.PositiveSmallIntegerField(_("kênh"), choices=Channel.choices)
    status = models.PositiveSmallIntegerField(_("trạng thái"), choices=Status.choices)

    applicant_kind = models.CharField(
        _("người nộp là"),
        max_length=16,
        choices=ApplicantKind.choices,
        default=ApplicantKind.PERSON,
    )
    applicant_name = models.CharField(_("họ tên / tên tổ chức"), max_length=200)
    id_number = models.CharField(
        _("số CCCD / mã số doanh nghiệp"), max_length=20, blank=True, default=""
    )
    old_id_number = models.CharField(_("số CMND cũ"), max_length=12, blank=True, default="")
    id_issued_on = models.DateField(_("ngày cấp"), null=True, blank=True)
    birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)
    gender = models.CharField(
        _("giới tính"), max_length=8, choices=Gender.choices, blank=True, default=""
    )
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True, default="")
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True, default="")
    email = models.EmailField(_("thư điện tử"), blank=True, default="")
    # An authorised representative who submits for the applicant.
    representative_name = models.CharField(
        _("người được ủy quyền"), max_length=200, blank=True, default=""
    )
    representative_id_number = models.CharField(
        _("số CCCD người được ủy quyền"), max_length=20, blank=True, default=""
    )
    representative_phone = models.CharField(
        _("điện thoại người được ủy quyền"), max_length=20, blank=True, default=""
    )

    # Fees of the version for this channel, as they were when received (VND).
    fees = models.JSONField(_("phí, lệ phí"), default=list, blank=True)
    fee_total_vnd = models.PositiveBigIntegerField(_("tổng phí, lệ phí (đồng)"), default=0)

    received_at = models.DateTimeField(_("nhận lúc"), db_index=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người tiếp nhận"),
    )
    accepted_at = models.DateTimeField(_("tiếp nhận lúc"), null=True, blank=True)
    due_at = models.DateTimeField(_("hẹn trả kết quả"), null=True, blank=True, db_index=True)
    # What produced due_at: the version, the statutory time, the channel, the calendar.
    due_basis = models.JSONField(default=dict, blank=True)
    decided_at = models.DateTimeField(_("quyết định lúc"), null=True, blank=True)
    returned_at = models.DateTimeField(_("trả kết quả lúc"), null=True, blank=True)
    result_delivery = models.CharField(
        _("hình thức nhận kết quả"),
        max_length=16,
        choices=ResultDelivery.choices,
        default=ResultDelivery.COUNTER,
    )
    postal_tracking_in = models.CharField(
        _("số hiệu bưu gửi đến"), max_length=40, blank=True, default=""
    )
    postal_tracking_out = models.CharField(
        _("số hiệu bưu gửi trả kết quả"), max_length=40, blank=True, default=""
    )
    refusal_reasons = models.TextField(_("lý do từ chối"), blank=True, default="")
    # --- The internal process (part 2) -------------------------------------------------------
    # Bumped by every change: a form or API call naming the version it saw is refused when
    # someone else acted in between (two officials at once: one wins, the other is told).
    version = models.PositiveIntegerField(default=0)
    current_step = models.ForeignKey(
        "DossierStep", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The statutory due time fixed at acceptance; due_at moves with a supplement restart or
    # pause, and with an apology (the new return date).
    original_due_at = models.DateTimeField(_("hẹn trả ban đầu"), null=True, blank=True)
    # When the clock stopped for a supplement asked during processing.
    paused_at = models.DateTimeField(null=True, blank=True)
    supplements_during_processing = models.PositiveSmallIntegerField(default=0)
    supplement_flagged = models.BooleanField(
        _("yêu cầu bổ sung quá 3 ngày làm việc"), default=False
    )
    apology_at = models.DateTimeField(_("xin lỗi lúc"), null=True, blank=True)
    apology_reason = models.TextField(_("lý do hẹn lại"), blank=True, default="")
    approved_at = models.DateTimeField(_("phê duyệt lúc"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fee_requested_vnd = models.PositiveBigIntegerField(null=True, blank=True)
    fee_paid_at = models.DateTimeField(null=True, blank=True)
    fee_receipt = models.CharField(_("số biên lai"), max_length=60, blank=True, default="")
    processed_at = models.DateTimeField(_("có kết quả lúc"), null=True, blank=True)
    timeliness = models.CharField(
        _("đúng hạn"), max_length=8, choices=Timeliness.choices, blank=True, default=""
    )
    overdue_marked_at = models.DateTimeField(null=True, blank=True)
    due_warned_for = models.DateTimeField(null=True, blank=True)
    closed_reason = models.TextField(_("lý do"), blank=True, default="")
    ticket = models.ForeignKey(
        "queueing.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dossiers",
        verbose_name=_("phiếu số"),
    )
    appointment_code = models.CharField(_("mã lịch hẹn"), max_length=32, blank=True, default="")
    note = models.TextField(_("ghi chú"), blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["center", "status"], name="dossier_center_status_idx"),
            models.Index(fields=["center", "received_at"], name="dossier_center_received_idx"),
            # Reports (docs/reports.md): received and resolved per period, the dossiers still
            # open. The included columns let PostgreSQL count from the index alone (SQLite
            # ignores them: check models.W040 is silenced in settings).
            models.Index(
                fields=["center", "received_at"],
                include=["channel"],
                name="dossier_report_received_idx",
            ),
            models.Index(
                fields=["center", "processed_at"],
                include=["timeliness", "supplements_during_processing", "accepted_at", "due_at"],
                name="dossier_report_processed_idx",
            ),
            models.Index(
                fields=["center", "accepted_at"],
                include=["due_at", "supplements_during_processing"],
                condition=models.Q(processed_at__isnull=True, status__in=[2, 4, 5, 6]),
                name="dossier_report_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)


class DossierStep(models.Model):
    """One step of the dossier's internal process, copied from the center's process when the
    dossier is accepted: who does it (role, department, center: another center of the province
    for an inter-agency step), its deadline (its share of the total), and how it went."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(_("bước"), max_length=200)
    role = models.CharField(_("vai trò"), max_length=32)
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "organization.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    share_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    # An inter-agency step inserted by a forward; it comes back to the next regular step.
    inter_agency = models.BooleanField(default=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    timeliness = models.CharField(max_length=8, choices=Timeliness.choices, blank=True, default="")

    class Meta:
        ordering = ["dossier", "order", "id"]
        indexes = [
            models.Index(fields=["center", "finished_at"], name="dossier_step_worklist_idx"),
            models.Index(fields=["assignee", "finished_at"], name="dossier_step_assignee_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.order}. {self.name}"


class DossierDocument(models.Model):
    """One line of the completeness checklist: a required document and what was received."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="documents")
    required_document = models.ForeignKey(
        RequiredDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.TextField(_("tên giấy tờ"))
    originals_required = models.PositiveSmallIntegerField(default=0)
    copies_required = models.PositiveSmallIntegerField(default=0)
    received = models.BooleanField(_("đã nhận"), default=False)
    originals = models.PositiveSmallIntegerField(_("bản chính"), default=0)
    copies = models.PositiveSmallIntegerField(_("bản sao"), default=0)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["dossier", "order", "id"]

    def __str__(self) -> str:
        return self.name[:80]


class DossierFile(models.Model):
    """A scanned or uploaded file (PDF, JPEG or PNG, checked by content)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="files")
    document = models.ForeignKey(
        DossierDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="files"
    )
    file = models.FileField(storage=private_storage, upload_to="dossiers/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who sent it: staff scanning at the counter, or the citizen online.
    by_citizen = models.BooleanField(default=False)
    # The result document (the approved decision, certificate…), given to the citizen.
    is_result = models.BooleanField(default=False)

    class Meta:
        ordering = ["dossier", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class Supplement(models.Model):
    """A supplement request: everything missing, asked at once; and the citizen's answer."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="supplements")
    items = models.JSONField(_("giấy tờ cần bổ sung"), default=list)
    note = models.TextField(_("hướng dẫn"), blank=True, default="")
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["dossier", "requested_at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.requested_at:%Y-%m-%d}"


class FormRecord(models.Model):
    """A form issued for a dossier (01 receipt, 02 supplement request, 03 refusal…), with its
    yearly number and what it said; its PDF is rendered once and kept."""

    class Form(models.TextChoices):
        RECEIPT = "01", _("Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
        SUPPLEMENT = "02", _("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")
        REFUSAL = "03", _("Phiếu từ chối tiếp nhận giải quyết hồ sơ")
        APOLOGY = "04", _("Phiếu xin lỗi và hẹn lại ngày trả kết quả")
        CONTROL = "05", _("Phiếu kiểm soát quá trình giải quyết hồ sơ")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="forms")
    form = models.CharField(max_length=2, choices=Form.choices)
    year = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField()
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Missing items (02), reasons (03): as they were written on the form.
    content = models.JSONField(default=dict, blank=True)
    pdf = models.FileField(storage=private_storage, upload_to="forms/%Y/", blank=True)

    class Meta:
        ordering = ["dossier", "issued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "form", "year", "number"], name="form_record_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.form} {self.number}/{self.year}"

    @property
    def display_number(self) -> str:
        return f"{self.number}/{self.year}"


class DossierEvent(models.Model):
    """Every change of a dossier, appended and never changed."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=32)
    from_status = models.PositiveSmallIntegerField(default=0)
    to_status = models.PositiveSmallIntegerField()
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True, default="")
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["dossier", "at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.action} {self.from_status}→{self.to_status}"
