"""One replay of the estate per key, shared by every session of the server process, run in the background.

The Streamlit server runs every browser session as a thread of one process, and ``st.cache_data`` has no
per-key lock: two sessions asking for the same new estate (a changed assumption, a new data version) would
both replay it, doubling an ~80-s computation's CPU and memory at 5,000 resources. Here a key (the file, its
data version, the filters, the assumptions, the overrides) has at most one run: whoever asks later joins it.
Runs execute one at a time, in the order they were asked for, on one worker thread, so the server's memory
holds one estate's groups at once however many keys are wanted. Any session can read a run's progress
(resources done of the total, elapsed, an estimate of the time left); a finished run's result is kept for a
few keys, and a failure is kept as one, its details logged, so a page can say so in words.

A run a page asked for in its session's name (``asker``) is given up once every such asker has moved on to
another key (``release``): dropped from the queue, or stopped at its next group if it is running; so a
second edit of an assumption does not wait ~70 s (at 5,000) behind the run of the first. A run anyone waits
on without a name (a blocking page's ``result``, the command line) is never given up. An asker may come with
a probe (``alive``: is its browser tab still connected?): one whose probe says no is dropped at the run's
next group, and before a queued run starts, as if it had moved on; so closing the tab gives its run up too.

A given-up run's result is not kept, but the groups it finished are: each run owns a checkpoint
(``analysis.chunked.Checkpoint``, handed to its work with the progress callback, ``Progress``) that the work
fills at each group's end, and a given-up run's checkpoint is kept for a few keys (``RESUMABLE``). A later run
of the same key (an assumption changed A → B → A, a tab back after its connection dropped) starts from it,
and an asker who comes back to a run being stopped keeps it going from the group it stopped at. A run that
finishes or fails drops its key's checkpoint.

No Streamlit here: the pages' layer (``views.estate_tables``) names the keys and the work.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the engine's modules are imported by the work, on the runner's thread, not by the pages
    from analysis.chunked import Checkpoint

log = logging.getLogger(__name__)

KEPT = 4  # finished runs kept for pickup: an estate's rows are ~15 MB of small objects at 5,000 resources
# given-up runs' checkpoints kept for their key's next run: the rows of the groups done, at most the ~15 MB of
# small objects a whole estate's rows are at 5,000 resources, so two add at most ~30 MB to the server
RESUMABLE = 2
Alive = Callable[[], bool]  # an asker's probe: False once its session is gone (its tab closed)


@dataclass(frozen=True)
class Progress:
    """What a run's work is handed: called ``(done, total)`` after each group (where it raises ``GivenUp`` once
    no one wants the run), and the run's checkpoint, which the work fills so that a given-up run's next start
    goes on from the groups done (``analysis.chunked.assess_in_groups``'s ``checkpoint``)."""

    tell: Callable[[int, int], None]
    checkpoint: Checkpoint

    def __call__(self, done: int, total: int) -> None:
        self.tell(done, total)


Work = Callable[[Progress], Any]


@dataclass(frozen=True)
class Status:
    """A run as any session sees it: ``state`` is "waiting" (behind another run), "running", "done" or
    "failed"; ``done`` and ``total`` count resources (0 of 0 until the run has listed them)."""

    state: str
    done: int
    total: int
    elapsed_s: float
    left_s: float | None  # the elapsed time per resource done, times the resources left; None before one is done
    ahead: int  # runs queued before this one (waiting only)
    error: str | None  # the failure in words (failed only)


@dataclass
class Run:
    key: Hashable
    work: Work
    asked: float = field(default_factory=time.monotonic)
    started: float | None = None
    finished: float | None = None
    done: int = 0
    total: int = 0
    base: int | None = None  # resources done when this start first told its progress (a checkpoint's)
    result: Any = None
    error: BaseException | None = None
    over: threading.Event = field(default_factory=threading.Event)
    # the sessions that asked in their name and still want it, each with its probe (None: always there)
    askers: dict[Hashable, Alive | None] = field(default_factory=dict)
    pinned: bool = False  # someone asked without a name: never given up
    checkpoint: Checkpoint | None = None  # the groups done (made on the runner's thread when the run starts)

    def wanted(self) -> bool:
        """Drop the askers whose probe says their session is gone; True while anyone still wants the run (the
        runner's lock held)."""
        for asker, alive in list(self.askers.items()):
            if alive is not None and not _still(alive):
                del self.askers[asker]
        return self.pinned or bool(self.askers)


class GivenUp(Exception):
    """Raised inside a run's work, at a group's end, once no one wants its result any more."""


GIVEN_UP = "the estate's replay was given up: no session wants it any more"  # no key: it holds the server's path


class EstateRunner:
    """Runs keyed work one at a time on a background thread; one run per key, joined by every asker."""

    def __init__(self, kept: int = KEPT, resumable: int = RESUMABLE) -> None:
        self._kept, self._resumable = kept, resumable
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._queue: list[Run] = []
        self._current: Run | None = None
        self._finished: OrderedDict[Hashable, Run] = OrderedDict()
        self._checkpoints: OrderedDict[Hashable, Checkpoint] = OrderedDict()  # given-up runs', the newest last
        self._worker: threading.Thread | None = None

    def start(self, key: Hashable, work: Work, asker: Hashable | None = None, alive: Alive | None = None) -> Run:
        """The run for ``key``: the finished, running or queued one if there is one, else ``work`` queued (with
        the checkpoint of the key's given-up run, if one is kept). ``work`` is called with a ``Progress``: the
        callback ``(done, total)`` and the run's checkpoint; it returns the result. ``asker`` (a session's name)
        may give the run up later (``release``), and is dropped once ``alive()`` is False; without an asker the
        run is never given up."""
        with self._lock:
            run = self._find(key)
            if run is None:
                run = Run(key, work, checkpoint=self._checkpoints.pop(key, None))
                self._queue.append(run)
                if self._worker is None or not self._worker.is_alive():
                    self._worker = threading.Thread(target=self._serve, name="estate-runs", daemon=True)
                    self._worker.start()
                self._wake.notify_all()
            if not run.over.is_set():
                if asker is None:
                    run.pinned = True
                else:
                    run.askers[asker] = alive
            return run

    def release(self, key: Hashable, asker: Hashable) -> bool:
        """``asker`` no longer wants ``key``'s run: once no named asker is left (and no one waits unnamed) the
        run is dropped from the queue, or stopped at its next group if it is running. True if it was given up."""
        with self._lock:
            run = self._active(key)
            if run is None or asker not in run.askers:
                return False
            del run.askers[asker]
            if run.wanted():
                return False
            if run is not self._current:  # the running one stops at its next group (``_progress``)
                self._queue.remove(run)
                self._given_up(run)
                self._wake.notify_all()
            return True

    def finished(self, key: Hashable) -> Run | None:
        """The finished (done or failed) run for ``key``, if one is kept."""
        with self._lock:
            run = self._finished.get(key)
            if run is not None:
                self._finished.move_to_end(key)
            return run

    def forget(self, key: Hashable) -> None:
        """Drop a finished run (a failed one, to try again)."""
        with self._lock:
            self._finished.pop(key, None)

    def result(self, key: Hashable, work: Work, timeout: float | None = None) -> Any:
        """Start or join the run for ``key`` and wait for it: its result, or its failure raised again (a failure
        kept from before is tried again, as a blocking page's rerun always did)."""
        kept = self.finished(key)
        if kept is not None and kept.error is not None:
            self.forget(key)
        run = self.start(key, work)
        if not run.over.wait(timeout):
            raise TimeoutError(f"the estate's replay is still running after {timeout} s")
        if run.error is not None:
            raise run.error
        return run.result

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no run is queued or running (a bench's or a test's end); False on ``timeout``."""
        with self._wake:
            return self._wake.wait_for(lambda: self._current is None and not self._queue, timeout)

    def checkpoint(self, key: Hashable) -> Checkpoint | None:
        """The checkpoint kept for ``key``'s next run (its given-up run's groups done), if one is kept."""
        with self._lock:
            return self._checkpoints.get(key)

    def status(self, run: Run) -> Status:
        with self._lock:
            ahead = sum(1 for r in self._queue if r.asked < run.asked) + (self._current is not None)
            queued = run in self._queue
        now = time.monotonic()
        if run.over.is_set():
            state = "failed" if run.error is not None else "done"
        else:
            state = "waiting" if queued else "running"
        end = run.finished or now
        elapsed = end - run.started if run.started is not None else 0.0
        since = run.done - (run.base or 0)  # a resumed run's pace is the one of its groups since it started
        left = elapsed / since * (run.total - run.done) if since > 0 and state == "running" else None
        error = _in_words(run.error) if run.error is not None else None
        return Status(state, run.done, run.total, elapsed, left, ahead if state == "waiting" else 0, error)

    def _find(self, key: Hashable) -> Run | None:
        if key in self._finished:
            self._finished.move_to_end(key)
            return self._finished[key]
        return self._active(key)

    def _active(self, key: Hashable) -> Run | None:
        """The running or queued run for ``key`` (the lock held)."""
        if self._current is not None and self._current.key == key:
            return self._current
        return next((r for r in self._queue if r.key == key), None)

    def _progress(self, run: Run, done: int, total: int) -> None:
        """The running work's callback after each group: stop here if no one wants the run any more (every
        asker moved on, or its tab closed), else record how far it is."""
        with self._lock:
            if not run.wanted():
                raise GivenUp(GIVEN_UP)
            if run.base is None:
                run.base = done
            run.done, run.total = done, total

    def _next(self) -> Run | None:
        """The first queued run anyone still wants, the ones no one does given up on the way (the lock held)."""
        while self._queue:
            run = self._queue.pop(0)
            if run.wanted():
                return run
            self._given_up(run)
        return None

    def _given_up(self, run: Run) -> None:
        """A run no one wants: over, with ``GivenUp`` as its error, and not kept; its checkpoint is (when it
        holds a group), the oldest dropped past ``resumable``, so the key's next run goes on from it."""
        run.error = GivenUp(GIVEN_UP)
        run.finished = time.monotonic()
        run.work = _spent
        if run.checkpoint is not None and run.checkpoint.groups:
            self._checkpoints[run.key] = run.checkpoint
            self._checkpoints.move_to_end(run.key)
            while len(self._checkpoints) > self._resumable:
                self._checkpoints.popitem(last=False)
        run.checkpoint = None
        run.over.set()
        log.info(GIVEN_UP)

    def _serve(self) -> None:
        while True:
            with self._lock:
                run = self._current = self._next()
                if run is None:
                    self._worker = None
                    self._wake.notify_all()
                    return
            run.started, run.base = time.monotonic(), None
            try:
                if run.checkpoint is None:
                    run.checkpoint = _new_checkpoint()
                run.result = run.work(Progress(partial(self._progress, run), run.checkpoint))
            except GivenUp:
                with self._lock:
                    self._current = None
                    if run.wanted():  # asked for again while it was stopping: first, from its checkpoint
                        run.done, run.total, run.started = 0, 0, None
                        self._queue.insert(0, run)
                    else:
                        self._given_up(run)
                    self._wake.notify_all()
                continue
            except BaseException as exc:  # kept as the run's failure (the pages say it in words), so no asker waits on
                log.exception("the estate's replay failed")
                run.error = exc
            run.finished = time.monotonic()
            with self._lock:
                self._current = None
                # done or failed: its groups are in the result, or of no use (the key's kept checkpoint, if there
                # was one, is this one: a new run takes it out of the store, ``start``)
                run.checkpoint = None
                self._finished[run.key] = run
                self._finished.move_to_end(run.key)
                while len(self._finished) > self._kept:
                    self._finished.popitem(last=False)
                self._wake.notify_all()
            run.work = _spent  # the work's closure (its price book, its filters) is not kept with the result
            run.over.set()


def _new_checkpoint() -> Checkpoint:
    """A run's empty checkpoint, made on the runner's thread: the work imports the engine there anyway, and a
    page importing this module does not pay for it."""
    from analysis.chunked import Checkpoint

    return Checkpoint()


def _spent(progress: Progress) -> Any:
    raise RuntimeError("a finished run is not run again")


def _still(alive: Alive) -> bool:
    """An asker's probe, read safely: a probe that fails keeps its asker (a run is not given up on a guess)."""
    try:
        return bool(alive())
    except Exception:  # the probe is the pages' code (Streamlit's runtime): its fault must not stop the run
        log.warning("an estate run's asker could not be checked; kept", exc_info=True)
        return True


def _in_words(exc: BaseException) -> str:
    """A failure as one line for a page: its message, never a traceback (that goes to the log)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


RUNNER = EstateRunner()  # the process's one runner: every session of the server shares it
