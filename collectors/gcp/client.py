"""The one seam to Google Cloud: credentials, the Monitoring gRPC client and the REST session.

Tests point this seam at in-process fakes (``api_endpoint`` + ``insecure = true``) and nothing
deeper is replaced. Credentials come from Application Default Credentials or a named credentials
file; they live only in memory, and no message built here ever includes a token or key material:
errors name the file and the kind of failure only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import google.auth
import grpc
import requests
from google.auth.credentials import Credentials
from google.auth.exceptions import DefaultCredentialsError, GoogleAuthError
from google.auth.transport.requests import AuthorizedSession
from google.cloud import monitoring_v3
from google.cloud.monitoring_v3.services.metric_service.transports import MetricServiceGrpcTransport
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from collectors.gcp.constants import (
    MONITORING_READ_SCOPE,
    READ_ONLY_SCOPE,
    RUN_API_BASE,
    VERTEX_API_BASE_TEMPLATE,
)

SCOPES = (MONITORING_READ_SCOPE, READ_ONLY_SCOPE)


class GcpAuthError(Exception):
    """Credentials could not be loaded; the message names the file or ADC, never its contents."""


@dataclass(frozen=True)
class Connection:
    """How one ``gcp`` source reaches Google (or a local fake)."""

    api_endpoint: str | None = None  # host:port of Cloud Monitoring's gRPC API
    insecure: bool = False  # plaintext and no credentials: emulators and tests only
    credentials_file: Path | None = None
    run_api_endpoint: str | None = None  # base URL of the Cloud Run Admin API
    aiplatform_api_endpoint: str | None = None  # base URL of the Vertex AI API (all locations)
    timeout_s: float = 20.0  # per call; with bounded retries, a dead endpoint fails in seconds


def load_credentials(conn: Connection) -> Credentials | None:
    """Credentials for a secure connection; None for an insecure (emulator) one.

    A named file must be a service-account key or an authorised-user file: loading a file by its
    declared type only (google-auth's advice) keeps an unexpected credential type from being used.
    Other types (workload identity federation, ...) work through Application Default Credentials.
    """
    if conn.insecure:
        return None
    if conn.credentials_file is not None:
        return _from_file(conn.credentials_file)
    try:
        credentials, _ = google.auth.default(scopes=list(SCOPES))
    except DefaultCredentialsError as exc:
        raise GcpAuthError(f"Application Default Credentials could not be loaded ({_kind_of(exc)})") from None
    except (GoogleAuthError, ValueError, OSError) as exc:
        raise GcpAuthError(f"Application Default Credentials could not be loaded ({type(exc).__name__})") from None
    return credentials


def _from_file(path: Path) -> Credentials:
    if not path.is_file():
        raise GcpAuthError(f"credentials file {path} does not exist")
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        raise GcpAuthError(f"credentials file {path} could not be read as JSON") from None
    kind = info.get("type") if isinstance(info, dict) else None
    try:
        if kind == "service_account":
            return service_account.Credentials.from_service_account_info(info, scopes=list(SCOPES))
        if kind == "authorized_user":
            return user_credentials.Credentials.from_authorized_user_info(info, scopes=list(SCOPES))
    except (GoogleAuthError, ValueError, KeyError):
        raise GcpAuthError(f"credentials file {path} could not be loaded (missing or invalid {kind} fields)") from None
    raise GcpAuthError(
        f"credentials file {path}: type {kind!r} is not supported (service_account or authorized_user); "
        "use Application Default Credentials for other types"
    )


def _kind_of(exc: DefaultCredentialsError) -> str:
    """A short reason without echoing file contents (google-auth sometimes quotes the JSON)."""
    text = str(exc).lower()
    if "could not automatically determine credentials" in text:
        return "none found: run `gcloud auth application-default login` or name a credentials_file"
    if "not a valid json" in text or "expecting" in text:
        return "not valid JSON"
    if "type" in text:
        return "unsupported or missing credential type"
    return "invalid credentials"


def make_metric_client(conn: Connection, credentials: Credentials | None) -> monitoring_v3.MetricServiceClient:
    """The Cloud Monitoring client; a plaintext channel when ``insecure`` (the library would use TLS)."""
    if conn.insecure:
        if not conn.api_endpoint:
            raise ValueError("insecure = true needs api_endpoint")
        # Same message limits as the library's own channels: a full page of distributions exceeds 4 MB.
        options = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]
        channel = grpc.insecure_channel(conn.api_endpoint, options=options)
        return monitoring_v3.MetricServiceClient(transport=MetricServiceGrpcTransport(channel=channel))
    options = {"api_endpoint": conn.api_endpoint} if conn.api_endpoint else None
    return monitoring_v3.MetricServiceClient(credentials=credentials, client_options=options)


def make_rest_session(conn: Connection, credentials: Credentials | None) -> requests.Session:
    """A requests session for the configuration APIs, authorised unless the connection is insecure."""
    if credentials is None:
        return requests.Session()
    return AuthorizedSession(credentials)


def run_api_base(conn: Connection) -> str:
    return (conn.run_api_endpoint or RUN_API_BASE).rstrip("/")


def vertex_api_base(conn: Connection, location: str) -> str:
    """Vertex AI serves each location from its own host; one override serves every location."""
    if conn.aiplatform_api_endpoint:
        return conn.aiplatform_api_endpoint.rstrip("/")
    return VERTEX_API_BASE_TEMPLATE.format(location=location)
