"""Hypothesis settings shared by the fuzz tests: derandomized in CI (the same
examples every run, no example database), a fresh search locally; FUZZ_SCALE=20
runs twenty times as many examples (a deeper search)."""

import os

from hypothesis import HealthCheck, settings

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
SCALE = float(os.environ.get("FUZZ_SCALE", "1"))


def fuzz(max_examples: int):
    return settings(
        max_examples=max(1, int(max_examples * SCALE)),
        deadline=None,
        derandomize=IN_CI,
        database=None if IN_CI else settings.default.database,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
    )
