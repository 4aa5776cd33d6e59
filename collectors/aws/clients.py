"""The one seam that makes every boto3 client the AWS collectors use.

Credentials come only from the standard chain: a named profile, the environment, or an instance/task
role; optionally a role assumed from that base identity (refreshed automatically before it expires).
They live in botocore's memory and nowhere else: never in the database, the run record or a log line.

Each client gets the configured retry mode (``standard`` or ``adaptive``; never ``legacy``), bounded
timeouts and an optional ``endpoint_url`` (LocalStack, moto). Every API call the collectors make passes
the session's ``before-call`` event, where it is handed to ``on_call`` (the run's ``ApiUsage``): the run
record's ``api_calls`` is therefore the complete list of operations a run made, which is also what the
IAM policy test reads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import RefreshableCredentials
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    ProfileNotFound,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from collectors.aws.constants import (
    ACCESS_DENIED_CODES,
    CONNECT_TIMEOUT_S,
    EXPIRED_CREDENTIAL_CODES,
    READ_TIMEOUT_S,
)

ASSUMED_ROLE_SECONDS = 3600
SESSION_NAME = "breakeven-collector"


@dataclass(frozen=True)
class AwsAccount:
    """One identity to collect with: a profile (or the default chain), optionally assuming a role."""

    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None

    @property
    def label(self) -> str:
        """Readable and secret-free: used in scopes that fail before the account id is known."""
        if self.role_arn:
            return f"role:{self.role_arn}"
        return f"profile:{self.profile}" if self.profile else "default-credentials"


def _operation_name(model: Any) -> str:
    return f"{model.service_model.service_name}:{model.name}"


class AwsClients:
    """Makes clients for one account. Thread-safe: each thread gets its own boto3 session."""

    def __init__(
        self,
        account: AwsAccount,
        *,
        endpoint_url: str | None,
        retry_mode: str,
        max_attempts: int,
        on_call: Callable[[str], None],
        sts_region: str,
    ) -> None:
        self.account = account
        self.endpoint_url = endpoint_url
        self.on_call = on_call
        self.sts_region = sts_region
        self.config = Config(
            retries={"mode": retry_mode, "total_max_attempts": max_attempts},
            connect_timeout=CONNECT_TIMEOUT_S,
            read_timeout=READ_TIMEOUT_S,
            user_agent_extra="breakeven-collector",
        )
        self._local = threading.local()
        self._lock = threading.Lock()
        self._role_credentials: RefreshableCredentials | None = None

    def _observe(self, model: Any, **_kwargs: Any) -> None:
        self.on_call(_operation_name(model))  # "service:Operation", the IAM action's spelling

    def _base_session(self) -> boto3.Session:
        session = boto3.Session(profile_name=self.account.profile) if self.account.profile else boto3.Session()
        session.events.register("before-call", self._observe)
        return session

    def _assumed(self) -> RefreshableCredentials:
        """Credentials of the assumed role, shared by all threads and refreshed by botocore when due."""
        with self._lock:
            if self._role_credentials is None:
                base = self._base_session()
                sts = base.client(
                    "sts", region_name=self.sts_region, endpoint_url=self.endpoint_url, config=self.config
                )

                def refresh() -> dict[str, str]:
                    params: dict[str, Any] = {
                        "RoleArn": self.account.role_arn,
                        "RoleSessionName": SESSION_NAME,
                        "DurationSeconds": ASSUMED_ROLE_SECONDS,
                    }
                    if self.account.external_id:
                        params["ExternalId"] = self.account.external_id
                    creds = sts.assume_role(**params)["Credentials"]
                    return {
                        "access_key": creds["AccessKeyId"],
                        "secret_key": creds["SecretAccessKey"],
                        "token": creds["SessionToken"],
                        "expiry_time": creds["Expiration"].astimezone(UTC).isoformat(),
                    }

                self._role_credentials = RefreshableCredentials.create_from_metadata(
                    metadata=refresh(), refresh_using=refresh, method="assume-role"
                )
            return self._role_credentials

    def session(self) -> boto3.Session:
        """This thread's session (made once per thread)."""
        session = getattr(self._local, "session", None)
        if session is None:
            if self.account.role_arn:
                core = botocore.session.Session(profile=self.account.profile)
                core._credentials = self._assumed()
                session = boto3.Session(botocore_session=core)
                session.events.register("before-call", self._observe)
            else:
                session = self._base_session()
            self._local.session = session
        return session

    def client(self, service: str, region: str) -> Any:
        return self.session().client(service, region_name=region, endpoint_url=self.endpoint_url, config=self.config)

    def account_id(self) -> str:
        """STS GetCallerIdentity: which account these credentials reach (needs no IAM permission)."""
        return self.client("sts", self.sts_region).get_caller_identity()["Account"]


def error_code(exc: BaseException) -> str | None:
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code")
    return None


def describe_error(exc: BaseException) -> str:
    """One secret-free line saying what failed and what to do about it."""
    code = error_code(exc)
    if isinstance(exc, ClientError):
        operation = exc.operation_name
        message = " ".join(str(exc.response.get("Error", {}).get("Message", "")).split())[:300]
        if code in EXPIRED_CREDENTIAL_CODES:
            return f"expired or invalid credentials ({code} on {operation}): refresh them, e.g. `aws sso login`"
        if code in ACCESS_DENIED_CODES:
            return f"access denied on {operation} ({code}): grant deploy/aws/breakeven-collector-policy.json"
        attempts = exc.response.get("ResponseMetadata", {}).get("RetryAttempts")
        retried = f" after {attempts + 1} attempts" if attempts else ""
        return f"{operation} failed{retried}: {code}: {message}"
    if isinstance(exc, NoCredentialsError):
        return "no AWS credentials found: set a profile, environment variables or an instance role"
    if isinstance(exc, ProfileNotFound):
        return f"AWS profile not found: {exc}"
    if isinstance(exc, BotoConnectionError):
        return f"cannot reach AWS: {exc}"
    if isinstance(exc, BotoCoreError):
        return f"{type(exc).__name__}: {exc}"
    return f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
