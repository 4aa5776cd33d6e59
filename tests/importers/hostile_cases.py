"""Hostile inputs (issue 10): impossible times and offsets, a period of 0, JSON nested past any export, huge
headers and cells, fields of the wrong JSON type. Each is a case of ``test_bad_inputs``' corpus: a file, the
options to import it with, and a piece of the one line that must refuse it."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from importers import mapping_from_json
from tests.importers.conftest import SAMPLES

HEADER = "timestamp,service,resource,metric,value,period_s\n"
FUTURE = (datetime.now(UTC) + timedelta(days=400)).strftime("%Y-%m-%d")
QUERIES = {"queries": SAMPLES / "cloudwatch-queries.json"}
DEEP = 100_000  # far past Python's recursion limit
DEEPER_THAN_ANY_EXPORT = 70  # under the recursion limit, over the importers' bound of 64


def long(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(rows)).encode()


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def series(points: list[dict], **extra: object) -> dict:
    return {
        "metric": {"type": "run.googleapis.com/request_count"},
        "resource": {"type": "cloud_run_revision", "labels": {"service_name": "s", "location": "l", "project_id": "p"}},
        "metricKind": "DELTA",
        "points": points,
        **extra,
    }


def point(start: str, end: str) -> dict:
    return {"interval": {"startTime": start, "endTime": end}, "value": {"int64Value": "5"}}


def get_metric_data(timestamps: list[str]) -> bytes:
    """A result for the sample queries' first Id, with these timestamps."""
    first_id = json.loads((SAMPLES / "cloudwatch-queries.json").read_text())[0]["Id"]
    result = {"Id": first_id, "Timestamps": timestamps, "Values": [1.0] * len(timestamps), "StatusCode": "Complete"}
    return json.dumps({"MetricDataResults": [result]}).encode()


def logs_insights(message: str, stamp: str = "2025-05-08 00:00:00.000") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["@timestamp", "@log", "@message"])
    writer.writerow([stamp, "111122223333:/aws/lambda/fn", message])
    return out.getvalue().encode()


REPORT = "REPORT RequestId: 1 Duration: 12.5 ms Billed Duration: 13 ms Memory Size: 128 MB Max Memory Used: 60 MB"
WIDE_MAPPING = mapping_from_json(
    {"columns": {"fn Invocations": {"service": "lambda", "resource": "fn", "metric": "invocations"}}}, "m.json"
)

HOSTILE: list[tuple[str, bytes, dict, str]] = [
    (
        "ts-2005.csv",
        long("2005-12-31T23:00:00Z,lambda,fn,invocations,5,3600\n"),
        {},
        "row 2, column timestamp: '2005-12-31T23:00:00Z': 2005-12-31 23:00:00 is before 2006",
    ),
    (
        "ts-9999.csv",
        long("9999-01-01T00:00:00Z,lambda,fn,invocations,5,3600\n"),
        {},
        "row 2, column timestamp: '9999-01-01T00:00:00Z': 9999-01-01 00:00:00 is more than a day in the future",
    ),
    (
        "ts-year-0.csv",
        long("0000-01-01T00:00:00Z,lambda,fn,invocations,5,3600\n"),
        {},
        "row 2, column timestamp: '0000-01-01T00:00:00Z': is outside 2006 .. a day from now",
    ),
    (
        "ts-future.csv",
        long(f"{FUTURE}T00:00:00Z,lambda,fn,invocations,5,3600\n"),
        {},
        "is more than a day in the future",
    ),
    (
        "offset-25.csv",
        long("2025-05-08T00:00:00+25:00,lambda,fn,invocations,5,3600\n"),
        {},
        "row 2, column timestamp: '2025-05-08T00:00:00+25:00' has a UTC offset beyond ±14:00",
    ),
    (
        "offset-1430.csv",
        long("2025-05-08T00:00:00-14:30,lambda,fn,invocations,5,3600\n"),
        {},
        "'2025-05-08T00:00:00-14:30' has a UTC offset beyond ±14:00",
    ),
    (
        "period-zero.csv",
        long("2025-05-08T00:00:00Z,lambda,fn,invocations,5,0\n"),
        {},
        "row 2, column period_s: '0' is not a whole number of seconds above 0",
    ),
    (
        "period-negative.csv",
        long("2025-05-08T00:00:00Z,lambda,fn,invocations,5,-3600\n"),
        {},
        "row 2, column period_s: '-3600' is not a whole number of seconds above 0",
    ),
    (
        "huge-header.csv",
        long("2025-05-08,lambda,fn,1\n", header="timestamp,service,resource,value," + "x" * 590_000 + "\n"),
        {},
        "row 1: the header has no 'metric' column (it has: timestamp, service, resource, value, xxxx",
    ),
    (
        "huge-cell.csv",
        long("2025-05-08T00:00:00Z,lambda,fn,invocations," + "9" * 5 + "x" * 500_000 + ",3600\n"),
        {},
        "row 2, column value: '99999xxxxxxxxx",
    ),
    (
        "vcpu-zero.csv",
        b"timestamp,service,resource,metric,value,vcpu\n2025-05-08T00:00:00Z,cloud-run,svc,invocations,5,0\n",
        {},
        "row 2, column vcpu: '0' is not a number above 0",
    ),
    (
        "assumed.csv",
        b"timestamp,service,resource,metric,value,memory_mb,assumed\n2025-05-08T00:00:00Z,lambda,fn,,,512,memori_mb\n",
        {},
        "row 2, column assumed: 'memori_mb' names a field that is not a configuration field",
    ),
    (
        "ts-deep.json",
        ('{"timeSeries": ' + nested(DEEP) + "}").encode(),
        {},
        "document 1: nests JSON more than 64 levels deep; no export is that deep",
    ),
    (
        "ts-70-deep.json",
        json.dumps({"timeSeries": [series([point("2025-05-08T00:00:00Z", "2025-05-08T01:00:00Z")])]})
        .replace('"5"', nested(DEEPER_THAN_ANY_EXPORT))
        .encode(),
        {},
        "nests JSON more than 64 levels deep",
    ),
    (
        "ts-wrong-types.json",
        json.dumps({"timeSeries": [series([]) | {"metric": ["run.googleapis.com/request_count"]}]}).encode(),
        {},
        "page 1, timeSeries[0]: is not a time series as the API writes it (a field has the wrong type)",
    ),
    (
        "ts-offset.json",
        json.dumps(
            {"timeSeries": [series([point("2025-05-08T00:00:00+15:00", "2025-05-08T01:00:00+15:00")])]}
        ).encode(),
        {},
        "points[0]: endTime: '2025-05-08T01:00:00+15:00' has a UTC offset beyond ±14:00",
    ),
    (
        "ts-2005.json",
        json.dumps({"timeSeries": [series([point("2005-05-08T00:00:00Z", "2005-05-08T01:00:00Z")])]}).encode(),
        {},
        "points[0]: 2005-05-08 00:00:00 is before 2006",
    ),
    (
        "gm-deep.json",
        ('{"MetricDataResults": ' + nested(DEEP) + "}").encode(),
        QUERIES,
        "nests JSON more than 64 levels deep",
    ),
    (
        "gm-not-objects.json",
        json.dumps({"MetricDataResults": [5, "x"]}).encode(),
        QUERIES,
        "MetricDataResults[0]: is not a result object",
    ),
    (
        "gm-1999.json",
        get_metric_data(["1999-05-08T00:00:00Z"]),
        QUERIES,
        "1999-05-08 00:00:00 is before 2006",
    ),
    (
        "gm-offset.json",
        get_metric_data(["2025-05-08T00:00:00+23:00"]),
        QUERIES,
        "Timestamps[0]: '2025-05-08T00:00:00+23:00' has a UTC offset beyond ±14:00",
    ),
    (
        "li-deep-json.csv",
        logs_insights('{"type": "platform.report", "record": ' + nested(DEEP) + "}"),
        {},
        "holds no Lambda REPORT lines (1 other rows were read)",
    ),
    (
        "li-future.csv",
        logs_insights(REPORT, stamp=f"{FUTURE} 00:00:00.000"),
        {},
        "is more than a day in the future",
    ),
    (
        "li-offset.csv",
        logs_insights(REPORT, stamp="2025-05-08T00:00:00+16:00"),
        {},
        "row 2, column @timestamp: '2025-05-08T00:00:00+16:00' has a UTC offset beyond ±14:00",
    ),
    (
        "wide-offset.csv",
        b"Time,fn Invocations\n2025-05-08 00:00 GMT+01:00,5\n2025-05-08 01:00 GMT+15:00,6\n",
        {"format": "wide", "mapping": WIDE_MAPPING},
        "row 3, column Time: '2025-05-08 01:00 GMT+15:00' has a UTC offset beyond ±14:00",
    ),
    (
        "wide-2005.csv",
        b"Time,fn Invocations\n2005-05-08 00:00,5\n2005-05-08 01:00,6\n",
        {"format": "wide", "mapping": WIDE_MAPPING},
        "row 2, column fn Invocations: 2005-05-08 00:00:00 is before 2006",
    ),
]
