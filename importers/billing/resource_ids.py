"""Matching rules: which Breakeven resource a billed resource id names, per service.

The store matches a charge to a resource by (family, account, region, name); this module reads those four
from the resource id as billed, in SQL, so millions of rows are parsed by DuckDB:

- **Lambda** ``arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]``: the qualifier (an alias, a
  version or ``$LATEST``) is dropped, because Breakeven measures a function as a whole.
- **SageMaker** ``arn:aws:sagemaker:REGION:ACCOUNT:endpoint/NAME[/…]`` (SageMaker writes endpoint names in
  lower case in ARNs; the store compares names without regard to case when no exact match exists). The
  exact form CUR uses for hosting lines is **unconfirmed**: a bare endpoint name on a SageMaker line is
  accepted too. Other SageMaker ARNs (notebooks, training jobs) name no endpoint and stay unmatched.
- **Cloud Run / Cloud Functions / Vertex AI**: the full resource name
  ``//run.googleapis.com/projects/P/locations/L/services/S`` (``resource.global_name``; **unconfirmed** form),
  the same without the host (``projects/P/locations/L/functions/F``, ``…/endpoints/E``), trailing parts such as
  ``/revisions/R`` dropped. A Cloud Run name may be a 2nd-gen Cloud Function (it runs as a Cloud Run service
  of the same name). A project given by number is replaced by the row's project id.
- Otherwise a bare name (no ``:`` or ``/``) on a line of one of those services, with the row's own account
  and region; anything else keeps the service's family with no name, i.e. unmatched spend of that service.
"""

from __future__ import annotations

from store.billing import FAMILY_SERVICES

LAMBDA_ARN = r"^arn:aws[a-z-]*:lambda:([a-z0-9-]+):([0-9]{12}):function:([^:/]+)"
SAGEMAKER_ENDPOINT_ARN = r"^arn:aws[a-z-]*:sagemaker:([a-z0-9-]+):([0-9]{12}):endpoint/([^/]+)"
GCP_RESOURCE_NAME = (
    r"^(?://([a-z0-9-]+)\.googleapis\.com/)?projects/([^/]+)/locations/([^/]+)/(services|functions|endpoints)/([^/]+)"
)
GCP_COLLECTIONS = {"services": "cloud-run", "functions": "cloud-functions", "endpoints": "vertex"}

# Billed service names (FOCUS ServiceName, CUR product code, GCP service.description), lower case.
SERVICE_FAMILIES: dict[str, str] = {
    "awslambda": "lambda",
    "aws lambda": "lambda",
    "amazonsagemaker": "sagemaker",
    "amazon sagemaker": "sagemaker",
    "amazon sagemaker ai": "sagemaker",
    "cloud run": "cloud-run",
    "cloud functions": "cloud-functions",
    "cloud run functions": "cloud-functions",
    "vertex ai": "vertex",
}
assert set(SERVICE_FAMILIES.values()) <= set(FAMILY_SERVICES)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def identity_select(rid: str, service: str, account: str, region: str) -> str:
    """Four select-list expressions (``match_family``, ``match_account``, ``match_region``, ``match_name``)
    over SQL expressions for the billed resource id, service name, account and region of a row."""
    lam, sm, gcp = _literal(LAMBDA_ARN), _literal(SAGEMAKER_ENDPOINT_ARN), _literal(GCP_RESOURCE_NAME)
    services = " ".join(f"WHEN {_literal(k)} THEN {_literal(v)}" for k, v in SERVICE_FAMILIES.items())
    by_service = f"(CASE lower(trim({service})) {services} END)"
    collections = " ".join(f"WHEN {_literal(k)} THEN {_literal(v)}" for k, v in GCP_COLLECTIONS.items())
    is_lam = f"coalesce(regexp_matches({rid}, {lam}), false)"
    is_sm = f"coalesce(regexp_matches({rid}, {sm}), false)"
    is_gcp = f"coalesce(regexp_matches({rid}, {gcp}), false)"
    bare = f"({rid} <> '' AND NOT contains({rid}, ':') AND NOT contains({rid}, '/') AND {by_service} IS NOT NULL)"
    gcp_project = f"regexp_extract({rid}, {gcp}, 2)"
    return f"""
        CASE WHEN {is_lam} THEN 'lambda' WHEN {is_sm} THEN 'sagemaker'
             WHEN {is_gcp} THEN (CASE regexp_extract({rid}, {gcp}, 4) {collections} END)
             ELSE {by_service} END AS match_family,
        CASE WHEN {is_lam} THEN regexp_extract({rid}, {lam}, 2) WHEN {is_sm} THEN regexp_extract({rid}, {sm}, 2)
             WHEN {is_gcp} AND NOT regexp_matches({gcp_project}, '^[0-9]+$') THEN {gcp_project}
             ELSE {account} END AS match_account,
        CASE WHEN {is_lam} THEN regexp_extract({rid}, {lam}, 1) WHEN {is_sm} THEN regexp_extract({rid}, {sm}, 1)
             WHEN {is_gcp} THEN regexp_extract({rid}, {gcp}, 3)
             ELSE {region} END AS match_region,
        CASE WHEN {is_lam} THEN regexp_extract({rid}, {lam}, 3) WHEN {is_sm} THEN regexp_extract({rid}, {sm}, 3)
             WHEN {is_gcp} THEN regexp_extract({rid}, {gcp}, 5)
             WHEN {bare} THEN {rid} END AS match_name
    """
