"""The Upload page under AppTest, fed real file bytes from data/samples."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from importers import ImportOptions, InputFile, import_files
from tests.app.conftest import metrics_of, open_app, shown
from tests.importers.conftest import SAMPLES, db_state, rows

PAGE = "views/upload.py"


def upload(at: AppTest, *names: str, content: dict[str, bytes] | None = None) -> AppTest:
    content = content or {}
    files = [(name, content.get(name) or (SAMPLES / name).read_bytes(), "text/csv") for name in names]
    at.file_uploader(key="upload_files").set_value(files)
    at.run()
    return at


@pytest.fixture
def sample_db(empty_db: Path) -> Path:
    """A database that already holds the long-CSV sample."""
    import_files(empty_db, [InputFile.from_path(SAMPLES / "long.csv")], ImportOptions())
    return empty_db


def button(at: AppTest, key: str):
    return next(b for b in at.button if b.key == key)


def test_long_csv_preview_import_summary_history_and_link(empty_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = upload(open_app(empty_db, monkeypatch, PAGE), "long.csv")
    assert not at.exception and not at.error
    assert metrics_of(at) == {"Rows read": "60", "Metric rows": "60", "Resources": "2"}
    assert len(at.dataframe) >= 2  # resources found, parsed rows
    assert not button(at, "upload_import").disabled
    button(at, "upload_import").click()
    at.run()
    assert not at.exception
    (done,) = at.success
    summary = "**long.csv** (long) imported: 60 metric rows — 60 new, 0 updated, 0 unchanged; 2 resource(s)."
    assert summary in shown(done.value)
    assert rows(empty_db, "SELECT count(*) FROM metrics") == [(60,)]
    assert rows(empty_db, "SELECT file_name, rows FROM uploads") == [("long.csv", 60)]
    history = at.dataframe[-1].value
    assert list(history["file_name"]) == ["long.csv"]
    # the summary links to the imported resources' view: the Overview filtered to them and their dates
    link = button(at, "upload_open_lambda_111122223333_us-east-1")
    assert "churn-scorer" in shown(link.label)
    link.click()
    at.run()
    assert not at.exception
    assert at.title[0].value == "Overview"
    params = {key: at.query_params[key] for key in at.query_params}
    assert params == {
        "service": "lambda",
        "account": "111122223333",
        "region": "us-east-1",
        "start": "2025-05-08",
        "end": "2025-05-08",
    }
    # AppTest re-runs only the page script after a switch, so open the linked URL as a browser would
    linked = open_app(empty_db, monkeypatch, query=params)
    assert metrics_of(linked)["Resources"] == "1"


def test_refused_file_shows_its_problems_and_blocks_the_import(
    sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = b"timestamp,service,resource,metric,value\n2025-05-08T00:00:00Z,lambda,fn,invocations,-3\n"
    before = db_state(sample_db)
    at = upload(open_app(sample_db, monkeypatch, PAGE), "long.csv", "bad.csv", content={"bad.csv": bad})
    assert not at.exception
    (error,) = at.error
    assert shown(error.value).startswith("bad.csv was rejected (1 problem; nothing was written)")
    assert any("bad.csv, row 2, column value: -3 is negative" in c.value for c in at.code)
    assert button(at, "upload_import").disabled
    assert db_state(sample_db) == before


def test_an_account_with_a_colon_is_refused_at_once(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = db_state(sample_db)
    at = open_app(sample_db, monkeypatch, PAGE)
    at.text_input(key="upload_account").set_value("111122223333:prod")
    at.run()
    assert not at.exception
    assert shown(at.error[0].value).startswith("The account '111122223333:prod' contains ':'")
    upload(at, "long.csv")
    assert not at.exception
    assert any("long.csv: account '111122223333:prod' contains ':'" in shown(e.value) for e in at.error)
    assert button(at, "upload_import").disabled
    assert db_state(sample_db) == before


def test_cloudwatch_results_with_their_queries_file(empty_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_app(empty_db, monkeypatch, PAGE)
    at.text_input(key="upload_account").set_value("111122223333")
    at.text_input(key="upload_region").set_value("us-east-1")
    upload(at, "cloudwatch-get-metric-data.json", "cloudwatch-queries.json")
    assert not at.exception and not at.error
    assert any("Using `cloudwatch-queries.json` as the GetMetricData queries file." in c.value for c in at.caption)
    assert metrics_of(at)["Rows read"] == "40"
    button(at, "upload_import").click()
    at.run()
    assert not at.exception and len(at.success) == 1
    assert rows(empty_db, "SELECT DISTINCT resource_id FROM metrics ORDER BY 1") == [
        ("lambda:111122223333:us-east-1:churn-scorer",),
        ("sagemaker-endpoint:111122223333:us-east-1:reco-endpoint",),
    ]


def test_wide_csv_with_a_dropped_mapping_file(empty_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = upload(open_app(empty_db, monkeypatch, PAGE), "wide-console.csv", "wide-mapping.json")
    assert not at.exception and not at.error
    assert metrics_of(at) == {"Rows read": "4", "Metric rows": "11", "Resources": "2"}
    button(at, "upload_import").click()
    at.run()
    assert rows(empty_db, "SELECT count(*) FROM metrics") == [(11,)]


def test_wide_csv_mapped_in_the_page(empty_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = upload(open_app(empty_db, monkeypatch, PAGE), "wide-console.csv")
    assert not at.exception
    assert any("The mapping is not complete yet" in w.value for w in at.warning)
    assert button(at, "upload_import").disabled
    at.selectbox(key="upload_service_wide-console.csv").set_value("lambda")
    at.run()
    assert not at.exception and not at.warning and not at.error
    assert metrics_of(at)["Resources"] == "2"  # churn-scorer and reco-endpoint, as guessed from the headers
    assert not button(at, "upload_import").disabled


def test_same_file_again_changes_nothing(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = db_state(sample_db)
    at = upload(open_app(sample_db, monkeypatch, PAGE), "long.csv")
    button(at, "upload_import").click()
    at.run()
    assert "was already imported; nothing changed" in shown(at.success[0].value)
    assert db_state(sample_db) == before


def test_export_button_is_offered(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_app(demo_db, monkeypatch, PAGE)
    assert not at.exception
    assert [b.label for b in at.get("download_button")] == ["Download the metrics in view (CSV)"]
    # the demo's bills are its only imports (demo.bills imports them like a user's files)
    history = at.dataframe[-1].value
    assert sorted(history["file_name"]) == [
        "demo/billing-cur2-111122223333.csv.gz",
        "demo/billing-focus-1.2-444455556666.csv",
        "demo/billing-gcp-detailed-acme-ml-prod.parquet",
    ]
