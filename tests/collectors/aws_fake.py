"""The local AWS used by the collector tests: moto's server, plus what moto 5.2 lacks, plus injected faults.

- ``ListProvisionedConcurrencyConfigs`` (and the ``Put`` the tests seed with) answer 404 in moto 5.2.1;
  a small WSGI layer in front of moto serves them from memory, in the shape of the botocore model.
- ``GetMetricData`` percentile statistics (``p50``, ``p99``, …) crash moto (HTTP 500); the patched
  statistic computes them from the raw values moto keeps, by ``common.percentiles``.

- ``Fault``s make chosen requests (by service, region, operation) fail with a given status and error
  code — throttling, 5xx, expired credentials, a region that is down — so botocore's real retry logic
  and the collector's isolation are exercised over HTTP.

Everything else is moto as shipped. The server listens on loopback on a free port.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import Any

from moto.cloudwatch import models as cloudwatch_models
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

from common.percentiles import percentile

_PC_PATH = re.compile(r"^/2019-09-30/functions/(?P<name>[^/]+)/provisioned-concurrency/?$")
_PERCENTILE = re.compile(r"^p(\d+(?:\.\d+)?)$")
_CREDENTIAL = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")


@dataclass
class Fault:
    """Answer matching requests with an error instead of passing them to moto.

    ``service`` is the SigV4 signing name (``lambda``, ``sagemaker``, ``logs``, ``sts``, ``monitoring``; ``*``
    for all); ``operation`` is
    matched against the X-Amz-Target header or the request path (None: any); ``times`` None: forever.
    """

    service: str
    status: int
    code: str
    region: str | None = None
    operation: str | None = None
    times: int | None = None


def _signing_scope(environ: dict[str, Any]) -> tuple[str, str]:
    match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    return (match.group("region"), match.group("service")) if match else ("", "")


def _error_response(fault: Fault, service: str, start_response: Any) -> list[bytes]:
    reason = "Service Unavailable" if fault.status >= 500 else "Error"
    if service == "sts":
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{fault.code}</Code>"
            f"<Message>injected {fault.code}</Message></Error><RequestId>x</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml")]
    else:
        body = json.dumps({"__type": fault.code, "message": f"injected {fault.code}"}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", fault.code)]
    start_response(f"{fault.status} {reason}", [*headers, ("Content-Length", str(len(body)))])
    return [body]


class AwsLayer:
    """WSGI middleware in front of moto: provisioned-concurrency configs from memory, injected faults."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.configs: dict[str, dict[str, int]] = {}  # function -> qualifier -> concurrency
        self.faults: list[Fault] = []
        self.lock = threading.Lock()

    def reset(self) -> None:
        with self.lock:
            self.configs.clear()
            self.faults.clear()

    def _fault_for(self, environ: dict[str, Any]) -> tuple[Fault, str] | None:
        region, service = _signing_scope(environ)
        target = environ.get("HTTP_X_AMZ_TARGET", "") + " " + environ.get("PATH_INFO", "")
        with self.lock:
            for fault in self.faults:
                if fault.service not in ("*", service) or (fault.region and fault.region != region):
                    continue
                if fault.operation and fault.operation not in target:
                    continue
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                return fault, service
        return None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/moto-api/reset"):
            self.reset()
        found = self._fault_for(environ)
        if found:
            return _error_response(found[0], found[1], start_response)
        match = _PC_PATH.match(path)
        if not match:
            return self.app(environ, start_response)
        name = match.group("name").split(":")[-1]
        query = dict(p.split("=", 1) for p in environ.get("QUERY_STRING", "").split("&") if "=" in p)
        with self.lock:
            if environ["REQUEST_METHOD"] == "PUT":
                body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)) or b"{}")
                self.configs.setdefault(name, {})[query["Qualifier"]] = int(body["ProvisionedConcurrentExecutions"])
                payload: dict[str, Any] = {"Status": "READY"}
                status = "202 Accepted"
            else:
                payload = {
                    "ProvisionedConcurrencyConfigs": [
                        {
                            "FunctionArn": f"arn:aws:lambda:us-east-1:123456789012:function:{name}:{qualifier}",
                            "RequestedProvisionedConcurrentExecutions": n,
                            "AvailableProvisionedConcurrentExecutions": n,
                            "AllocatedProvisionedConcurrentExecutions": n,
                            "Status": "READY",
                            "LastModified": "2026-11-01T00:00:00.000+0000",
                        }
                        for qualifier, n in sorted(self.configs.get(name, {}).items())
                    ]
                }
                status = "200 OK"
        body = json.dumps(payload).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


class FakeAwsServer(ThreadedMotoServer):
    """moto's threaded server with ``AwsLayer`` in front."""

    layer: AwsLayer

    def _server_entry(self) -> None:
        self.layer = AwsLayer(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._ip_address, self._port, self.layer, True)
        self._server_ready_event.set()
        self._server.serve_forever()


_original_statistic = cloudwatch_models.Statistics.get_statistics_for_type


def _statistic_with_percentiles(self: Any, stat: str) -> Any:
    match = _PERCENTILE.match(stat)
    if not match:
        return _original_statistic(self, stat)
    values = self.metric_single_values_list
    if not values:
        return None
    return percentile(values, float(match.group(1)) / 100.0)


def install_percentiles() -> None:
    cloudwatch_models.Statistics.get_statistics_for_type = _statistic_with_percentiles
