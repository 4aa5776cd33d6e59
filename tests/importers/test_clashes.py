"""The merge rule for a function named without its account or region, on the sample files."""

from __future__ import annotations

from pathlib import Path

from importers import ImportOptions, InputFile
from importers.clashes import Place, default_place, find_clashes, merged_into, places_for
from importers.uploads import FilePreview, preview_files, role_of
from tests.importers.conftest import SAMPLES

KNOWN = "lambda:111122223333:us-east-1:churn-scorer"


def _previews(*names: str) -> list[FilePreview]:
    files = [InputFile.from_path(SAMPLES / n) for n in names]
    return preview_files(files, ImportOptions(queries=SAMPLES / "cloudwatch-queries.json"))


def test_a_file_without_account_and_region_meets_the_one_known_function() -> None:
    previews = _previews("long.csv", "cloudwatch-get-metric-data.json")
    (clash,) = find_clashes(previews, [])
    assert (clash.file, clash.resource_id, clash.candidates) == (
        "cloudwatch-get-metric-data.json",
        "lambda:::churn-scorer",
        (KNOWN,),
    )
    place = default_place([clash], clash.file)
    assert place == Place("111122223333", "us-east-1")
    assert merged_into(previews[1], place) == [
        ("lambda:::churn-scorer", KNOWN),
        ("sagemaker-endpoint:::reco-endpoint", "sagemaker-endpoint:111122223333:us-east-1:reco-endpoint"),
    ]


def test_what_a_file_says_must_agree_and_several_candidates_ask() -> None:
    previews = _previews("logs-insights-report-fields.csv")  # account 111122223333, no region
    known = [KNOWN, "lambda:111122223333:eu-west-1:churn-scorer", "lambda:999999999999:us-east-1:churn-scorer"]
    clashes = find_clashes(previews, known)
    assert clashes[0].candidates == ("lambda:111122223333:eu-west-1:churn-scorer", KNOWN)  # not the other account
    assert default_place(clashes, "logs-insights-report-fields.csv") is None
    assert len(places_for(clashes, "logs-insights-report-fields.csv")) == 2


def test_no_clash_when_nothing_is_known_or_everything_is_named() -> None:
    assert find_clashes(_previews("cloudwatch-get-metric-data.json"), []) == []
    assert find_clashes(_previews("long.csv"), [KNOWN]) == []


def test_a_logs_insights_query_saved_as_text_is_not_data(tmp_path: Path) -> None:
    query = tmp_path / "q.txt"
    query.write_text('fields @timestamp, @duration\n| filter @type = "REPORT"\n')
    assert role_of(InputFile.from_path(query)) == "insights-query"
    assert role_of(InputFile.from_path(SAMPLES / "logs-insights-report-fields.csv")) == "data"
