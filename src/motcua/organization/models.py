"""Province → centers → departments → counters; staff memberships; device and API tokens."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

unit_code_validator = RegexValidator(
    r"^[0-9A-Z]{3}(\.[0-9A-Z]{2,3}){3,4}$",
    _("Mã đơn vị theo định dạng quốc gia, ví dụ 000.00.10.H20."),
)


class Province(models.Model):
    code = models.SlugField(_("mã"), max_length=64, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    unit_code = models.CharField(
        _("mã đơn vị quốc gia"),
        max_length=32,
        blank=True,
        default="",
        validators=[unit_code_validator],
    )

    class Meta:
        verbose_name = _("tỉnh, thành phố")
        verbose_name_plural = _("tỉnh, thành phố")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def new_settings_tag() -> str:
    return secrets.token_hex(8)


class Center(models.Model):
    """A Public Administrative Service Center (Trung tâm Phục vụ hành chính công)."""

    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="centers", verbose_name=_("tỉnh")
    )
    code = models.SlugField(
        _("mã"),
        max_length=64,
        unique=True,
        help_text=_("Mã ổn định dùng trong địa chỉ web và API, ví dụ hanh-phuc."),
    )
    name = models.CharField(_("tên"), max_length=200)
    unit_code = models.CharField(
        _("mã đơn vị quốc gia"),
        max_length=32,
        unique=True,
        validators=[unit_code_validator],
        help_text=_("Mã đơn vị tiếp nhận trong mã hồ sơ, ví dụ 000.00.10.H20."),
    )
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True, default="")
    phone = models.CharField(_("điện thoại"), max_length=32, blank=True, default="")
    email = models.EmailField(_("thư điện tử"), blank=True, default="")
    time_zone = models.CharField(_("múi giờ"), max_length=64, default="Asia/Ho_Chi_Minh")
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    # Replaced whenever a setting that hot paths keep per process changes (working periods,
    # calendar overrides, queue services, policy, priority groups): see motcua.queueing.cache.
    settings_tag = models.CharField(max_length=16, default=new_settings_tag, editable=False)

    class Meta:
        verbose_name = _("trung tâm")
        verbose_name_plural = _("trung tâm")
        ordering = ["province__name", "name"]

    def __str__(self) -> str:
        return self.name


class WorkingPeriod(models.Model):
    """One working period of a weekday at a center (e.g. Monday 07:30–11:30).

    A center without any period works the national default (Monday–Friday 07:30–11:30 and
    13:30–17:30). Monday's periods are the center's standard working day: they define "one
    working day" and are worked on make-up working Saturdays.
    """

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Thứ Hai")
        TUESDAY = 1, _("Thứ Ba")
        WEDNESDAY = 2, _("Thứ Tư")
        THURSDAY = 3, _("Thứ Năm")
        FRIDAY = 4, _("Thứ Sáu")
        SATURDAY = 5, _("Thứ Bảy")
        SUNDAY = 6, _("Chủ nhật")

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="working_periods")
    weekday = models.PositiveSmallIntegerField(_("thứ"), choices=Weekday.choices)
    start = models.TimeField(_("từ"))
    end = models.TimeField(_("đến"))

    class Meta:
        verbose_name = _("giờ làm việc")
        verbose_name_plural = _("giờ làm việc")
        ordering = ["center", "weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class Department(models.Model):
    """A specialised department (phòng chuyên môn) that processes dossiers for a center."""

    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="departments", verbose_name=_("trung tâm")
    )
    code = models.SlugField(_("mã"), max_length=64)
    name = models.CharField(_("tên"), max_length=200)

    class Meta:
        verbose_name = _("phòng chuyên môn")
        verbose_name_plural = _("phòng chuyên môn")
        ordering = ["center", "name"]
        constraints = [
            models.UniqueConstraint(fields=["center", "code"], name="department_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Counter(models.Model):
    """A counter (quầy) where citizens are served; queue services name the counters that serve them."""

    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="counters", verbose_name=_("trung tâm")
    )
    number = models.PositiveSmallIntegerField(_("số quầy"))
    name = models.CharField(_("tên"), max_length=200)
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="counters",
        verbose_name=_("phòng chuyên môn"),
    )
    is_priority_desk = models.BooleanField(
        _("quầy ưu tiên"),
        default=False,
        help_text=_("Phục vụ người cao tuổi, người khuyết tật, phụ nữ mang thai, người có công."),
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("quầy")
        verbose_name_plural = _("quầy")
        ordering = ["center", "number"]
        constraints = [
            models.UniqueConstraint(fields=["center", "number"], name="counter_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class Role(models.TextChoices):
    CENTER_ADMIN = "center_admin", _("Quản trị trung tâm")
    RECEPTIONIST = "receptionist", _("Cán bộ tiếp nhận (một cửa)")
    SPECIALIST = "specialist", _("Chuyên viên xử lý")
    LEADER = "leader", _("Lãnh đạo phê duyệt")
    POSTAL = "postal", _("Nhân viên bưu chính")
    PROVINCE_ADMIN = "province_admin", _("Quản trị cấp tỉnh")
    ANALYST = "analyst", _("Theo dõi số liệu")


# Roles that may be held over a whole province (an analyst may also be a center's);
# a province admin is only ever held over a province, every other role only at a center.
PROVINCE_ROLES = frozenset({Role.PROVINCE_ADMIN, Role.ANALYST})
PROVINCE_ONLY_ROLES = frozenset({Role.PROVINCE_ADMIN})
CENTER_ONLY_ROLES = frozenset(set(Role) - PROVINCE_ROLES)


class Membership(models.Model):
    """A staff member's role at a center (or, for province roles, over a province)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("người dùng"),
    )
    role = models.CharField(_("vai trò"), max_length=32, choices=Role.choices)
    center = models.ForeignKey(
        Center,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("trung tâm"),
    )
    province = models.ForeignKey(
        Province,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("tỉnh"),
        help_text=_("Chỉ cho vai trò cấp tỉnh; để trống khi đã chọn trung tâm."),
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships",
        verbose_name=_("phòng chuyên môn"),
    )

    class Meta:
        verbose_name = _("vai trò của cán bộ")
        verbose_name_plural = _("vai trò của cán bộ")
        constraints = [
            # Exactly one scope: a center, or a province.
            models.CheckConstraint(
                condition=(
                    models.Q(center__isnull=False, province__isnull=True)
                    | models.Q(center__isnull=True, province__isnull=False)
                ),
                name="membership_one_scope",
            ),
            # The scope fits the role.
            models.CheckConstraint(
                condition=(
                    models.Q(role__in=sorted(PROVINCE_ONLY_ROLES), province__isnull=False)
                    | models.Q(role__in=sorted(CENTER_ONLY_ROLES), center__isnull=False)
                    | models.Q(role__in=sorted(PROVINCE_ROLES - PROVINCE_ONLY_ROLES))
                ),
                name="membership_scope_fits_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "center"],
                name="membership_center_unique",
                condition=models.Q(center__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "province"],
                name="membership_province_unique",
                condition=models.Q(province__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.center or self.province}"


class DeviceToken(models.Model):
    """A credential for an unattended device (kiosk, display, counter terminal, rating tablet).

    Only a keyed hash of the token is stored; the token itself is shown once, when created.
    """

    class Purpose(models.TextChoices):
        KIOSK = "kiosk", _("Ki-ốt lấy số")
        DISPLAY = "display", _("Màn hình hiển thị")
        COUNTER_TERMINAL = "counter_terminal", _("Thiết bị gọi số tại quầy")
        RATING_TABLET = "rating_tablet", _("Máy tính bảng đánh giá")

    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="device_tokens", verbose_name=_("trung tâm")
    )
    purpose = models.CharField(_("mục đích"), max_length=32, choices=Purpose.choices)
    name = models.CharField(_("tên thiết bị"), max_length=200)
    counter = models.ForeignKey(
        Counter,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="device_tokens",
        verbose_name=_("quầy"),
    )
    prefix = models.CharField(_("tiền tố"), max_length=12, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("mã thiết bị")
        verbose_name_plural = _("mã thiết bị")
        ordering = ["center", "purpose", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_purpose_display()}, {self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiToken(models.Model):
    """A staff member's bearer token for the API (``POST /api/v1/auth/token``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    prefix = models.CharField(max_length=12, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mã truy cập API")
        verbose_name_plural = _("mã truy cập API")

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"
