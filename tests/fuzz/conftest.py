"""Hypothesis settings for the property tests.

The normal test run tries a few examples per property, derandomized (the same examples
every run, chosen from the test's own name), so it is quick and its verdict never
changes from one run to the next. `make fuzz` sets KB_FUZZ_EXAMPLES to a larger budget and
draws new random examples on every run; Hypothesis keeps any failure in .hypothesis/ and
tries it first next time, and prints the seed to reproduce it (`--hypothesis-seed=N`).
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

EXAMPLES = int(os.environ.get("KB_FUZZ_EXAMPLES", "0"))
_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
         HealthCheck.filter_too_much]

# Without the explain phase, which reruns a failure hundreds of times to comment on it.
_PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink]

settings.register_profile("kb-tests", max_examples=12, derandomize=True, deadline=None, database=None,
                          suppress_health_check=_SLOW, phases=_PHASES, print_blob=True)
settings.register_profile("kb-fuzz", max_examples=EXAMPLES or 1, deadline=None,
                          suppress_health_check=_SLOW, phases=_PHASES, print_blob=True)
settings.load_profile("kb-fuzz" if EXAMPLES else "kb-tests")
