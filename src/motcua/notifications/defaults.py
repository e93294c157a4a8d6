"""The built-in wording of every message, in Vietnamese and English, for email and SMS.

Templates use Django's template language with the context each cause provides (listed in
``CONTEXT`` with sample values for previews). SMS bodies stay short, without diacritics being
required (gateways may send them as GSM-7), but Vietnamese with diacritics is fine too.
"""

from motcua.notifications.models import Kind

# Sample context for previews and tests: every variable a template may use.
SAMPLE_CONTEXT = {
    "center_name": "Trung tâm Phục vụ hành chính công xã Hạnh Phúc",
    "ticket": "1005",
    "ahead": 3,
    "counter": "3",
    "appointment_code": "HP-7K2Q",
    "appointment_time": "09:30 25/11/2026",
    "manage_url": "https://motcua.example/appointments/7K2QXM/?secret=abc",
    "dossier_code": "000.00.10.H99-261123-0001",
    "procedure_name": "Đăng ký khai sinh",
    "due_at": "10:00 26/11/2026",
    "new_due_at": "10:00 30/11/2026",
    "reason": "Cần xác minh thêm thông tin hộ tịch",
    "missing": "Bản sao giấy chứng nhận kết hôn",
    "track_url": "https://motcua.example/tra-cuu/000.00.10.H99-261123-0001",
    "rating_url": "https://motcua.example/danh-gia/abc",
    "opt_out_url": "https://motcua.example/notifications/opt-out/abc",
    "step_name": "Thẩm định, xử lý",
    "delivery": "counter",
    "score": "Không hài lòng",
    "official": "Nguyễn Văn A",
    "counter_name": "Quầy 3",
    "comment": "Phải chờ lâu, hướng dẫn chưa rõ.",
    "staff_url": "https://motcua.example/staff/feedback/ratings/12/",
    "feedback_code": "GY7K2QXM4P",
    "feedback_subject": "Thời gian chờ quá lâu",
    "due_at_answer": "17:00 10/12/2026",
    "follow_url": "https://motcua.example/feedback/follow/?code=GY7K2QXM4P",
}

# (subject, email body, sms body) per kind and language.
DEFAULTS: dict[str, dict[str, tuple[str, str, str]]] = {
    Kind.QUEUE_POSITION: {
        "vi": (
            "Sắp đến lượt số {{ ticket }}",
            "Số thứ tự {{ ticket }} của ông/bà tại {{ center_name }} còn {{ ahead }} người "
            "nữa là đến lượt. Xin mời ông/bà có mặt gần quầy.",
            "{{ center_name }}: so {{ ticket }} con {{ ahead }} nguoi nua den luot. Moi ong/ba co mat.",
        ),
        "en": (
            "Your turn is near: number {{ ticket }}",
            "Number {{ ticket }} at {{ center_name }}: {{ ahead }} people ahead of you. "
            "Please come near the counters.",
            "{{ center_name }}: number {{ ticket }}, {{ ahead }} people ahead. Please come in.",
        ),
    },
    Kind.APPOINTMENT_CONFIRMED: {
        "vi": (
            "Xác nhận lịch hẹn {{ appointment_code }}",
            "Lịch hẹn của ông/bà tại {{ center_name }} lúc {{ appointment_time }} đã được xác "
            "nhận. Mã lịch hẹn: {{ appointment_code }}. Khi đến, hãy quét mã tại ki-ốt."
            "{% if manage_url %} Xem, đổi hoặc hủy lịch hẹn: {{ manage_url }}{% endif %}",
            "Lich hen {{ appointment_code }} luc {{ appointment_time }} tai {{ center_name }} da xac nhan."
            "{% if manage_url %} Doi/huy: {{ manage_url }}{% endif %}",
        ),
        "en": (
            "Appointment {{ appointment_code }} confirmed",
            "Your appointment at {{ center_name }} at {{ appointment_time }} is confirmed. "
            "Code: {{ appointment_code }}. Scan it at the kiosk when you arrive."
            "{% if manage_url %} View, change or cancel it: {{ manage_url }}{% endif %}",
            "Appointment {{ appointment_code }} at {{ appointment_time }}, {{ center_name }}: confirmed."
            "{% if manage_url %} Change/cancel: {{ manage_url }}{% endif %}",
        ),
    },
    Kind.APPOINTMENT_REMINDER: {
        "vi": (
            "Nhắc lịch hẹn {{ appointment_code }}",
            "Nhắc ông/bà lịch hẹn tại {{ center_name }} lúc {{ appointment_time }} "
            "(mã {{ appointment_code }}).",
            "Nhac lich hen {{ appointment_code }} luc {{ appointment_time }} tai {{ center_name }}.",
        ),
        "en": (
            "Reminder: appointment {{ appointment_code }}",
            "A reminder of your appointment at {{ center_name }} at {{ appointment_time }} "
            "(code {{ appointment_code }}).",
            "Reminder: appointment {{ appointment_code }} at {{ appointment_time }}, {{ center_name }}.",
        ),
    },
    Kind.APPOINTMENT_CANCELLED: {
        "vi": (
            "Lịch hẹn {{ appointment_code }} đã hủy",
            "Lịch hẹn {{ appointment_code }} lúc {{ appointment_time }} tại {{ center_name }} "
            "đã được hủy.",
            "Lich hen {{ appointment_code }} luc {{ appointment_time }} da huy.",
        ),
        "en": (
            "Appointment {{ appointment_code }} cancelled",
            "Appointment {{ appointment_code }} at {{ appointment_time }} at {{ center_name }} "
            "has been cancelled.",
            "Appointment {{ appointment_code }} at {{ appointment_time }} cancelled.",
        ),
    },
    Kind.DOSSIER_REGISTERED: {
        "vi": (
            "Đã nhận hồ sơ trực tuyến {{ dossier_code }}",
            "{{ center_name }} đã nhận hồ sơ trực tuyến {{ dossier_code }} ({{ procedure_name }}). "
            "Cán bộ sẽ kiểm tra và báo kết quả tiếp nhận. Tra cứu: {{ track_url }}",
            "Da nhan ho so truc tuyen {{ dossier_code }}, dang cho kiem tra. Tra cuu: {{ track_url }}",
        ),
        "en": (
            "Online dossier {{ dossier_code }} registered",
            "{{ center_name }} has registered your online dossier {{ dossier_code }} "
            "({{ procedure_name }}). An officer will check it and let you know. "
            "Track it: {{ track_url }}",
            "Online dossier {{ dossier_code }} registered, to be checked. Track: {{ track_url }}",
        ),
    },
    Kind.DOSSIER_REFUSED: {
        "vi": (
            "Hồ sơ {{ dossier_code }} không được tiếp nhận",
            "Hồ sơ {{ dossier_code }} ({{ procedure_name }}) không được tiếp nhận. Lý do: "
            "{{ reason }}. Chi tiết: {{ track_url }}",
            "Ho so {{ dossier_code }} khong duoc tiep nhan: {{ reason }}. Chi tiet: {{ track_url }}",
        ),
        "en": (
            "Dossier {{ dossier_code }} not accepted",
            "Dossier {{ dossier_code }} ({{ procedure_name }}) was not accepted. Reason: "
            "{{ reason }}. Details: {{ track_url }}",
            "Dossier {{ dossier_code }} not accepted: {{ reason }}. Details: {{ track_url }}",
        ),
    },
    Kind.DOSSIER_RECEIVED: {
        "vi": (
            "Đã tiếp nhận hồ sơ {{ dossier_code }}",
            "{{ center_name }} đã tiếp nhận hồ sơ {{ dossier_code }} ({{ procedure_name }}). "
            "Ngày hẹn trả kết quả: {{ due_at }}. Tra cứu: {{ track_url }}",
            "Da tiep nhan ho so {{ dossier_code }}. Hen tra ket qua {{ due_at }}. Tra cuu: {{ track_url }}",
        ),
        "en": (
            "Dossier {{ dossier_code }} received",
            "{{ center_name }} has received dossier {{ dossier_code }} ({{ procedure_name }}). "
            "The result is due {{ due_at }}. Track it: {{ track_url }}",
            "Dossier {{ dossier_code }} received. Result due {{ due_at }}. Track: {{ track_url }}",
        ),
    },
    Kind.SUPPLEMENT_REQUESTED: {
        "vi": (
            "Hồ sơ {{ dossier_code }} cần bổ sung",
            "Hồ sơ {{ dossier_code }} ({{ procedure_name }}) cần bổ sung: {{ missing }}. "
            "Chi tiết: {{ track_url }}",
            "Ho so {{ dossier_code }} can bo sung: {{ missing }}. Chi tiet: {{ track_url }}",
        ),
        "en": (
            "Dossier {{ dossier_code }}: documents needed",
            "Dossier {{ dossier_code }} ({{ procedure_name }}) needs: {{ missing }}. "
            "Details: {{ track_url }}",
            "Dossier {{ dossier_code }} needs: {{ missing }}. Details: {{ track_url }}",
        ),
    },
    # "delivery": how the citizen asked to receive the result (counter, post, electronic).
    Kind.RESULT_READY: {
        "vi": (
            "Hồ sơ {{ dossier_code }} đã có kết quả",
            "Hồ sơ {{ dossier_code }} ({{ procedure_name }}) đã có kết quả. "
            "{% if delivery == 'post' %}Kết quả sẽ được gửi qua bưu chính công ích đến địa chỉ "
            "ông/bà đã đăng ký; theo dõi tại {{ track_url }}"
            "{% elif delivery == 'electronic' %}Mời ông/bà nhận bản điện tử của kết quả tại "
            "{{ track_url }}"
            "{% else %}Mời ông/bà đến {{ center_name }} nhận kết quả hoặc xem tại "
            "{{ track_url }}{% endif %}"
            "{% if rating_url %}\n\nMời ông/bà đánh giá mức độ hài lòng: {{ rating_url }}"
            "{% endif %}",
            "Ho so {{ dossier_code }} da co ket qua. "
            "{% if delivery == 'post' %}Ket qua se gui qua buu dien."
            "{% elif delivery == 'electronic' %}Nhan ban dien tu:"
            "{% else %}Moi ong/ba den nhan.{% endif %} {{ track_url }}",
        ),
        "en": (
            "Dossier {{ dossier_code }}: result ready",
            "The result of dossier {{ dossier_code }} ({{ procedure_name }}) is ready. "
            "{% if delivery == 'post' %}It will be sent by post to the address you gave; follow "
            "it at {{ track_url }}"
            "{% elif delivery == 'electronic' %}Download the electronic copy at {{ track_url }}"
            "{% else %}Collect it at {{ center_name }} or see {{ track_url }}{% endif %}"
            "{% if rating_url %}\n\nPlease tell us how satisfied you are: {{ rating_url }}"
            "{% endif %}",
            "Dossier {{ dossier_code }}: result ready"
            "{% if delivery == 'post' %}, sent by post{% endif %}. {{ track_url }}",
        ),
    },
    Kind.APOLOGY_NEW_DATE: {
        "vi": (
            "Xin lỗi: hẹn lại ngày trả kết quả hồ sơ {{ dossier_code }}",
            "{{ center_name }} xin lỗi ông/bà: hồ sơ {{ dossier_code }} ({{ procedure_name }}) "
            "chưa thể trả kết quả đúng hẹn vì {{ reason }}. Ngày hẹn mới: {{ new_due_at }}.",
            "Xin loi: ho so {{ dossier_code }} hen lai ngay tra ket qua {{ new_due_at }}.",
        ),
        "en": (
            "Apology: new date for dossier {{ dossier_code }}",
            "{{ center_name }} apologises: the result of dossier {{ dossier_code }} "
            "({{ procedure_name }}) will be late because {{ reason }}. New date: {{ new_due_at }}.",
            "We apologise: dossier {{ dossier_code }} result now due {{ new_due_at }}.",
        ),
    },
    Kind.RATING_INVITATION: {
        "vi": (
            "Mời đánh giá mức độ hài lòng",
            "Cảm ơn ông/bà đã sử dụng dịch vụ tại {{ center_name }}. Mời ông/bà đánh giá: "
            "{{ rating_url }}\n\nKhông muốn nhận thư mời này nữa: {{ opt_out_url }}",
            "Moi danh gia dich vu tai {{ center_name }}: {{ rating_url }}",
        ),
        "en": (
            "How did we do?",
            "Thank you for using {{ center_name }}. Please rate our service: {{ rating_url }}"
            "\n\nNo more invitations like this: {{ opt_out_url }}",
            "Please rate {{ center_name }}: {{ rating_url }}",
        ),
    },
    Kind.DOSSIER_DUE_SOON: {
        "vi": (
            "Hồ sơ {{ dossier_code }} sắp đến hạn",
            "Hồ sơ {{ dossier_code }} ({{ procedure_name }}) phải trả kết quả lúc {{ due_at }}."
            "{% if step_name %} Bước đang xử lý: {{ step_name }}.{% endif %}",
            "Ho so {{ dossier_code }} den han {{ due_at }}.",
        ),
        "en": (
            "Dossier {{ dossier_code }} is due soon",
            "Dossier {{ dossier_code }} ({{ procedure_name }}) is due at {{ due_at }}."
            "{% if step_name %} Current step: {{ step_name }}.{% endif %}",
            "Dossier {{ dossier_code }} due {{ due_at }}.",
        ),
    },
    Kind.RATING_DISSATISFIED: {
        "vi": (
            "Công dân không hài lòng tại {{ counter_name }}",
            'Một công dân đã đánh giá "{{ score }}" tại {{ center_name }}'
            "{% if counter_name %}, {{ counter_name }}{% endif %}"
            "{% if official %} (cán bộ {{ official }}){% endif %}"
            "{% if dossier_code %}, hồ sơ {{ dossier_code }}{% endif %}."
            "{% if comment %} Ý kiến: {{ comment }}{% endif %} Xem và ghi nhận xử lý: {{ staff_url }}",
            "{{ center_name }}: cong dan khong hai long"
            "{% if counter_name %} tai {{ counter_name }}{% endif %}. {{ staff_url }}",
        ),
        "en": (
            "A citizen was dissatisfied at {{ counter_name }}",
            'A citizen rated "{{ score }}" at {{ center_name }}'
            "{% if counter_name %}, {{ counter_name }}{% endif %}"
            "{% if official %} (official {{ official }}){% endif %}"
            "{% if dossier_code %}, dossier {{ dossier_code }}{% endif %}."
            "{% if comment %} Comment: {{ comment }}{% endif %} Review it: {{ staff_url }}",
            "{{ center_name }}: a citizen was dissatisfied"
            "{% if counter_name %} at {{ counter_name }}{% endif %}. {{ staff_url }}",
        ),
    },
    Kind.FEEDBACK_RECEIVED: {
        "vi": (
            "Đã nhận góp ý, phản ánh {{ feedback_code }}",
            '{{ center_name }} đã nhận góp ý, phản ánh của ông/bà: "{{ feedback_subject }}". '
            "Mã tra cứu: {{ feedback_code }}. Hạn trả lời: {{ due_at_answer }}. "
            "Theo dõi tại {{ follow_url }}",
            "{{ center_name }} da nhan gop y, ma {{ feedback_code }}. Theo doi: {{ follow_url }}",
        ),
        "en": (
            "Feedback {{ feedback_code }} received",
            '{{ center_name }} has received your feedback: "{{ feedback_subject }}". '
            "Code: {{ feedback_code }}. Answer due by {{ due_at_answer }}. "
            "Follow it at {{ follow_url }}",
            "{{ center_name }} received your feedback, code {{ feedback_code }}: {{ follow_url }}",
        ),
    },
    Kind.FEEDBACK_ANSWERED: {
        "vi": (
            "Trả lời góp ý, phản ánh {{ feedback_code }}",
            '{{ center_name }} đã trả lời góp ý, phản ánh "{{ feedback_subject }}" của ông/bà. '
            "Xem câu trả lời tại {{ follow_url }}",
            "{{ center_name }} da tra loi gop y {{ feedback_code }}: {{ follow_url }}",
        ),
        "en": (
            "Answer to your feedback {{ feedback_code }}",
            '{{ center_name }} has answered your feedback "{{ feedback_subject }}". '
            "Read the answer at {{ follow_url }}",
            "{{ center_name }} answered feedback {{ feedback_code }}: {{ follow_url }}",
        ),
    },
}
