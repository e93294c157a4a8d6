"""Fixtures of the security tests."""

import uuid

import pytest
from django.utils import translation

from motcua.ratelimit import rate_limit_reset
from tests.dossiers.conftest import private_media, procedure, receptionist  # noqa: F401


@pytest.fixture(autouse=True)
def vietnamese():
    translation.activate("vi")
    yield
    translation.deactivate()


@pytest.fixture
def own_cache(settings):
    """A cache of this test's own: rate-limit counts start from zero, and clearing them does
    not touch a Redis shared with other test runs."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"security-{uuid.uuid4().hex}",
        },
    }
    rate_limit_reset()
    yield
    rate_limit_reset()
