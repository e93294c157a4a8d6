"""The sliding window of motcua.ratelimit, at a window's end and after it (docs/security.md,
"Rate limits"). A fixed window forgot a burst the moment its window turned: CI once saw a
lookup limit of 2 pass a third lookup made 5 ms after a five-minute boundary."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from motcua.ratelimit import RateLimited, rate_limit_hit

pytestmark = pytest.mark.usefixtures("own_cache")
# A five-minute boundary: 12:30:00 UTC is a multiple of 300 s since the epoch.
BOUNDARY = datetime(2026, 12, 7, 12, 30, tzinfo=UTC)


def _at(seconds: float):
    return time_machine.travel(BOUNDARY + timedelta(seconds=seconds), tick=False)


def _hit(key="198.51.100.7", *, limit=2, window=300):
    return rate_limit_hit("test", key, limit=limit, window=window)


def test_a_burst_just_before_a_boundary_is_still_limited_just_after():
    with _at(-1):
        assert [_hit(), _hit()] == [1, 2]
        with pytest.raises(RateLimited):
            _hit()
    with _at(0.005), pytest.raises(RateLimited) as refused:
        _hit()
    # The two requests were made in the tenth that began at -30 s: they leave at 270 s.
    assert refused.value.details["retry_after"] == 270
    with _at(269), pytest.raises(RateLimited):
        _hit()
    with _at(270):
        assert [_hit(), _hit()] == [1, 2]


def test_refused_requests_do_not_count_and_requests_leave_one_tenth_at_a_time():
    with _at(0):
        _hit(limit=3)
    with _at(100):
        _hit(limit=3)
        _hit(limit=3)
        for _ in range(5):  # a client that keeps trying is refused, and no later than before
            with pytest.raises(RateLimited) as refused:
                _hit(limit=3)
    # The first request leaves the window when its tenth ([0, 30) s) does: at 300 s.
    assert refused.value.details["retry_after"] == 200
    with _at(300):
        assert _hit(limit=3) == 3
        with pytest.raises(RateLimited) as refused:
            _hit(limit=3)
    # The two made at 100 s are in the tenth [90, 120) s, which leaves the window at 390 s:
    # the window reaches back ten tenths, between 270 and 300 s.
    assert refused.value.details["retry_after"] == 90


def test_keys_scopes_and_windows_are_counted_apart():
    with _at(0):
        _hit()
        _hit()
        assert _hit("203.0.113.9") == 1
        assert rate_limit_hit("other", "198.51.100.7", limit=2, window=300) == 1
        assert _hit(window=3600) == 1
        with pytest.raises(RateLimited):
            _hit()


def test_the_wait_is_never_more_than_the_window():
    with _at(10):
        _hit(limit=1, window=3600)
        with pytest.raises(RateLimited) as refused:
            _hit(limit=1, window=3600)
    assert refused.value.details["retry_after"] == 3600 - 10
