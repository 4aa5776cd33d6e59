"""The import hands the store a plain batch: the same checks whichever way a record comes in, each file read once,
nothing opened for a refused file, and a command line that starts without numpy or the demo."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from importers import ImportOptions, InputFile, RejectedFiles, import_files, load_mapping, long_stage, orchestrate
from importers.model import Parsed
from importers.problems import ImportRejected
from store import BatchError
from store.writes import Batch, ConfigRecord, ResourceRecord, write_batch
from tests.importers.conftest import SAMPLES, db_state, run_cli

ROOT = Path(__file__).resolve().parents[2]
FN = ResourceRecord("lambda", "111122223333", "us-east-1", "fn")
MISSPELT = {"memori_mb": 512}


def test_a_config_with_an_unknown_field_is_refused_the_same_way_whichever_path(
    sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reproduced in issue 9: refused when passed to write_batch, silently dropped inside the import's ``stage``."""
    with pytest.raises(BatchError) as direct:
        write_batch(
            sample_db,
            Batch(resources=[FN], configs=[ConfigRecord(FN.resource_id, datetime(2025, 5, 8), MISSPELT, "x")]),
        )
    parse = orchestrate.PARSERS["logs-insights"]

    def parse_with_a_misspelt_field(file: InputFile, text: str, options: ImportOptions) -> Parsed:
        parsed = parse(file, text, options)
        rid = parsed.resources[0].resource_id
        return Parsed(
            parsed.rows_read, parsed.resources, [ConfigRecord(rid, datetime(2025, 5, 8), MISSPELT, "x")], parsed.metrics
        )

    monkeypatch.setitem(orchestrate.PARSERS, "logs-insights", parse_with_a_misspelt_field)
    before = db_state(sample_db)
    sample = InputFile.from_path(SAMPLES / "logs-insights-report-fields.csv")
    with pytest.raises(RejectedFiles) as imported:
        import_files(sample_db, [sample], ImportOptions(region="us-east-1"))
    (rejection,) = imported.value.rejections
    assert str(direct.value).startswith("unknown configuration field(s) ['memori_mb'] for ")
    assert rejection.problems[0].message.startswith("unknown configuration field(s) ['memori_mb'] for ")
    assert db_state(sample_db) == before


def test_each_file_is_staged_once(store_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Into a new database too: no second pass to check, no trial write into memory, no re-read to write."""
    calls: list[str] = []
    stage = long_stage.stage_long_csv

    def counting(spec, progress=None, now=None):
        calls.append(spec.file_name)
        return stage(spec, progress, now)

    monkeypatch.setattr("importers.long_csv.stage_long_csv", counting)
    new_db = tmp_path / "new" / "breakeven.duckdb"
    for db in (store_db, new_db):
        calls.clear()
        (result,) = import_files(db, [InputFile.from_path(SAMPLES / "long.csv")], ImportOptions())
        assert calls == ["long.csv"] and result.summary.inserted == 60


def test_a_file_the_store_refuses_is_refused_before_any_database_is_opened(
    sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parser accepts an hour starting at half past; the store's check refuses it, with no file opened."""

    def no_open(*_args: object, **_kwargs: object) -> None:
        pytest.fail("a database was opened for a refused file")

    monkeypatch.setattr("store.writes.connect", no_open)
    monkeypatch.setattr("store.writes.read_as_is", no_open)
    misaligned = tmp_path / "misaligned.json"
    point = {"interval": {"startTime": "2025-05-08T00:30:00Z", "endTime": "2025-05-08T01:30:00Z"}}
    series = {
        "metric": {"type": "run.googleapis.com/request_count"},
        "resource": {"type": "cloud_run_revision", "labels": {"service_name": "s", "location": "l", "project_id": "p"}},
        "metricKind": "DELTA",
        "points": [{**point, "value": {"int64Value": "5"}}],
    }
    misaligned.write_text(json.dumps({"timeSeries": [series]}))
    with pytest.raises(RejectedFiles) as caught:
        import_files(sample_db, [InputFile.from_path(misaligned)], ImportOptions())
    assert "not on a multiple of its 3600-s period" in caught.value.rejections[0].summary()


@pytest.mark.parametrize("kind", ["mapping", "queries"])
def test_a_deeply_nested_options_file_is_one_line(tmp_path: Path, store_db: Path, kind: str) -> None:
    deep = tmp_path / f"{kind}.json"
    deep.write_text('{"columns": ' + "[" * 100_000 + "]" * 100_000 + "}")
    if kind == "mapping":
        with pytest.raises(ImportRejected, match=r"mapping\.json: nests JSON more than 64 levels deep"):
            load_mapping(deep)
        return
    results = SAMPLES / "cloudwatch-get-metric-data.json"
    code, out, err = run_cli("import", str(results), "--queries", str(deep), "--db", str(store_db))
    assert (code, out) == (2, "")
    assert err.splitlines()[-1].startswith("error: queries.json was rejected (1 problem; nothing was written)")
    assert "nests JSON more than 64 levels deep" in err and "Traceback" not in err
