"""manage.py seed_bench: years of history for the benchmarks (devdata.bench)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from devdata import bench as benchdata


class Command(BaseCommand):
    help = (
        "Build years of history for benchmarks: bench programs (both presets and copies), "
        "people, monthly contact data and plans, finalized shops with answers and scores, "
        "defects, follow-up items, calibration sessions and acknowledged monthly reports, "
        "plus one month of contacts streamed through the real importer. Reproducible "
        "(same --seed, same day: same rows). Users: manager@bench.local, "
        f"analyst@bench.local, … password {benchdata.BENCH_PASSWORD!r}."
    )

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=3, help="Years of history (default 3).")
        parser.add_argument(
            "--months", type=int, help="Months of history instead of --years (e.g. 2)."
        )
        parser.add_argument("--programs", type=int, default=3, help="Bench programs (default 3).")
        parser.add_argument(
            "--contacts",
            type=int,
            help="Contact rows of the last full month, imported by the real importer "
            "(default 1,000,000 with --years 3 or more, else 20,000; 0: synthetic counts).",
        )
        parser.add_argument("--seed", type=int, default=benchdata.DEFAULT_SEED)
        parser.add_argument(
            "--today", type=date.fromisoformat, help="Pretend today is YYYY-MM-DD."
        )
        parser.add_argument(
            "--flush", action="store_true", help="Delete the bench programs and users first."
        )
        parser.add_argument(
            "--flush-only", action="store_true", help="Delete the bench data and stop."
        )

    def handle(self, *args, **options):
        if options["flush_only"]:
            n = benchdata.flush_bench()
            self.stdout.write(f"Deleted {n} bench programs.")
            return
        contacts = options["contacts"]
        if contacts is None:
            long_history = options["months"] is None and options["years"] >= 3
            contacts = 1_000_000 if long_history else 20_000
        try:
            result = benchdata.seed_bench(
                years=options["years"],
                months=options["months"],
                programs=options["programs"],
                contacts=contacts,
                seed=options["seed"],
                today=options["today"],
                flush=options["flush"],
                log=lambda message: self.stdout.write(f"  {message}"),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"\nBench programs: {', '.join(result.programs)}")
        width = max(len(name) for name in result.counts)
        self.stdout.write(f"{'table':<{width}} {'rows':>10}")
        for name, n in result.counts.items():
            self.stdout.write(f"{name:<{width}} {n:>10,}")
        self.stdout.write("")
        for phase, seconds in result.seconds.items():
            self.stdout.write(f"{phase:<{width}} {seconds:>9.1f} s")
        self.stdout.write(f"{'total':<{width}} {result.total_seconds:>9.1f} s")
        self.stdout.write(f"scores checksum: {result.checksum}")
