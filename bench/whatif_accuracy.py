"""Print how a traffic what-if's peaks and cold starts compare with exact replays of the scaled trace (the
figures in docs/replay.md, "Under a what-if").

For every family of tests/analysis/scaled_traces.py and k = 0.1, 0.5, 2, 4, 10: k × the trace built request by
request (k independent copies superposed, or the trace thinned to a share k), replayed exactly with a 10-minute
keep-alive; against the engine on the ×1 trace's per-minute aggregates scaled by ``apply_what_if`` (the rule
of ``analysis.scaled_peaks``) and scaled linearly (the rule before: peaks × k). Columns: the replay's cold
starts and the two ratios to it; the window's highest minute peak (what a provisioned level or a hybrid's k
is bounded by) and the two rules' values; the mean minute peak over the window and the two ratios.
Usage: ``python bench/whatif_accuracy.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from replay import FaasResult
from tests.analysis import scaled_traces as st

SCALES = (0.1, 0.5, 2.0, 4.0, 10.0)


def _cold(result: FaasResult) -> float:
    return float(result.cold_starts[0] + result.startup_cold_starts[0])


def main() -> None:
    print(f"{'family':15} {'k':>5} | {'cold':>6} {'rule':>6} {'linear':>6} | {'peak':>5} {'rule':>6} {'linear':>6} |"
          f" {'mean':>6} {'rule':>5} {'linear':>6}")  # fmt: skip
    for family in st.FAMILIES:
        for k in SCALES:
            truth = st.truth(family, k)
            rule, linear = st.what_if(family, k), st.linear(family, k)
            new, old = st.model(rule), st.model(linear)
            cold = max(truth.cold_starts, 1)
            print(
                f"{family:15} {k:>5g} | {truth.cold_starts:>6} {_cold(new) / cold:>6.2f} {_cold(old) / cold:>6.2f} |"
                f" {truth.peak:>5.0f} {new.peak_concurrency[0]:>6.1f} {old.peak_concurrency[0]:>6.1f} |"
                f" {truth.mean_peak:>6.2f} {st.mean_peak(rule) / truth.mean_peak:>5.2f}"
                f" {st.mean_peak(linear) / truth.mean_peak:>6.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
