from __future__ import annotations

from xueliang.core.ratelimit import SlidingWindowLimiter


def test_sliding_window__blocks_after_limit_and_recovers() -> None:
    now = [0.0]
    limiter = SlidingWindowLimiter(2, 60, clock=lambda: now[0])
    assert limiter.hit("a") == 0
    assert limiter.hit("a") == 0
    assert limiter.hit("a") == 60
    assert limiter.hit("b") == 0
    now[0] = 60.5
    assert limiter.hit("a") == 0
