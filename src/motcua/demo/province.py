"""The demo province: five centers modelled on the seed articles, their departments, counters
and staff for every role. Fictional unit codes (H99) so nothing is mistaken for real data."""

from datetime import time
from typing import Any

DEMO_PASSWORD = "motcua-demo"  # noqa: S105 - the published demo password

PROVINCE = {"code": "an-khanh", "name": "Tỉnh An Khánh (mô phỏng)", "unit_code": "000.00.00.H99"}

DEPARTMENTS = [
    ("van-phong", "Văn phòng HĐND và UBND"),
    ("kinh-te", "Phòng Kinh tế"),
    ("van-hoa-xa-hoi", "Phòng Văn hóa – Xã hội"),
]

MORNING = (time(7, 30), time(11, 30))
AFTERNOON = (time(13, 30), time(17, 30))
STANDARD_WEEK = [[MORNING, AFTERNOON]] * 5 + [[], []]
# Nghĩa Hành also receives on Saturday mornings (a center may configure its own week).
SATURDAY_MORNING_WEEK = [[MORNING, AFTERNOON]] * 5 + [[(time(7, 30), time(11, 30))], []]

# "dossiers": the history the demo makes (see history.py): dossiers received on a working day,
# and the shares received online and by post (the rest in person), after the seed articles.
# "processing": how the accepted dossiers end (see demo/processing.py): processed early, on
# time, late, late after an apology with a new date; "stalled": of those already past due, the
# share still stuck in a step (overdue).
CENTERS: list[dict[str, Any]] = [
    {
        "code": "hanh-phuc",
        "name": "Trung tâm Phục vụ hành chính công xã Hạnh Phúc",
        "unit_code": "000.00.10.H99",
        "address": "Trụ sở UBND xã Hạnh Phúc",
        "phone": "0258 3800 101",
        "week": STANDARD_WEEK,
        "prefix": "hp",
        # 93.7 % online and 287 of 4,346 by post (the seed article); almost nobody in person.
        "dossiers": {"per_day": 4, "online": 0.92, "postal": 0.06},
        # 100 % on time (the seed article).
        "processing": {"early": 0.85, "on_time": 0.15, "late": 0, "apology": 0, "stalled": 0},
        "counters": [
            (1, "Quầy ưu tiên", "van-phong", True),
            (2, "Hộ tịch – Chứng thực", "van-hoa-xa-hoi", False),
            (3, "Đất đai – Xây dựng", "kinh-te", False),
            (4, "Lao động – Chính sách xã hội", "van-hoa-xa-hoi", False),
            (5, "Bưu chính công ích", None, False),
        ],
    },
    {
        "code": "nam-cuong",
        "name": "Trung tâm Phục vụ hành chính công phường Nam Cường",
        "unit_code": "000.00.11.H99",
        "address": "Tổ dân phố Tân Sơn, phường Nam Cường",
        "phone": "0258 3800 202",
        "week": STANDARD_WEEK,
        "prefix": "nc",
        "dossiers": {"per_day": 3, "online": 0.87, "postal": 0.03},
        # 3,450 of 3,510 on time or early, the other 60 in progress.
        "processing": {"early": 0.7, "on_time": 0.3, "late": 0, "apology": 0, "stalled": 0.02},
        "counters": [
            (1, "Quầy ưu tiên", "van-phong", True),
            (2, "Hộ tịch – Chứng thực", "van-hoa-xa-hoi", False),
            (3, "Đất đai – Môi trường", "kinh-te", False),
            (4, "Kinh doanh – Đầu tư", "kinh-te", False),
        ],
    },
    {
        "code": "cam-ranh",
        "name": "Trung tâm Phục vụ hành chính công phường Cam Ranh",
        "unit_code": "000.00.12.H99",
        "address": "Đường Hùng Vương, phường Cam Ranh",
        "phone": "0258 3800 303",
        "week": STANDARD_WEEK,
        "prefix": "cr",
        "dossiers": {"per_day": 3, "online": 0.86, "postal": 0.02},
        # 2,700+ resolved early, none late.
        "processing": {"early": 0.92, "on_time": 0.08, "late": 0, "apology": 0, "stalled": 0},
        "counters": [
            (1, "Quầy ưu tiên (người cao tuổi, người khuyết tật)", "van-phong", True),
            (2, "Hộ tịch", "van-hoa-xa-hoi", False),
            (3, "Chứng thực", "van-phong", False),
            (4, "Đất đai", "kinh-te", False),
            (5, "Xây dựng – Kinh doanh", "kinh-te", False),
        ],
    },
    {
        "code": "vinh-phong",
        "name": "Trung tâm Phục vụ hành chính công xã Vĩnh Phong",
        "unit_code": "000.00.13.H99",
        "address": "Thôn Đập Đá 2, xã Vĩnh Phong",
        "phone": "0258 3800 404",
        "week": STANDARD_WEEK,
        "prefix": "vp",
        # 97 % online (the seed article).
        "dossiers": {"per_day": 3, "online": 0.95, "postal": 0.02},
        # 99.76 % on time.
        "processing": {
            "early": 0.75,
            "on_time": 0.235,
            "late": 0.005,
            "apology": 0.01,
            "stalled": 0.01,
        },
        "counters": [
            (1, "Quầy ưu tiên", "van-phong", True),
            (2, "Hướng dẫn nộp hồ sơ trực tuyến", "van-phong", False),
            (3, "Đất đai", "kinh-te", False),
        ],
    },
    {
        "code": "nghia-hanh",
        "name": "Trung tâm Phục vụ hành chính công xã Nghĩa Hành",
        "unit_code": "000.00.14.H99",
        "address": "Trung tâm xã Nghĩa Hành",
        "phone": "0255 3800 505",
        "week": SATURDAY_MORNING_WEEK,
        "prefix": "nh",
        # Postal staff work inside the center.
        "dossiers": {"per_day": 3, "online": 0.88, "postal": 0.06},
        # No figure in the articles: a center still learning the new process.
        "processing": {
            "early": 0.68,
            "on_time": 0.24,
            "late": 0.05,
            "apology": 0.03,
            "stalled": 0.04,
        },
        "counters": [
            (1, "Quầy ưu tiên", "van-phong", True),
            (2, "Hộ tịch – Chứng thực", "van-hoa-xa-hoi", False),
            (3, "Đất đai – Xây dựng", "kinh-te", False),
            (4, "Bưu điện tại trung tâm", None, False),
        ],
    },
]

# (username suffix, first name, last name, role, department code or None)
CENTER_STAFF = [
    ("quantri", "Minh", "Trần Văn", "center_admin", None),
    ("tiepnhan1", "Lan", "Nguyễn Thị", "receptionist", None),
    ("tiepnhan2", "Hùng", "Lê Quốc", "receptionist", None),
    ("chuyenvien.vhxh", "Thảo", "Phạm Thị", "specialist", "van-hoa-xa-hoi"),
    ("chuyenvien.kt", "Dũng", "Võ Anh", "specialist", "kinh-te"),
    ("chuyenvien.vp", "Hương", "Ngô Thị", "specialist", "van-phong"),
    ("lanhdao", "Bình", "Hoàng Đức", "leader", "van-phong"),
    ("buuchinh", "Hoa", "Đặng Thị", "postal", None),
]

PROVINCE_STAFF = [
    ("tinh.quantri", "Quang", "Bùi Minh", "province_admin"),
    ("tinh.solieu", "Yến", "Đỗ Hải", "analyst"),
]

# Which department processes a field's procedures in a commune (Decree 118/2025 practice).
FIELD_DEPARTMENTS = {
    "ho-tich": "van-phong",
    "chung-thuc": "van-phong",
    "nuoi-con-nuoi": "van-phong",
    "cu-tru": "van-phong",
    "hoi-quy": "van-phong",
    "dat-dai": "kinh-te",
    "xay-dung": "kinh-te",
    "ho-kinh-doanh": "kinh-te",
    "kinh-doanh-khi": "kinh-te",
    "bao-tro-xa-hoi": "van-hoa-xa-hoi",
    "nguoi-co-cong": "van-hoa-xa-hoi",
    "giam-ngheo": "van-hoa-xa-hoi",
    "van-hoa": "van-hoa-xa-hoi",
}

# The internal process every demo procedure follows: reception, the department's specialist,
# the leader's approval, back to the one-stop counter (shares of the processing time, in %).
PROCESS = [
    ("Tiếp nhận, chuyển hồ sơ", "receptionist", None, "10"),
    ("Thẩm định, xử lý", "specialist", "department", "60"),
    ("Phê duyệt, ký kết quả", "leader", None, "20"),
    ("Trả kết quả", "receptionist", None, "10"),
]

# Queue services of every demo center: (code, name, first number, last number, prefix,
# field codes, counter numbers). Counter 1, the priority desk, serves every service.
QUEUE_SERVICES = [
    (
        "ho-tich",
        "Hộ tịch – Chứng thực",
        1001,
        1999,
        "",
        ["ho-tich", "chung-thuc", "nuoi-con-nuoi"],
        [2],
    ),
    (
        "dat-dai",
        "Đất đai – Xây dựng – Kinh doanh",
        2001,
        2999,
        "",
        ["dat-dai", "xay-dung", "ho-kinh-doanh", "kinh-doanh-khi"],
        [3],
    ),
    (
        "xa-hoi",
        "Lao động – Chính sách xã hội",
        3001,
        3999,
        "",
        ["bao-tro-xa-hoi", "nguoi-co-cong", "giam-ngheo", "van-hoa"],
        [4],
    ),
    ("khac", "Hỏi đáp, hướng dẫn, thủ tục khác", 1, 999, "A", ["cu-tru", "hoi-quy"], [2, 3, 4, 5]),
]


# --- Dossier history (history.py) -------------------------------------------------------------

# How often each field is asked for (relative; the fields not named: 1). Certification and civil
# status make most of a commune's dossiers.
FIELD_SHARES = {
    "chung-thuc": 30.0,
    "ho-tich": 30.0,
    "dat-dai": 8.0,
    "bao-tro-xa-hoi": 6.0,
    "xay-dung": 5.0,
    "ho-kinh-doanh": 5.0,
    "nguoi-co-cong": 3.0,
    "cu-tru": 2.0,
}
# The first decision on a dossier, by channel: most are complete.
DECISION_SHARES = {
    "online": {"accept": 0.86, "supplement": 0.10, "refuse": 0.04},
    "in_person": {"accept": 0.90, "supplement": 0.07, "refuse": 0.03},
    "postal": {"accept": 0.88, "supplement": 0.08, "refuse": 0.04},
}

FAMILY_NAMES = [
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Hoàng", 5),
    ("Huỳnh", 4),
    ("Phan", 4),
    ("Vũ", 4),
    ("Võ", 4),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 2),
    ("Hồ", 2),
    ("Ngô", 2),
    ("Dương", 1),
    ("Lý", 1),
    ("Trương", 1),
    ("Đinh", 1),
]
MIDDLE_NAMES_MALE = ["Văn", "Văn", "Đức", "Minh", "Quốc", "Hữu", "Thanh", "Công", "Xuân", "Ngọc"]
MIDDLE_NAMES_FEMALE = ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Bảo", "Hoài", "Kim"]
GIVEN_NAMES_MALE = [
    "An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy", "Khánh",
    "Khoa", "Long", "Lộc", "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quang", "Sơn", "Tài",
    "Thắng", "Thành", "Tiến", "Toàn", "Trung", "Tuấn", "Việt", "Vinh",
]  # fmt: skip
GIVEN_NAMES_FEMALE = [
    "Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hoa", "Hồng", "Huyền", "Hương",
    "Lan", "Liên", "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Nhung", "Oanh", "Phương",
    "Quỳnh", "Tâm", "Thảo", "Thủy", "Trang", "Tuyết", "Vân", "Yến",
]  # fmt: skip
HAMLETS = [
    "Thôn Đông",
    "Thôn Tây",
    "Thôn Trung",
    "Thôn Bắc",
    "Thôn Phú Lộc",
    "Thôn Tân An",
    "Tổ dân phố 1",
    "Tổ dân phố 3",
    "Tổ dân phố 5",
    "Tổ dân phố Tân Sơn",
    "Số 12 đường Lê Lợi",
    "Số 45 đường Trần Phú",
    "Số 7 hẻm 21 đường Nguyễn Huệ",
]

SUPPLEMENT_NOTE = "Đề nghị ông/bà bổ sung đầy đủ các giấy tờ trên trong một lần."
SUPPLEMENT_ITEMS = [
    "Bản sao giấy tờ chứng minh nơi cư trú",
    "Giấy ủy quyền có chứng thực (người nộp thay)",
    "Bản scan rõ nét hơn của giấy tờ đã nộp (bản hiện tại bị mờ)",
    "Tờ khai ghi đầy đủ thông tin, có chữ ký của người yêu cầu",
]
SUPPLEMENT_ANSWERS = [
    "Tôi đã bổ sung giấy tờ theo yêu cầu.",
    "Gửi lại bản scan rõ hơn.",
    "Bổ sung giấy ủy quyền.",
]
REFUSAL_REASONS = [
    "Hồ sơ không thuộc thẩm quyền giải quyết của UBND cấp xã; đề nghị nộp tại cơ quan cấp tỉnh.",
    "Người yêu cầu không đủ điều kiện theo quy định của thủ tục.",
    "Đã có hồ sơ cùng nội dung đang được giải quyết.",
    "Giấy tờ nộp kèm không phải bản chính hoặc bản sao có chứng thực theo quy định.",
]
