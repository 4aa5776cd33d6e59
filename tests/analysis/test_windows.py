"""Windows and periods end to end, through a real store: mid-hour windows, a 20-minute upload, a memory change.

Truth: exact per-request replays of traces generated here (tests/replay), and hand computation.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from analysis.estate import assess_estate
from analysis.params import ModelParams
from common.units import MONTH_SECONDS
from pricing import load_price_book
from store.queries import Filters
from store.writes import ResourceRecord
from tests.analysis.store_traces import at, write_trace
from tests.replay import exact, traces

RATES = exact.Rates()  # Lambda x86 us-east-1, 2 GB: what the bundled sheet says for us-east-1
MIDNIGHT = 20_412 * 86_400  # 2025-11-20 00:00 UTC
AT_18_15 = MIDNIGHT + 18 * 3600 + 15 * 60
KEEP_ALIVE = 600.0
FN = ResourceRecord("lambda", "123456789012", "us-east-1", "scorer")
LAMBDA_2GB = {"memory_mb": 2048, "architecture": "x86_64"}


@pytest.fixture(scope="module")
def book():
    return load_price_book(use_env=False)


def _only(estate):
    (row,) = estate.rows
    return row


def test_a_window_from_18_15_to_21_40_is_priced_on_exactly_its_span(empty_db: Path, book) -> None:
    """Per-minute data from 18:15 to 21:40: 3 h 25 min priced, nothing floored away, the month scaled from it."""
    span = 3 * 3600 + 25 * 60
    trace = traces.poisson(11, 4, span / 3600, median_ms=150)
    outcome = exact.replay(trace, KEEP_ALIVE)
    write_trace(empty_db, FN, outcome, (0.0, trace.end_s), AT_18_15, 60, [(-3600.0, LAMBDA_2GB)])
    row = _only(assess_estate(empty_db, Filters(), ModelParams(keep_alive_s=KEEP_ALIVE), book))
    assert row.measured_hours == pytest.approx(span / 3600)
    assert row.requests_in_window == outcome.requests
    factor = MONTH_SECONDS / span
    assert row.requests_per_month == pytest.approx(outcome.requests * factor)
    # billed duration from the REPORT-like sums: the exact bill of the window, scaled to a month
    assert row.current.monthly_usd == pytest.approx(exact.faas_cost(outcome, RATES) * factor, rel=0.005)
    assert "extrapolated from 3.4 hours" in row.verdict.text


def test_a_window_cutting_stored_hours_counts_their_share(empty_db: Path, book) -> None:
    """Hourly data for 00:00-06:00, window 01:30-04:45: half of the 01:00 hour and three quarters of the 04:00
    hour are counted (spread evenly), 3.25 hours priced."""
    trace = traces.poisson(21, 5, 6, median_ms=120)
    outcome = exact.replay(trace, KEEP_ALIVE)
    write_trace(empty_db, FN, outcome, (0.0, trace.end_s), MIDNIGHT, 3600, [(-3600.0, LAMBDA_2GB)])
    window = Filters(since=at(MIDNIGHT + 5400), until=at(MIDNIGHT + 4 * 3600 + 2700))
    row = _only(assess_estate(empty_db, window, ModelParams(keep_alive_s=KEEP_ALIVE), book))
    assert row.measured_hours == pytest.approx(3.25)
    inside = (outcome.arrivals_s >= 5400) & (outcome.arrivals_s < 4 * 3600 + 2700)
    assert row.requests_in_window == pytest.approx(int(inside.sum()), rel=0.02)  # Poisson: spread ≈ exact
    truth = outcome.billed_ms[inside].sum() / 1000 * 2 * RATES.gb_second_usd + inside.sum() * RATES.request_usd
    assert row.current.monthly_usd == pytest.approx(truth * MONTH_SECONDS / (3.25 * 3600), rel=0.03)


def test_a_twenty_minute_upload_gives_figures_and_says_how_little_they_rest_on(empty_db: Path, book) -> None:
    trace = traces.poisson(12, 3, 20 / 60, median_ms=200)
    outcome = exact.replay(trace, KEEP_ALIVE)
    write_trace(empty_db, FN, outcome, (0.0, trace.end_s), AT_18_15, 60, [(0.0, LAMBDA_2GB)])
    estate = assess_estate(empty_db, Filters(), ModelParams(keep_alive_s=KEEP_ALIVE), book)
    row = _only(estate)
    assert row.measured_hours == pytest.approx(20 / 60)
    assert row.extrapolated and "extrapolated from 0.3 hours" in row.verdict.text
    assert row.current.monthly_usd == pytest.approx(exact.faas_cost(outcome, RATES) * MONTH_SECONDS / 1200, rel=0.005)
    assert estate.window_start == "2025-11-20T18:15:00Z" and estate.window_end == "2025-11-20T18:35:00Z"


def test_five_minutes_of_data_is_too_little_and_says_why(empty_db: Path, book) -> None:
    trace = traces.poisson(13, 3, 5 / 60, median_ms=200)
    write_trace(empty_db, FN, exact.replay(trace, KEEP_ALIVE), (0.0, trace.end_s), AT_18_15, 60, [(0.0, LAMBDA_2GB)])
    row = _only(assess_estate(empty_db, Filters(), ModelParams(), book))
    assert "too little to extrapolate" in row.skipped_reason
    assert row.current.monthly_usd is None and row.best is None and row.verdict.action == "keep"


def test_a_memory_change_inside_the_window_compares_like_for_like(empty_db: Path, book) -> None:
    """1,024 MB for 12 hours, then 2,048 MB (requests twice as fast): today and every option cover the 2,048 MB
    half; the 1,024 MB half is priced on its own and shown apart."""
    from store.writes import Batch, ConfigRecord, metrics_frame, write_batch

    rid = FN.resource_id
    rows = []
    for h in range(24):
        billed = 200.0 if h < 12 else 100.0
        start = datetime(2026, 3, 1, h)
        rows += [(rid, "invocations", start, 3600, 3600.0, "t"), (rid, "duration_ms_avg", start, 3600, billed, "t")]
        rows += [(rid, "billed_duration_ms_sum", start, 3600, 3600 * billed, "t")]
    configs = [
        ConfigRecord(rid, datetime(2026, 2, 1), {"memory_mb": 1024}, "t"),
        ConfigRecord(rid, datetime(2026, 3, 1, 12), {"memory_mb": 2048}, "t"),
    ]
    write_batch(empty_db, Batch(resources=[FN], configs=configs, metrics=metrics_frame(rows)))
    row = _only(assess_estate(empty_db, Filters(), ModelParams(), book))
    # today = the 2,048 MB half as a month: 3,600 req/h × 730 h = 2,628,000 requests ($0.5256 -> $0.53) and
    # 2,628,000 × 0.1 s × 2 GB = 525,600 GB-s × $0.0000166667 = $8.76
    assert row.measured_hours == pytest.approx(12)
    assert row.requests_per_month == pytest.approx(2_628_000)
    assert row.current.monthly_usd == pytest.approx(0.53 + 8.76)
    # the 1,024 MB half: 2,628,000 × 0.2 s × 1 GB = 525,600 GB-s: the same $9.29 as a month, shown apart
    earlier = [n for n in row.notes if "earlier configuration" in n]
    assert len(earlier) == 1 and "1,024 MB" in earlier[0] and "$9.29/month-equivalent" in earlier[0]
    endpoint = next(o for o in row.options if o.service == "sagemaker-endpoint")
    assert endpoint.feasible  # modelled on the current configuration's traffic only
