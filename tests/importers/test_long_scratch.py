"""A long CSV is staged in a scratch database file (``store.staged``), not in memory: the scratch folder lives as
long as the prepared file (a preview written later) and no longer, a refused file leaves neither a scratch
folder nor a database behind, and a bad value deep in the file still refuses the whole file in one line."""

from __future__ import annotations

import gc
import tempfile
from pathlib import Path

import pytest

from importers import ImportOptions, InputFile, RejectedFiles, import_files, orchestrate
from importers.long_stage import PREVIEW_ROWS
from store.staged import StagedRows
from tests.importers.conftest import rows

HEADER = "timestamp,service,resource,metric,value,period_s,region,account,memory_mb\n"


def _csv(path: Path, minutes: int, bad_at: int | None = None) -> InputFile:
    lines = [HEADER]
    for m in range(minutes):
        value = "-3" if m == bad_at else str(m)
        stamp = f"2025-01-01T{m // 60:02d}:{m % 60:02d}:00Z"
        lines.append(f"{stamp},lambda,fn,invocations,{value},60,us-east-1,111122223333,512\n")
    path.write_text("".join(lines))
    return InputFile.from_path(path)


@pytest.fixture
def scratch_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder the stage's scratch folders go to, watched by the test."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def _scratch(root: Path) -> list[Path]:
    return sorted(root.glob("breakeven-stage-*"))


def test_a_prepared_file_keeps_its_scratch_folder_until_written_and_dropped(
    scratch_root: Path, tmp_path: Path, store_db: Path
) -> None:
    prepared = orchestrate.prepare(_csv(tmp_path / "a.csv", 120), ImportOptions())
    assert isinstance(prepared.parsed.metrics, StagedRows)
    assert len(_scratch(scratch_root)) == 1
    assert len(prepared.preview()) == min(120, PREVIEW_ROWS)
    assert prepared.rows_per_metric() == {"invocations": 120}
    gc.collect()
    orchestrate.write(store_db, prepared)  # the Upload page writes a preview on a later rerun
    assert rows(store_db, "SELECT count(*), sum(value) FROM metrics") == [(120, sum(range(120)))]
    del prepared
    gc.collect()
    assert _scratch(scratch_root) == []


def test_a_bad_value_deep_in_the_file_refuses_it_whole_and_leaves_nothing(scratch_root: Path, tmp_path: Path) -> None:
    db = tmp_path / "new.duckdb"
    with pytest.raises(RejectedFiles) as refused:
        import_files(db, [_csv(tmp_path / "bad.csv", 600, bad_at=577)], ImportOptions())
    (rejection,) = refused.value.rejections
    assert len(rejection.problems) == 1
    problem = rejection.problems[0]
    assert (problem.row, problem.column) == (579, "value")  # the header is row 1
    assert not db.exists()
    gc.collect()
    assert _scratch(scratch_root) == []


def test_the_same_file_imported_twice_changes_nothing_the_second_time(scratch_root: Path, tmp_path: Path) -> None:
    db = tmp_path / "twice.duckdb"
    file = _csv(tmp_path / "a.csv", 90)
    (first,) = import_files(db, [file], ImportOptions())
    (second,) = import_files(db, [file], ImportOptions())
    assert first.summary is not None and first.summary.inserted == 90
    assert second.already_imported and second.summary is not None and second.summary.unchanged == 90
    assert rows(db, "SELECT count(*) FROM metrics") == [(90,)]
    gc.collect()
    assert _scratch(scratch_root) == []
