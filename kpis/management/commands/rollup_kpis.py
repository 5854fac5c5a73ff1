"""Compute the KPI records of recent periods, for example after loading data."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kpis import services
from kpis.models import KpiRecord
from kpis.periods import Period, PeriodKind


class Command(BaseCommand):
    help = (
        "Compute every calculated KPI for the last N months, quarters and "
        "financial years, up to the current one."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--periods",
            type=int,
            default=12,
            help="How many periods of each kind to compute, the current one included.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if any KPI record exists, as after a first demo load.",
        )

    def handle(self, *args, **options):
        count = options["periods"]
        if not 1 <= count <= 120:
            raise CommandError(f"--periods {count} is invalid. Use 1 to 120.")

        if options["if_empty"] and KpiRecord.objects.exists():
            self.stdout.write("KPI records exist already; nothing computed.")
            return

        today = timezone.localdate()
        periods = [
            period
            for kind in PeriodKind.values
            for period in Period.containing(kind, today).recent(count)
        ]
        written = services.rollup(periods=periods)
        self.stdout.write(f"Wrote {written} KPI records for {len(periods)} periods.")
