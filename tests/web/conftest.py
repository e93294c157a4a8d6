"""Fixtures of the web tests."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def vietnamese():
    """Each test starts in the default language (LanguageMiddleware does not reset the
    language it activates for the thread)."""
    translation.activate("vi")
    yield
    translation.deactivate()
