"""``motcua generate_load_data``: a province-sized data set for benchmarks (see demo/loadgen.py)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from motcua.demo.loadgen import generate_load_data


class Command(BaseCommand):
    help = (
        "Generate a province-sized data set (centers, dossiers, tickets, ratings) for "
        "benchmarks: COPY on PostgreSQL. Never on a production database."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--centers", type=int, default=150)
        parser.add_argument("--dossiers", type=int, default=1_000_000)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--province", default="load", help="code of the province to create")
        parser.add_argument("--tickets-per-dossier", type=float, default=0.7)
        parser.add_argument("--seed", type=int, default=766)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["centers"] < 1 or options["dossiers"] < 0 or options["days"] < 1:
            raise CommandError("--centers and --days must be at least 1, --dossiers at least 0")
        try:
            report = generate_load_data(
                centers=options["centers"],
                dossiers=options["dossiers"],
                days=options["days"],
                province_code=options["province"],
                seed=options["seed"],
                tickets_per_dossier=options["tickets_per_dossier"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(report.summary()))
