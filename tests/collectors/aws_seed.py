"""Seeding the local AWS for collector tests: functions, endpoints, metrics, log events.

Uses plain boto3 clients (not the collectors' seam), so seeding calls never count as collector calls.
"""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.config import Config

ACCOUNT = "123456789012"
REGION = "us-east-1"


def client(url: str, service: str, region: str = REGION) -> Any:
    # moto cannot read botocore's gzip-compressed PutMetricData bodies: send them plain.
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(disable_request_compression=True),
    )


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("handler.py", "def handler(event, context):\n    return 1\n")
    return buf.getvalue()


def create_function(url: str, name: str, region: str = REGION, **overrides: Any) -> None:
    iam = client(url, "iam", region)
    try:
        role = iam.get_role(RoleName="lambda-role")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName="lambda-role", AssumeRolePolicyDocument=json.dumps({}))["Role"]["Arn"]
    params = {
        "FunctionName": name,
        "Runtime": "python3.12",
        "Role": role,
        "Handler": "handler.handler",
        "Code": {"ZipFile": _zip()},
        "MemorySize": 1024,
        "Timeout": 30,
        "Architectures": ["x86_64"],
        "EphemeralStorage": {"Size": 512},
    }
    params.update(overrides)
    client(url, "lambda", region).create_function(**params)


def put_provisioned_concurrency(url: str, name: str, qualifier: str, n: int, region: str = REGION) -> None:
    client(url, "lambda", region).put_provisioned_concurrency_config(
        FunctionName=name, Qualifier=qualifier, ProvisionedConcurrentExecutions=n
    )


def create_endpoint(
    url: str,
    name: str,
    *,
    instance_type: str | None = "ml.m5.xlarge",
    count: int = 2,
    serverless: dict[str, int] | None = None,
    region: str = REGION,
) -> None:
    sm = client(url, "sagemaker", region)
    with contextlib.suppress(sm.exceptions.ClientError):  # the model may exist from an earlier endpoint
        sm.create_model(
            ModelName=f"{name}-model",
            ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/sm",
            PrimaryContainer={"Image": "123.dkr.ecr.us-east-1.amazonaws.com/model:1"},
        )
    variant: dict[str, Any] = {"VariantName": "AllTraffic", "ModelName": f"{name}-model"}
    if serverless:
        variant["ServerlessConfig"] = serverless
    else:
        variant.update(InstanceType=instance_type, InitialInstanceCount=count)
    sm.create_endpoint_config(EndpointConfigName=f"{name}-config", ProductionVariants=[variant])
    sm.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-config")


def put_metric(
    url: str,
    namespace: str,
    metric: str,
    dims: dict[str, str],
    points: list[tuple[datetime, float]],
    region: str = REGION,
) -> None:
    cw = client(url, "cloudwatch", region)
    data = [
        {
            "MetricName": metric,
            "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
            "Timestamp": ts.replace(tzinfo=UTC),
            "Value": value,
        }
        for ts, value in points
    ]
    for i in range(0, len(data), 1000):
        cw.put_metric_data(Namespace=namespace, MetricData=data[i : i + 1000])


def minutes(start: datetime, count: int, value: float | list[float]) -> list[tuple[datetime, float]]:
    values = value if isinstance(value, list) else [value] * count
    return [(start + timedelta(minutes=i), v) for i, v in enumerate(values[:count])]
