"""Contact import vs a pandas baseline, same machine, same run.

    python bench/import_bench.py [--rows 1000000]

Generates a realistic month (sampling.demo_data), then times:
- our import's parse: read, validate every row (all-or-nothing), aggregate to
  reason × category × channel × weekday × hour × area (sampling.importer.parse);
- pandas: read_csv + to_datetime + tz convert + the same groupby (no validation).
Each is run in a fresh process so peak memory is its own. Prints a table and
the ratio; exits 1 if the import is slower than the baseline.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHANNELS = {"inbound": 1, "outbound": 2, "digital": 3}
CATEGORIES = {"information": 1, "request": 2, "complaint": 3}


def run_ours(path: str) -> dict:
    from sampling import importer

    start = time.perf_counter()
    result = importer.parse(
        Path(path),
        time_zone="Asia/Jakarta",
        year=2026,
        month=10,
        channels=CHANNELS,
        categories=CATEGORIES,
    )
    seconds = time.perf_counter() - start
    assert result.ok, result.errors[:3] or result.file_error
    return {"seconds": seconds, "rows": result.rows, "groups": len(result.counts)}


def run_pandas(path: str) -> dict:
    import pandas as pd

    start = time.perf_counter()
    df = pd.read_csv(path, dtype=str)
    local = pd.to_datetime(df["timestamp"], utc=True, format="ISO8601").dt.tz_convert(
        "Asia/Jakarta"
    )
    df["weekday"] = local.dt.weekday + 1
    df["hour"] = local.dt.hour
    groups = df.groupby(["reason", "category", "channel", "weekday", "hour", "area"]).size()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": len(df), "groups": len(groups)}


def child(which: str, path: str) -> None:
    import resource

    result = {"ours": run_ours, "pandas": run_pandas}[which](path)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(which: str, path: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", which, path],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def generate(path: str, rows: int) -> None:
    """Write the benchmark's month of `rows` contacts (October 2026, Pegadaian's reasons)."""
    from programs.presets import PRESETS
    from sampling.demo_data import write_csv

    with open(path, "w", newline="", encoding="utf-8") as fh:
        write_csv(
            fh,
            date(2026, 10, 1),
            rows,
            reasons=PRESETS["pegadaian"]["reasons"],
            channels=list(CHANNELS),
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "contacts.csv")
        started = time.perf_counter()
        generate(path, args.rows)
        size = os.path.getsize(path) / 1e6
        print(
            f"generated {args.rows:,} rows ({size:.0f} MB) in "
            f"{time.perf_counter() - started:.1f} s"
        )
        baseline = measure("pandas", path)
        ours = measure("ours", path)
    print(f"{'':28}{'seconds':>9}{'peak MB':>9}{'groups':>9}")
    print(
        f"{'pandas read_csv + groupby':28}{baseline['seconds']:9.2f}"
        f"{baseline['peak_mb']:9.0f}{baseline['groups']:9}"
    )
    print(
        f"{'mysteryshop import (parse)':28}{ours['seconds']:9.2f}"
        f"{ours['peak_mb']:9.0f}{ours['groups']:9}"
    )
    ratio = ours["seconds"] / baseline["seconds"]
    print(f"ratio import / pandas: {ratio:.2f} (below 1.00 is faster than the baseline)")
    return 0 if ratio <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
