"""The Upload page: a function named without its account or region beside a known one (merged by the stated
rule, kept apart, or asked), the offer to show data imported outside the sidebar's dates, and files that hold
no data saying why nothing imports. Real sample files, a real database."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from importers import ImportOptions, InputFile, import_files
from importers.clashes import KEEP_APART, Place
from tests.app.conftest import open_app, shown
from tests.app.test_upload import PAGE, button, upload
from tests.importers.conftest import SAMPLES, db_state, rows

RESULTS = ("cloudwatch-get-metric-data.json", "cloudwatch-queries.json")
KNOWN = "lambda:111122223333:us-east-1:churn-scorer"


@pytest.fixture
def sample_db(empty_db: Path) -> Path:
    """The long-CSV sample stored: churn-scorer with its account and region."""
    import_files(empty_db, [InputFile.from_path(SAMPLES / "long.csv")], ImportOptions())
    return empty_db


def _ids(path: Path) -> list[str]:
    return [r[0] for r in rows(path, "SELECT resource_id FROM resources ORDER BY 1")]


def test_a_function_without_account_and_region_is_merged_by_the_rule(
    sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = upload(open_app(sample_db, monkeypatch, PAGE), *RESULTS)
    assert not at.exception
    radio = at.radio(key="upload_place_cloudwatch-get-metric-data.json")
    assert radio.value == Place("111122223333", "us-east-1")  # the one candidate, shown before the import
    text = " ".join(shown(m.value) for m in at.markdown)
    assert f"`lambda:::churn-scorer` may be `{KNOWN}`" in text
    assert any("`lambda:::churn-scorer` → `" + KNOWN + "`" in shown(c.value) for c in at.caption)
    button(at, "upload_import").click()
    at.run()
    assert not at.exception
    assert _ids(sample_db) == [
        "cloud-run:acme-ml-prod:europe-west1:image-tagger",
        KNOWN,
        "sagemaker-endpoint:111122223333:us-east-1:reco-endpoint",  # the file's other resource: same place
    ]


def test_kept_apart_it_is_its_own_resource(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = upload(open_app(sample_db, monkeypatch, PAGE), *RESULTS)
    at.radio(key="upload_place_cloudwatch-get-metric-data.json").set_value(KEEP_APART).run()
    button(at, "upload_import").click()
    at.run()
    assert not at.exception
    assert "lambda:::churn-scorer" in _ids(sample_db) and KNOWN in _ids(sample_db)


def test_two_candidates_are_a_question_and_nothing_imports_unanswered(
    sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """churn-scorer stored in us-east-1 and eu-west-1: a Logs Insights file naming only the account must ask."""
    import_files(
        sample_db, [InputFile.from_path(SAMPLES / "logs-insights-report-fields.csv")], ImportOptions(region="eu-west-1")
    )
    before = db_state(sample_db)
    at = upload(open_app(sample_db, monkeypatch, PAGE), "logs-insights-report-fields.csv")
    radio = at.radio(key="upload_place_logs-insights-report-fields.csv")
    assert radio.value is None
    assert [shown(o) for o in radio.options] == [  # labels are escaped: shown() reads them as the browser does
        "account 111122223333, region eu-west-1",
        "account 111122223333, region us-east-1",
        "a separate resource, as the file reads",
    ]
    assert button(at, "upload_import").disabled
    assert any("Choose above what logs-insights-report-fields.csv names" in shown(i.value) for i in at.info)
    assert db_state(sample_db) == before
    radio.set_value(Place("111122223333", "us-east-1")).run()
    assert not button(at, "upload_import").disabled


def test_an_import_outside_the_window_offers_to_show_it(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's window ends in November 2026; the long-CSV sample is 8 May 2025."""
    at = upload(open_app(demo_db, monkeypatch, PAGE), "long.csv")
    button(at, "upload_import").click()
    at.run()
    assert not at.exception
    assert any("runs from 2025-05-08 to 2025-05-08 (UTC), outside the sidebar's range" in i.value for i in at.info)
    button(at, "upload_jump").click()
    at.run()
    assert not at.exception
    assert at.session_state["filters"].start == date(2025, 5, 8) == at.session_state["filters"].end
    assert not any(b.key == "upload_jump" for b in at.button)  # inside the range now: no offer


def test_lone_files_without_data_say_why(empty_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    query = b'filter @type = "REPORT"\n| stats count(*) as invocations, count(@initDuration) as coldStarts by bin(1h)\n'
    at = upload(
        open_app(empty_db, monkeypatch, PAGE), "cloudwatch-queries.json", "report.txt", content={"report.txt": query}
    )
    assert not at.exception
    said = [shown(w.value) for w in at.warning]
    assert any(w.startswith("`cloudwatch-queries.json` is a GetMetricData queries file") for w in said)
    assert any(w.startswith("`report.txt` is a Logs Insights query, not its results") for w in said)
    assert button(at, "upload_import").disabled
    assert rows(empty_db, "SELECT count(*) FROM metrics") == [(0,)]
