"""The Cold starts and Endpoints display frames: every cell formatted by charts.format from the record given."""

from __future__ import annotations

from dataclasses import replace

from analysis.coldstarts import ColdStartRow, snapstart
from analysis.idle import EndpointIdle, Saving
from analysis.types import ColdStarts
from charts.coldstarts import cold_frame, fixes_frame, hourly, idle_frame, savings_frame, unused_text


def _cold(measured: float | None, share: float) -> ColdStartRow:
    fix = "Lambda + provisioned concurrency 3"
    cold = ColdStarts(measured, 1500.4, 2500.0, measured is not None, share, share * 2500.0, ((fix, -12.5, 1.0),), fix)
    ss = snapstart("lambda", "us-east-1", 1024, measured)
    return ColdStartRow(
        "lambda:1:us-east-1:fn", "fn", "lambda", "us-east-1", "1", 40.0, 1e6, cold, 300.0, 2800.0, share >= 0.01,
        -12.5, 1.0, ss,
    )  # fmt: skip


def test_cold_frame_formats_money_with_a_sign_counts_and_missing() -> None:
    (line,) = cold_frame([_cold(None, 0.00001)]).to_dict("records")
    assert line["measured"] == "—" and line["modelled"] == "1,500"
    assert line["init"] == "2.5 s (assumed)" and line["share"] == "< 0.01 %"
    assert line["extra"] == "\u2212$12.50" and line["left"] == "1"
    assert line["p99"] == "300 ms" and line["p99_cold"] == "2.8 s"
    (line,) = cold_frame([_cold(2000.0, 0.034)]).to_dict("records")
    assert line["measured"] == "2,000" and line["init"] == "2.5 s" and line["share"] == "3.40 %"


def test_fixes_frame_lists_snapstart_apart() -> None:
    frame = fixes_frame(_cold(2000.0, 0.034))
    assert list(frame["removes"]) == ["yes", "no: shortens them"]
    assert frame["extra"][1].startswith("+$")


def test_idle_and_savings_frames() -> None:
    savings = (Saving("serverless", "SageMaker Serverless (2 GB)", 3.0, 80.95), Saving("schedule", "none", None, None))
    e = EndpointIdle(
        "sagemaker-endpoint:1:us-east-1:ep", "ep", "sagemaker-endpoint", "us-east-1", "1", "ml.m5.large",
        24.0, 10.0, 24.0, 10.0, 0.004, None, 0.115, 1.15, 34.98, 83.95, savings,
    )  # fmt: skip
    (line,) = idle_frame([e]).to_dict("records")
    assert line["idle_hours"] == "10 of 24" and line["cpu"] == "—" and line["hour_usd"] == "$0.115"
    assert line["idle_usd"] == "$1.15" and line["best"] == "serverless: $80.95/month"
    assert [hourly(v) for v in (0.1095, 0.23, 1.4084, 12.0, None)] == ["$0.1095", "$0.23", "$1.4084", "$12.00", "—"]
    frame = savings_frame(e)
    assert list(frame["saving"]) == ["+$80.95", "—"]


def test_unused_capacity_in_words_and_in_the_tables() -> None:
    savings = (Saving("schedule", "off 105 hours", 50.0, 33.0, "", "hours with no traffic"),)
    e = EndpointIdle(
        "sagemaker-endpoint:1:us-east-1:ep", "ep", "sagemaker-endpoint", "us-east-1", "1", "ml.m5.large",
        24.0, 10.0, 25.0, 10.0, 0.004, 12.0, 0.115, 1.15, 34.98, 83.95, savings,
        busy_cpu_pct=20.0, unused_instance_hours=21.9, unused_usd=2.5185, unused_usd_per_month=76.6045,
    )  # fmt: skip
    assert unused_text(e) == "22 of 25 instance-hours, at 20 % CPU in the hours with traffic, $2.52 in the window, "\
        "$76.60/month"  # fmt: skip
    (line,) = idle_frame([e]).to_dict("records")
    assert line["unused_month"] == "$76.60" and line["idle_month"] == "$34.98"
    assert list(savings_frame(e)["recovers"]) == ["hours with no traffic"]
    unknown = replace(e, unused_instance_hours=None, unused_usd=None, unused_usd_per_month=None, busy_cpu_pct=None)
    assert unused_text(unknown).startswith("unknown: no CPU metric")
    assert idle_frame([unknown])["unused_month"][0] == "—"


def test_the_billed_column_only_beside_a_bill() -> None:
    """With a bill, what it charged each endpoint (a 730-hour month); "—" for one no bill covers; no column without."""
    from datetime import date

    from analysis.billed import BilledRow, BilledView

    e = EndpointIdle(
        "sagemaker-endpoint:1:us-east-1:ep", "ep", "sagemaker-endpoint", "us-east-1", "1", "ml.m5.large",
        24.0, 10.0, 24.0, 10.0, 0.004, None, 0.115, 1.15, 34.98, 83.95, (),
    )  # fmt: skip
    other = replace(e, resource_id="sagemaker-endpoint:1:us-east-1:other", name="other")
    day = date(2026, 11, 1)
    row = BilledRow(e.resource_id, day, day, 2.76, 2.76, 2.76 * 730 / 24, 2.76, 0.0, 0.0, "", "", (), "cur.parquet")
    view = BilledView(day, day, (row,), {}, (), (), (), ())
    assert "billed" not in idle_frame([e, other]).columns
    assert list(idle_frame([e, other], view)["billed"]) == ["$83.95", "—"]
