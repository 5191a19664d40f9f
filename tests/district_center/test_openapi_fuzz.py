"""schemathesis against the center's OpenAPI document, every request signed as an enrolled station.

Checks: no 5xx, documented status codes and content types, responses match their schemas. Cases come from
schemathesis's Python API (``operation.as_strategy()``) and run through a ``requests`` session whose auth
signs the exact bytes and request target that go on the wire.
"""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from casework import clock
from district_center.devtools.station_client import StationIdentity
from sync.protocol import sign_request

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 10


class SignAsStation(requests.auth.AuthBase):
    def __init__(self, station: StationIdentity) -> None:
        self.station = station

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        body = r.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        r.headers.update(
            sign_request(
                self.station.key,
                self.station.station_id,
                r.method or "GET",
                r.path_url,
                body,
                now=clock.timestamp(),
            )
        )
        return r


@pytest.mark.slow  # a whole-system run: in CI, not in the fast lane
@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
def test_openapi_fuzz_finds_no_server_errors(center, new_station, mode):
    station = new_station()
    schema = schemathesis.openapi.from_dict(center.app.openapi())
    session = requests.Session()
    session.auth = SignAsStation(station)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            response = case.call(base_url=center.url, session=session, timeout=30)
            case.validate_response(response, checks=CHECKS)

        try:
            run()
        except Unsatisfiable:
            # e.g. GET /healthz has no input at all, so no negative (schema-violating) case exists
            assert mode is schemathesis.GenerationMode.NEGATIVE
