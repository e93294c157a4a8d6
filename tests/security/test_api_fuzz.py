"""Fuzzing the JSON API with schemathesis against its own OpenAPI document, in process (WSGI):
generated requests to every operation must never get a 5xx, and every answer must match the
schema the API publishes. Bounded (``FUZZ_EXAMPLES`` per operation) to stay a few minutes."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from motcua.conf.wsgi import application

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def _world(transactional_db, own_cache, private_media):
    """Two centers with their queue, a dossier, an appointment... so that generated codes
    sometimes meet real rows (tests/security/world.py)."""
    import time_machine

    from tests.security.world import OPEN, build_world

    with time_machine.travel(OPEN, tick=True):
        build_world()
        yield


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    # The same examples every run, so CI is repeatable; FUZZ_RANDOM=1 explores new ones (and
    # more with FUZZ_EXAMPLES=200) when hunting.
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_within_its_schema_and_never_fails(case):
    from schemathesis.specs.openapi.checks import (
        positive_data_acceptance,
        status_code_conformance,
    )

    # LEFT: most operations do not list 400 (validation errors, answered for every operation
    # by conf/api.py) among their responses yet; until they do, undocumented status codes
    # are not checked (docs/security.md, "Fuzzing"). Server errors and bodies that do not
    # match the documented schema still fail. Requests that fit the schema may still break a
    # business rule (a year out of range, neither ticket nor dossier): a 400 there is right,
    # so "schema-valid data must be accepted" is not checked either.
    case.call_and_validate(excluded_checks=[status_code_conformance, positive_data_acceptance])
