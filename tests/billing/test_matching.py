"""Matching rules per service: which stored resource a billed resource id names (or none)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from demo.bills.writers import write_csv, write_parquet
from importers.billing import read_billing_file
from store.billing import write_billing
from store.billing_queries import billed_lines
from store.writes import Batch, ResourceRecord, write_batch
from tests.billing.conftest import charges
from tests.billing.specimens import ACCOUNT, GCP_SCHEMA, cur_row, focus_row, gcp_row

AWS_CASES = [
    # (resource id as billed, product code, region column, expected resource id or None)
    (f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:scorer", "AWSLambda", "us-east-1", "lambda:{a}:us-east-1:scorer"),
    (
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:scorer:prod",
        "AWSLambda",
        "us-east-1",
        "lambda:{a}:us-east-1:scorer",
    ),
    (f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:scorer:7", "AWSLambda", "us-east-1", "lambda:{a}:us-east-1:scorer"),
    (
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:scorer:$LATEST",
        "AWSLambda",
        "us-east-1",
        "lambda:{a}:us-east-1:scorer",
    ),
    # Lambda names are case-sensitive: an exact match wins over a case-insensitive one.
    (
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:Scorer-Upper",
        "AWSLambda",
        "us-east-1",
        "lambda:{a}:us-east-1:Scorer-Upper",
    ),
    # SageMaker writes endpoint names in lower case in its ARNs.
    (
        f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/churn-endpoint",
        "AmazonSageMaker",
        "us-east-1",
        "sagemaker-endpoint:{a}:us-east-1:Churn-Endpoint",
    ),
    (
        f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/churn-endpoint/variant/AllTraffic",
        "AmazonSageMaker",
        "us-east-1",
        "sagemaker-endpoint:{a}:us-east-1:Churn-Endpoint",
    ),
    (
        f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:endpoint/ocr-serverless",
        "AmazonSageMaker",
        "eu-west-1",
        "sagemaker-serverless:{a}:eu-west-1:ocr-serverless",
    ),
    ("churn-endpoint", "AmazonSageMaker", "us-east-1", "sagemaker-endpoint:{a}:us-east-1:Churn-Endpoint"),
    # Not an endpoint, another region, another account, a function nobody stored: unmatched.
    (f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:notebook-instance/churn-endpoint", "AmazonSageMaker", "us-east-1", None),
    (f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:scorer", "AWSLambda", "eu-west-1", None),
    ("arn:aws:lambda:us-east-1:999999999999:function:scorer", "AWSLambda", "us-east-1", None),
    (f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:legacy-etl", "AWSLambda", "us-east-1", None),
    (f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:scorer:3", "AWSLambda", "us-east-1", None),
    ("i-0abc123def", "AmazonEC2", "us-east-1", None),
]


@pytest.mark.parametrize(("rid", "product", "region", "expected"), AWS_CASES)
def test_aws_resource_ids(billing_db: Path, tmp_path: Path, rid: str, product: str, region: str, expected) -> None:
    row = cur_row(line_item_resource_id=rid, line_item_product_code=product, product_region_code=region)
    write_billing(billing_db, read_billing_file(write_csv(tmp_path / "cur.csv", [row])))
    (stored,) = charges(billing_db)
    assert stored["resource_id"] == (expected.format(a=ACCOUNT) if expected else None)


GCP_CASES = [
    (
        "//run.googleapis.com/projects/acme-prod/locations/us-central1/services/api",
        "Cloud Run",
        "cloud-run:acme-prod:us-central1:api",
    ),
    (
        "//run.googleapis.com/projects/acme-prod/locations/us-central1/services/api/revisions/api-00042-xyz",
        "Cloud Run",
        "cloud-run:acme-prod:us-central1:api",
    ),
    ("projects/acme-prod/locations/us-central1/services/api", "Cloud Run", "cloud-run:acme-prod:us-central1:api"),
    ("api", "Cloud Run", "cloud-run:acme-prod:us-central1:api"),
    # A project by number is the row's project; a 2nd-gen function is billed as the Cloud Run service it runs as.
    (
        "//run.googleapis.com/projects/314159265358/locations/us-central1/services/gen2-fn",
        "Cloud Run",
        "cloud-functions:acme-prod:us-central1:gen2-fn",
    ),
    (
        "//cloudfunctions.googleapis.com/projects/acme-prod/locations/europe-west1/functions/gen1-fn",
        "Cloud Run Functions",
        "cloud-functions:acme-prod:europe-west1:gen1-fn",
    ),
    (
        "//aiplatform.googleapis.com/projects/314159265358/locations/us-central1/endpoints/4455667788",
        "Vertex AI",
        "vertex-endpoint:acme-prod:us-central1:4455667788",
    ),
    ("//run.googleapis.com/projects/acme-prod/locations/europe-west1/services/api", "Cloud Run", None),
    ("//run.googleapis.com/projects/other-project/locations/us-central1/services/api", "Cloud Run", None),
    ("//compute.googleapis.com/projects/acme-prod/zones/us-central1-a/instances/vm-1", "Compute Engine", None),
]


@pytest.mark.parametrize(("global_name", "service", "expected"), GCP_CASES)
def test_gcp_resource_names(billing_db: Path, tmp_path: Path, global_name: str, service: str, expected) -> None:
    row = gcp_row(
        service={"id": "X", "description": service}, resource={"name": "whatever", "global_name": global_name}
    )
    write_billing(billing_db, read_billing_file(write_parquet(tmp_path / "gcp.parquet", [row], GCP_SCHEMA)))
    (stored,) = charges(billing_db)
    assert stored["resource_id"] == expected


def test_an_ambiguous_case_insensitive_match_stays_unmatched(billing_db: Path, tmp_path: Path) -> None:
    write_batch(billing_db, Batch(resources=[ResourceRecord("lambda", ACCOUNT, "us-east-1", "SCORER")]))
    row = cur_row(line_item_resource_id=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:sCoReR")
    write_billing(billing_db, read_billing_file(write_csv(tmp_path / "cur.csv", [row])))
    assert charges(billing_db)[0]["resource_id"] is None


def test_charges_are_matched_again_when_their_resource_arrives_later(billing_db: Path, tmp_path: Path) -> None:
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:late-arrival"
    write_billing(billing_db, read_billing_file(write_csv(tmp_path / "focus.csv", [focus_row(ResourceId=arn)])))
    day = date(2026, 11, 3)
    assert billed_lines(billing_db, day, day)["resource_id"].isna().all()
    write_batch(billing_db, Batch(resources=[ResourceRecord("lambda", ACCOUNT, "us-east-1", "late-arrival")]))
    assert billed_lines(billing_db, day, day)["resource_id"].tolist() == [f"lambda:{ACCOUNT}:us-east-1:late-arrival"]
