"""The CloudWatch reader a series at a time (``importers.cloudwatch_fast``) against the point-by-point reader.

Random result files (Lambda functions and SageMaker endpoints with one or two variants; values that are
negative, not finite, above 100 for a percentage, or not numbers; timestamps that are not timestamps or out of
the storable span; points repeated across pages, with the same value or another; empty series) are read both
ways: the rows, resources, notes and counts, or the refusal, must be the same. And a plain file must take the
fast path, or the comparison would prove nothing.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers import ImportOptions, InputFile, cloudwatch, cloudwatch_fast
from importers.files import read_head_bytes, read_whole
from importers.problems import ImportRejected

T0 = datetime(2025, 5, 8)
SERIES = [
    ("AWS/Lambda", "Invocations", "Sum", {"FunctionName": "fn-a"}),
    ("AWS/Lambda", "Duration", "p99", {"FunctionName": "fn-a"}),
    ("AWS/Lambda", "Errors", "Sum", {"FunctionName": "fn-b"}),
    ("AWS/SageMaker", "Invocations", "Sum", {"EndpointName": "ep", "VariantName": "v1"}),
    ("AWS/SageMaker", "ModelLatency", "Average", {"EndpointName": "ep", "VariantName": "v1"}),
    ("AWS/SageMaker", "Invocations", "Sum", {"EndpointName": "ep", "VariantName": "v2"}),
    ("AWS/SageMaker", "Invocation4XXErrors", "Sum", {"EndpointName": "ep", "VariantName": "v1"}),
    ("AWS/SageMaker", "Invocation5XXErrors", "Sum", {"EndpointName": "ep", "VariantName": "v1"}),
    ("/aws/sagemaker/Endpoints", "MemoryUtilization", "Average", {"EndpointName": "ep", "VariantName": "v1"}),
]
value_strategy = st.one_of(
    st.floats(0, 150).map(lambda v: round(v, 2)),
    st.integers(0, 10**6),
    st.sampled_from([-1.0, math.nan, math.inf, "7", None, True, 2**70]),
)
stamp_strategy = st.one_of(
    st.integers(0, 30).map(lambda m: f"{(T0 + timedelta(minutes=m)).isoformat()}Z"),
    st.sampled_from(["yesterday", "1990-01-01T00:00:00Z", "2999-01-01T00:00:00Z", 5]),
)
plain_points = st.lists(st.integers(0, 30), max_size=6, unique=True)
odd_points = st.lists(st.tuples(stamp_strategy, value_strategy), max_size=4)
series_strategy = st.tuples(
    st.sampled_from(range(len(SERIES))),
    st.one_of(plain_points, odd_points),
    st.sampled_from(["Complete", "Complete", "PartialData"]),
    st.integers(0, 2),  # the page it is on
)


def _files(folder: Path, picked: list[tuple]) -> tuple[InputFile, ImportOptions]:
    queries = [
        {
            "Id": f"q{i}",
            "MetricStat": {
                "Metric": {
                    "Namespace": ns,
                    "MetricName": m,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in d.items()],
                },
                "Period": 60,
                "Stat": stat,
            },
        }
        for i, (ns, m, stat, d) in enumerate(SERIES)
    ]
    pages: list[dict] = [{"MetricDataResults": []} for _ in range(3)]
    pages[1]["Messages"] = [{"Code": "MaxQueryTimeRangeExceed", "Value": "the range was cut"}]
    for index, points, status, page in picked:
        if points and isinstance(points[0], int):
            stamps = [f"{(T0 + timedelta(minutes=m)).isoformat()}Z" for m in points]
            values = [float(m * 3 % 17) for m in points]
        else:
            stamps, values = [p[0] for p in points], [p[1] for p in points]
        result = {"Id": f"q{index}", "Timestamps": stamps, "Values": values, "StatusCode": status}
        pages[page]["MetricDataResults"].append(result)
    (folder / "q.json").write_text(json.dumps(queries))
    (folder / "r.json").write_text("\n".join(json.dumps(p) for p in pages))
    return InputFile.from_path(folder / "r.json"), ImportOptions(queries=folder / "q.json", region="us-east-1")


def _read(file: InputFile, options: ImportOptions) -> object:
    _, text = read_whole(file, read_head_bytes(file, None))
    try:
        parsed = cloudwatch.parse(file, text, options)
    except ImportRejected as exc:
        return ("refused", [(p.message, p.where) for p in exc.problems])
    table = parsed.metrics
    return (parsed.rows_read, parsed.resources, parsed.notes, table.schema, table.to_pylist())


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(picked=st.lists(series_strategy, max_size=6))
def test_the_fast_reader_reads_what_the_point_reader_reads(
    picked: list[tuple], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file, options = _files(tmp_path, picked)
    fast = _read(file, options)
    with monkeypatch.context() as patched:
        patched.setattr(cloudwatch, "parse_fast", lambda *args: None)
        slow = _read(file, options)
    assert fast == slow


def test_a_plain_file_takes_the_fast_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    taken: list[bool] = []
    original = cloudwatch_fast.parse_fast

    def spy(*args: object) -> object:
        result = original(*args)
        taken.append(result is not None)
        return result

    monkeypatch.setattr(cloudwatch, "parse_fast", spy)
    file, options = _files(
        tmp_path, [(0, [0, 1, 2], "Complete", 0), (4, [5], "PartialData", 2), (2, [], "Complete", 1)]
    )
    rows_read, resources, notes, _, rows = _read(file, options)  # type: ignore[misc]
    assert taken == [True]
    assert rows_read == 4 and len(rows) == 4
    assert [r.name for r in resources] == ["fn-a", "ep"]  # by resource id; fn-b's series has no point: no resource
    assert notes == [
        "CloudWatch message: MaxQueryTimeRangeExceed the range was cut",
        "result q4 is PartialData: CloudWatch had more points than this file holds",
    ]
