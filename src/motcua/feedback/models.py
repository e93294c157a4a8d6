"""Satisfaction ratings (counter tablet, QR link, API), the survey's questions, and the
suggestion box / hotline (:class:`Feedback`) with its events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Procedure
from motcua.dossiers.models import Dossier
from motcua.feedback.workflow import Status
from motcua.organization.models import Center, Counter
from motcua.queueing.models import QueueService, Ticket


class Score(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("Rất hài lòng")
    SATISFIED = "satisfied", _("Hài lòng")
    DISSATISFIED = "dissatisfied", _("Không hài lòng")


# A satisfied rating counts towards the satisfaction rate; a dissatisfied one alerts the leader.
SATISFIED_SCORES = frozenset({Score.VERY_SATISFIED, Score.SATISFIED})


class Reason(models.TextChoices):
    """What the rating is about (the four criteria of the counter's rating screen)."""

    ATTITUDE = "attitude", _("Thái độ phục vụ")
    TIMELINESS = "timeliness", _("Thời gian giải quyết")
    GUIDANCE = "guidance", _("Hướng dẫn rõ ràng")
    INTEGRITY = "integrity", _("Liêm chính, không phiền hà")


class Rating(models.Model):
    """One citizen's rating: of a ticket's service at the counter, or of a dossier's handling.

    At most one per ticket and one survey answer per dossier (database constraints). The
    official, counter, queue service and procedure are copied when the rating is given, so the
    figures stay right when a ticket or dossier later changes hands.
    """

    class Kind(models.TextChoices):
        SERVICE = "service", _("Phục vụ tại quầy")
        DOSSIER = "dossier", _("Giải quyết hồ sơ")

    class Channel(models.TextChoices):
        TABLET = "tablet", _("Máy tính bảng tại quầy")
        LINK = "link", _("Đường dẫn / mã QR")
        API = "api", _("Ứng dụng khác (API)")

    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("trung tâm")
    )
    kind = models.CharField(_("loại"), max_length=8, choices=Kind.choices)
    channel = models.CharField(_("kênh"), max_length=8, choices=Channel.choices)
    ticket = models.OneToOneField(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="rating"
    )
    dossier = models.ForeignKey(
        Dossier, null=True, blank=True, on_delete=models.SET_NULL, related_name="ratings"
    )
    counter = models.ForeignKey(
        Counter,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ratings",
        verbose_name=_("quầy"),
    )
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ratings",
        verbose_name=_("cán bộ"),
    )
    service = models.ForeignKey(
        QueueService,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ratings",
        verbose_name=_("dịch vụ"),
    )
    procedure = models.ForeignKey(
        Procedure,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ratings",
        verbose_name=_("thủ tục"),
    )
    score = models.CharField(_("mức độ hài lòng"), max_length=16, choices=Score.choices)
    reasons = models.JSONField(_("tiêu chí"), default=list, blank=True)
    comment = models.TextField(_("ý kiến"), blank=True, default="")
    # The survey's answers: {"<question id>": value}.
    answers = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=8, default="vi")
    created_at = models.DateTimeField(_("đánh giá lúc"), db_index=True)
    # A leader's follow-up of a dissatisfied rating.
    reviewed_at = models.DateTimeField(_("xem xét lúc"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_note = models.TextField(_("kết quả xem xét"), blank=True, default="")

    class Meta:
        verbose_name = _("đánh giá")
        verbose_name_plural = _("đánh giá")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"],
                condition=Q(kind="dossier"),
                name="rating_one_survey_per_dossier",
            ),
            models.CheckConstraint(
                condition=(Q(kind="service", ticket__isnull=False) | Q(kind="dossier"))
                & (Q(kind="service") | Q(dossier__isnull=False)),
                name="rating_has_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["center", "created_at"], name="rating_center_time_idx"),
            models.Index(fields=["official", "created_at"], name="rating_official_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.score} ({self.created_at:%Y-%m-%d})"

    @property
    def is_satisfied(self) -> bool:
        return self.score in SATISFIED_SCORES


class SurveyQuestion(models.Model):
    """An extra question of the dossier survey (the score is always asked first).

    A question without a center is asked everywhere; a center may add its own.
    """

    class Kind(models.TextChoices):
        SCORE = "score", _("Ba mức: rất hài lòng / hài lòng / không hài lòng")
        YES_NO = "yes_no", _("Có / không")
        TEXT = "text", _("Trả lời bằng chữ")

    center = models.ForeignKey(
        Center,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="survey_questions",
        verbose_name=_("trung tâm (bỏ trống: mọi trung tâm)"),
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    text = models.CharField(_("câu hỏi (tiếng Việt)"), max_length=300)
    text_en = models.CharField(_("câu hỏi (tiếng Anh)"), max_length=300, blank=True, default="")
    kind = models.CharField(_("kiểu trả lời"), max_length=8, choices=Kind.choices)
    required = models.BooleanField(_("bắt buộc"), default=False)
    active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("câu hỏi khảo sát")
        verbose_name_plural = _("câu hỏi khảo sát")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text

    def text_for(self, language: str) -> str:
        return self.text_en if language == "en" and self.text_en else self.text


class FeedbackSequence(models.Model):
    """The yearly counter behind the numbers of a center's feedback register."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["center", "year"], name="feedback_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.center_id} {self.year}: {self.last_number}"


class Feedback(models.Model):
    """A suggestion, complaint, praise or question: from the web, the paper box or the hotline."""

    class Category(models.TextChoices):
        COMPLAINT = "complaint", _("Phản ánh, khiếu nại")
        SUGGESTION = "suggestion", _("Kiến nghị, góp ý")
        PRAISE = "praise", _("Khen ngợi")
        QUESTION = "question", _("Hỏi đáp")

    class Source(models.TextChoices):
        ONLINE = "online", _("Trực tuyến")
        BOX = "box", _("Hòm thư góp ý")
        HOTLINE = "hotline", _("Đường dây nóng")
        COUNTER = "counter", _("Trực tiếp tại trung tâm")

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="feedback", verbose_name=_("trung tâm")
    )
    # The public follow-up code (random, unguessable) and the register number (yearly, per center).
    code = models.CharField(_("mã tra cứu"), max_length=16, unique=True)
    number = models.PositiveIntegerField(_("số"))
    year = models.PositiveSmallIntegerField()
    category = models.CharField(_("loại"), max_length=12, choices=Category.choices)
    source = models.CharField(_("nguồn"), max_length=8, choices=Source.choices)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.RECEIVED
    )
    subject = models.CharField(_("tiêu đề"), max_length=200)
    content = models.TextField(_("nội dung"))
    # Anonymous allowed: every contact field may be empty.
    name = models.CharField(_("họ tên"), max_length=200, blank=True, default="")
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True, default="")
    email = models.EmailField(_("thư điện tử"), blank=True, default="")
    dossier = models.ForeignKey(
        Dossier,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback",
        verbose_name=_("hồ sơ liên quan"),
    )
    received_at = models.DateTimeField(_("nhận lúc"), db_index=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_at = models.DateTimeField(_("hạn trả lời"), db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_feedback",
        verbose_name=_("người xử lý"),
    )
    answer = models.TextField(_("trả lời"), blank=True, default="")
    answered_at = models.DateTimeField(_("trả lời lúc"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published = models.BooleanField(_("công khai trả lời"), default=False)
    closed_at = models.DateTimeField(_("đóng lúc"), null=True, blank=True)
    close_reason = models.TextField(_("lý do đóng"), blank=True, default="")
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("góp ý, phản ánh")
        verbose_name_plural = _("góp ý, phản ánh")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["center", "year", "number"], name="feedback_number_unique"
            )
        ]
        indexes = [models.Index(fields=["center", "status"], name="feedback_center_status_idx")]

    def __str__(self) -> str:
        return f"{self.number}/{self.year} {self.subject}"

    @property
    def is_anonymous(self) -> bool:
        return not (self.name or self.phone or self.email)


class FeedbackEvent(models.Model):
    """Every change of a feedback item, appended and never changed."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=12)
    from_status = models.CharField(max_length=10, blank=True, default="")
    to_status = models.CharField(max_length=10)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["feedback", "at", "id"]

    def __str__(self) -> str:
        return f"{self.feedback_id} {self.action} {self.from_status}→{self.to_status}"
