"""The survey questions asked at every center until a province changes them (admin)."""

from django.db import migrations

QUESTIONS = [
    (
        1,
        "Cán bộ hướng dẫn thủ tục, hồ sơ có rõ ràng, đầy đủ không?",
        "Was the guidance on the procedure and documents clear and complete?",
        "score",
    ),
    (
        2,
        "Ông/bà có nhận được kết quả đúng ngày hẹn không?",
        "Did you receive the result on the promised date?",
        "yes_no",
    ),
    (
        3,
        "Ông/bà có bị yêu cầu nộp thêm giấy tờ hoặc chi phí ngoài quy định không?",
        "Were you asked for documents or payments beyond what the rules require?",
        "yes_no",
    ),
    (
        4,
        "Ông/bà có góp ý gì để trung tâm phục vụ tốt hơn?",
        "How could the center serve you better?",
        "text",
    ),
]


def create(apps, schema_editor):
    SurveyQuestion = apps.get_model("feedback", "SurveyQuestion")
    for order, text, text_en, kind in QUESTIONS:
        SurveyQuestion.objects.get_or_create(
            center=None, text=text, defaults={"order": order, "text_en": text_en, "kind": kind}
        )


def remove(apps, schema_editor):
    SurveyQuestion = apps.get_model("feedback", "SurveyQuestion")
    SurveyQuestion.objects.filter(center=None, text__in=[q[1] for q in QUESTIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
