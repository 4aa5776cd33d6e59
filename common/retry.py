"""The one way Breakeven retries a call: bounded, exponential, always jittered, and counted.

Every retry loop (Cloud Monitoring reads, the Cloud Run and Vertex REST listings, Logs Insights'
``StartQuery``, and the store's wait for another process's lock) is this function with a policy, built on
``tenacity`` rather than written by hand again. Why each piece:

- **Bounded** by tries (``attempts``) or by time (``deadline_s``), or both: a cron run must end, and a page
  must answer, however a dependency misbehaves.
- **Jittered**: each wait is drawn from half to all of the exponential step, so threads (or processes)
  that failed together do not retry together; a server's own hint (gRPC ``RetryInfo``) wins when it is
  longer, still capped.
- **Per kind of failure**: ``classify`` maps an error to the policy that governs it (quota errors may be
  retried more often than an unreachable host), each kind counting its own tries; ``None`` means "do not
  retry", and the error propagates at once.
- **Counted**: ``on_retry`` hears every retry, so a collector run can record how many it made and why.
- **One seam for tests**: every wait goes through :func:`pause`, so a test records the waits instead of
  sleeping them; a deadline is measured on ``clock``, which a test may drive too.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception

T = TypeVar("T")


def pause(seconds: float) -> None:
    """Wait between tries; the one place a test patches to make backoff instant and observable."""
    time.sleep(seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """How one kind of failure is retried.

    ``attempts`` bounds the tries of this kind in all (the first one included); ``deadline_s`` stops retrying
    once that long has passed since the first try (then the last error stands). Either may be None, not both.
    """

    name: str
    attempts: int | None = 3
    deadline_s: float | None = None
    base_delay_s: float = 1.0
    max_delay_s: float = 30.0

    def __post_init__(self) -> None:
        if self.attempts is None and self.deadline_s is None:
            raise ValueError(f"retry policy {self.name!r} needs attempts or deadline_s: retries must be bounded")

    def delay(self, retry: int, hint_s: float | None = None) -> float:
        """The wait before retry number ``retry`` (0 for the first): jittered, capped, a longer hint wins."""
        step = min(self.max_delay_s, self.base_delay_s * 2**retry)
        jittered = step * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not cryptography
        return min(self.max_delay_s, max(jittered, hint_s or 0.0))


def call_with_retry(
    call: Callable[[], T],
    classify: Callable[[BaseException], RetryPolicy | None],
    *,
    on_retry: Callable[[BaseException, RetryPolicy], None] | None = None,
    hint: Callable[[BaseException], float | None] | None = None,
    exhausted: Callable[[BaseException, int], BaseException] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """``call()``, retried while ``classify`` names a policy for its error and that policy allows another try.

    When a policy gives up, ``exhausted(error, tries of that kind)`` may turn the last error into the one
    raised (say, with "after 6 attempts"); otherwise the last error itself is raised. An error ``classify``
    returns None for is raised at once, unchanged.
    """
    started = clock()
    tries: Counter[str] = Counter()
    counted: set[int] = set()

    def retryable(exc: BaseException) -> bool:
        return classify(exc) is not None

    def policy_of(state: RetryCallState) -> tuple[BaseException, RetryPolicy]:
        """The failed try's error and policy, its try counted once (tenacity asks ``wait`` and ``stop``)."""
        exc = _error(state)
        policy = classify(exc)
        assert policy is not None  # only retryable errors get this far
        if state.attempt_number not in counted:
            counted.add(state.attempt_number)
            tries[policy.name] += 1
        return exc, policy

    def stop(state: RetryCallState) -> bool:
        exc, policy = policy_of(state)
        out_of_tries = policy.attempts is not None and tries[policy.name] >= policy.attempts
        out_of_time = policy.deadline_s is not None and clock() - started >= policy.deadline_s
        if (out_of_tries or out_of_time) and exhausted is not None:
            raise exhausted(exc, tries[policy.name]) from None
        return out_of_tries or out_of_time

    def wait(state: RetryCallState) -> float:
        exc, policy = policy_of(state)
        seconds = policy.delay(tries[policy.name] - 1, hint(exc) if hint else None)
        if policy.deadline_s is not None:  # never sleep past the deadline
            seconds = max(0.0, min(seconds, policy.deadline_s - (clock() - started)))
        return seconds

    def before_sleep(state: RetryCallState) -> None:
        if on_retry is not None:
            on_retry(*policy_of(state))

    retrying = Retrying(
        retry=retry_if_exception(retryable),
        stop=stop,
        wait=wait,
        before_sleep=before_sleep,
        sleep=lambda seconds: pause(seconds),  # looked up on each wait, so a test's patch applies
        reraise=True,
    )
    return retrying(call)


def _error(state: RetryCallState) -> BaseException:
    assert state.outcome is not None and state.outcome.failed
    exc = state.outcome.exception()
    assert exc is not None
    return exc
