"""Credentials: a named service-account file is used over TLS (the fake checks the bearer token) and
nothing secret reaches the database, stdout or stderr. Bad credential files fail in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from collectors.gcp.client import Connection, GcpAuthError, load_credentials
from tests.gcp.conftest import window_args
from tests.gcp.estate import seed_monitoring
from tests.gcp.fake_monitoring import FakeMetricService, start_server

ROOT = Path(__file__).resolve().parents[2]


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _self_signed_localhost() -> tuple[bytes, bytes]:
    key = _key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return _pem(key), cert.public_bytes(serialization.Encoding.PEM)


def _service_account(path: Path, token_uri: str) -> str:
    """Write a service-account key file; returns a distinctive piece of its private key."""
    pem = _pem(_key()).decode()
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "acme-ml",
                "private_key_id": "0123456789abcdef",
                "private_key": pem,
                "client_email": "breakeven@acme-ml.iam.gserviceaccount.com",
                "client_id": "1234567890",
                "token_uri": token_uri,
            }
        )
    )
    return pem.splitlines()[5]


@pytest.mark.slow
def test_service_account_file_over_tls_leaves_no_secret_behind(tmp_path, rest, base):
    tls_key, tls_cert = _self_signed_localhost()
    (tmp_path / "ca.pem").write_bytes(tls_cert)
    server = start_server(FakeMetricService(), tls=(tls_key, tls_cert))
    try:
        seed_monitoring(server.service, base, 1)
        secret_line = _service_account(tmp_path / "sa.json", f"{rest.url}/token")
        cfg = tmp_path / "collectors.toml"
        cfg.write_text(
            'db = "test.duckdb"\n[[sources]]\nkind = "gcp"\nname = "ml-prod"\nprojects = ["acme-ml"]\n'
            f'services = ["cloud-functions"]\nperiod_seconds = 3600\napi_endpoint = "{server.address}"\n'
            f'credentials_file = "{tmp_path / "sa.json"}"\n'
        )
        env = {**os.environ, "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH": str(tmp_path / "ca.pem"), "PYTHONPATH": str(ROOT)}
        env.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
        proc = subprocess.run(
            [sys.executable, "-m", "collectors", "run", "--config", str(cfg), "-v", *window_args(base, 1)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        server.stop()
    assert proc.returncode == 0, proc.stderr
    bearers = {m.get("authorization", "") for m in server.service.metadata}
    assert len(bearers) == 1 and next(iter(bearers)).startswith("Bearer ")
    token = next(iter(bearers)).removeprefix("Bearer ")
    assert len(token) > 20
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("test.duckdb*"))  # the file and any WAL
    secrets = [token, secret_line, token[-24:], secret_line[:24]]
    for secret in secrets:
        assert secret not in proc.stdout and secret not in proc.stderr
        assert secret.encode() not in stored


def test_missing_credentials_file_is_one_line_without_contents(tmp_path):
    with pytest.raises(GcpAuthError, match=r"^credentials file .*nope\.json does not exist$"):
        load_credentials(Connection(credentials_file=tmp_path / "nope.json"))


def test_malformed_credentials_file_does_not_echo_its_contents(tmp_path):
    bad = tmp_path / "sa.json"
    bad.write_text('{"type": "service_account", "private_key": "SECRET-MATERIAL-1234"}')
    with pytest.raises(GcpAuthError) as info:
        load_credentials(Connection(credentials_file=bad))
    message = str(info.value)
    assert "SECRET-MATERIAL" not in message and str(bad) in message and "\n" not in message


def test_insecure_connections_load_no_credentials(tmp_path):
    assert load_credentials(Connection(api_endpoint="127.0.0.1:1", insecure=True)) is None


def test_unexpected_credential_type_is_refused(tmp_path):
    odd = tmp_path / "odd.json"
    odd.write_text('{"type": "external_account", "audience": "x"}')
    with pytest.raises(GcpAuthError, match="type 'external_account' is not supported"):
        load_credentials(Connection(credentials_file=odd))
