"""common.retry: bounded by tries or by time, jittered, per kind of failure, counted, waits through one seam."""

from __future__ import annotations

import pytest

from common import retry
from common.retry import RetryPolicy, call_with_retry


class Flaky:
    """Fails with the given errors in order, then returns "done"; counts its calls."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


class Busy(Exception):
    pass


class Quota(Exception):
    pass


BUSY = RetryPolicy("busy", attempts=3, base_delay_s=1.0, max_delay_s=30.0)
QUOTA = RetryPolicy("quota", attempts=6, base_delay_s=1.0, max_delay_s=4.0)


def classify(exc: BaseException) -> RetryPolicy | None:
    return BUSY if isinstance(exc, Busy) else QUOTA if isinstance(exc, Quota) else None


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waited: list[float] = []
    monkeypatch.setattr(retry, "pause", waited.append)
    return waited


def test_retries_until_it_works_with_jittered_exponential_waits(waits: list[float]) -> None:
    call = Flaky(Quota(), Quota(), Quota(), Quota(), Quota())
    assert call_with_retry(call, classify) == "done"
    assert call.calls == 6
    steps = [1.0, 2.0, 4.0, 4.0, 4.0]  # doubling from 1 s, capped at 4 s
    assert len(waits) == 5
    for waited, step in zip(waits, steps, strict=True):
        assert step / 2 <= waited <= step


def test_jitter_spreads_the_waits() -> None:
    delays = {BUSY.delay(3) for _ in range(200)}
    assert len(delays) > 100 and min(delays) >= 4.0 and max(delays) <= 8.0


def test_each_kind_counts_its_own_tries_and_the_last_error_stands(waits: list[float]) -> None:
    call = Flaky(Busy(), Quota(), Busy(), Quota(), Busy("third"))
    with pytest.raises(Busy, match="third"):
        call_with_retry(call, classify)
    assert call.calls == 5 and len(waits) == 4  # the third Busy ends it: BUSY allows three tries


def test_an_error_it_does_not_know_is_raised_at_once(waits: list[float]) -> None:
    call = Flaky(ValueError("bad request"))
    with pytest.raises(ValueError, match="bad request"):
        call_with_retry(call, classify)
    assert call.calls == 1 and waits == []


def test_a_longer_server_hint_wins_but_stays_capped(waits: list[float]) -> None:
    call_with_retry(Flaky(Quota(), Quota()), classify, hint=lambda _exc: 3.5)
    assert waits == [3.5, 3.5]
    waits.clear()
    call_with_retry(Flaky(Quota()), classify, hint=lambda _exc: 60.0)
    assert waits == [QUOTA.max_delay_s]


def test_every_retry_is_reported_and_giving_up_can_say_how_often(waits: list[float]) -> None:
    heard: list[tuple[str, str]] = []

    def gave_up(exc: BaseException, tries: int) -> RuntimeError:
        return RuntimeError(f"{type(exc).__name__} after {tries} attempts")

    with pytest.raises(RuntimeError, match=r"^Busy after 3 attempts$"):
        call_with_retry(
            Flaky(Busy(), Busy(), Busy(), Busy()),
            classify,
            on_retry=lambda exc, policy: heard.append((type(exc).__name__, policy.name)),
            exhausted=gave_up,
        )
    assert heard == [("Busy", "busy"), ("Busy", "busy")]  # two retries: the third failure is not retried


class FakeClock:
    """A clock that the recorded waits move forward, so a deadline is tested without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_deadline_bounded_policy_retries_until_the_deadline_then_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    waited: list[float] = []

    def wait(seconds: float) -> None:
        waited.append(seconds)
        clock.now += seconds

    monkeypatch.setattr(retry, "pause", wait)
    lock = RetryPolicy("lock", attempts=None, deadline_s=2.0, base_delay_s=0.02, max_delay_s=0.25)
    always_busy = Flaky(*[Busy("locked")] * 10_000)
    with pytest.raises(Busy, match="locked"):
        call_with_retry(always_busy, lambda exc: lock if isinstance(exc, Busy) else None, clock=clock)
    assert sum(waited) == pytest.approx(2.0)  # waited out the deadline exactly: never past it
    assert max(waited) <= 0.25
    assert 8 <= always_busy.calls <= 200  # capped waits of 0.125-0.25 s over 2 s, after the short first ones
    works_later = Flaky(Busy(), Busy())
    assert call_with_retry(works_later, lambda exc: lock if isinstance(exc, Busy) else None, clock=clock) == "done"


def test_an_unbounded_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="must be bounded"):
        RetryPolicy("forever", attempts=None, deadline_s=None)
