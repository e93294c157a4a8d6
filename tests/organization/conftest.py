"""Fixtures of the organization tests: staff of two centers of one province."""

import pytest
from django.utils import translation

from tests.factories import CounterFactory, staff


@pytest.fixture
def admin_a(center):
    return staff("center_admin", center=center, username="quantri-hp")


@pytest.fixture
def admin_b(other_center):
    return staff("center_admin", center=other_center, username="quantri-nc")


@pytest.fixture
def receptionist_a(center):
    return staff("receptionist", center=center, username="tiepnhan-hp")


@pytest.fixture
def receptionist_b(other_center):
    return staff("receptionist", center=other_center, username="tiepnhan-nc")


@pytest.fixture
def counter_a(center):
    return CounterFactory(center=center, number=1, name="Quầy Tư pháp Hạnh Phúc")


@pytest.fixture
def counter_b(other_center):
    return CounterFactory(center=other_center, number=1, name="Quầy Đất đai Nam Cường")


@pytest.fixture(autouse=True)
def vietnamese():
    """Services called outside a request speak the default language. (LanguageMiddleware
    activates a language for the thread and does not reset it, so an earlier request made
    through the test client would otherwise leak its language into the next test.)"""
    translation.activate("vi")
    yield
    translation.deactivate()
