"""Fixtures of the organization tests: staff of two centers of one province."""

import pytest

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
