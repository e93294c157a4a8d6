"""Form 01 (receipt and appointment slip): how long the first render takes, and how long
serving the stored PDF takes afterwards.

Receives N dossiers of the demo "Thủ tục đăng ký khai sinh" (birth registration) at the counter
through the real service, then: the very first render of the process (fonts loaded, caches
cold), the first render of every other slip (a warm process: what a receptionist waits for
after pressing "print"), the stored copy read back by ``form_pdf``, and the stored copy served
through the staff URL (log-in session, permission check, response).
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
PROCEDURE = "1.001193"  # Thủ tục đăng ký khai sinh


def ms(samples: list[float]) -> tuple[float, float, float]:
    samples = sorted(samples)
    return (
        statistics.median(samples),
        samples[max(0, int(len(samples) * 0.95) - 1)],
        samples[-1],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dossiers", type=int, default=30)
    args = parser.parse_args()

    if "DATABASE_URL" not in os.environ:
        os.environ["MOTCUA_VAR_DIR"] = tempfile.mkdtemp(prefix="motcua-bench-")
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="motcua-bench-media-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.conf.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from motcua.catalog.models import Procedure
    from motcua.catalog.services import center_procedure_set, procedure_import
    from motcua.dossiers import forms_pdf
    from motcua.dossiers import services as s
    from motcua.dossiers.models import FormRecord
    from motcua.dossiers.selectors import checklist_for
    from motcua.organization.models import Center, Province
    from motcua.organization.services import membership_grant

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    records = json.loads((ROOT / "src/motcua/catalog/data/procedures-demo.json").read_text())
    procedure_import(actor=None, records=[r for r in records if r["MATTHC"] == PROCEDURE])
    procedure = Procedure.objects.get(code=PROCEDURE)
    province, _ = Province.objects.get_or_create(code="bench", defaults={"name": "Tỉnh Thử"})
    center, _ = Center.objects.get_or_create(
        code="bench-hanh-phuc",
        defaults={
            "province": province,
            "name": "Trung tâm Phục vụ hành chính công xã Hạnh Phúc",
            "unit_code": "000.00.98.H99",
            "address": "Trụ sở UBND xã Hạnh Phúc",
            "phone": "0258 3800 101",
        },
    )
    center_procedure_set(actor=None, center=center, procedure=procedure)
    officer, _ = User.objects.get_or_create(
        username="bench-tiepnhan", defaults={"first_name": "Minh", "last_name": "Trần Văn"}
    )
    membership_grant(actor=None, user=officer, role="receptionist", center=center)
    ticks = [s.DocumentTick(doc.pk) for doc in checklist_for(procedure.current_version)]

    start = datetime(2026, 11, 30, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    forms: list[FormRecord] = []
    for n in range(args.dossiers):
        _dossier, form = s.dossier_receive(
            actor=officer,
            center=center,
            procedure_code=PROCEDURE,
            channel="direct",
            applicant={
                "name": f"Nguyễn Thị Lan {n}",
                "id_number": f"0010950{n:05d}",
                "address": "Số 12, thôn Đông, xã Hạnh Phúc",
                "phone": "0912345678",
            },
            documents=ticks,
            decision=s.Decision("accept"),
            now=start + timedelta(minutes=7 * n),
        )
        assert form is not None
        forms.append(form)

    def fresh(form: FormRecord) -> FormRecord:
        return FormRecord.objects.select_related("dossier", "dossier__center", "issued_by").get(
            pk=form.pk
        )

    began = time.perf_counter()
    size = len(forms_pdf.form_pdf(fresh(forms[0])))
    cold = (time.perf_counter() - began) * 1000

    first: list[float] = []
    for form in forms[1:]:
        record = fresh(form)
        began = time.perf_counter()
        forms_pdf.form_pdf(record)
        first.append((time.perf_counter() - began) * 1000)

    stored: list[float] = []
    for _round in range(5):
        for form in forms:
            record = fresh(form)
            began = time.perf_counter()
            forms_pdf.form_pdf(record)
            stored.append((time.perf_counter() - began) * 1000)

    client = Client()
    client.force_login(officer)
    http: list[float] = []
    for _round in range(3):
        for form in forms:
            url = reverse(
                "dossiers_staff:form-pdf", kwargs={"code": form.dossier.code, "pk": form.pk}
            )
            began = time.perf_counter()
            response = client.get(url)
            http.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, response.status_code

    print(
        f"\nForm 01 PDF — {args.dossiers} slips of “Thủ tục đăng ký khai sinh” "
        f"({len(ticks)} documents), {connection.vendor}; PDF ≈ {size / 1024:.0f} KiB\n"
    )
    print("| step | p50 ms | p95 ms | max ms | n |")
    print("|---|---:|---:|---:|---:|")
    print(f"| first render in a cold process | {cold:.0f} | – | – | 1 |")
    for label, samples in (
        ("first render (render + store)", first),
        ("stored copy (`form_pdf`)", stored),
        ("stored copy through the staff URL", http),
    ):
        p50, p95, top = ms(samples)
        print(f"| {label} | {p50:.1f} | {p95:.1f} | {top:.1f} | {len(samples)} |")


if __name__ == "__main__":
    main()
