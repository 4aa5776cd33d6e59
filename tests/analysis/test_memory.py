"""``common.memory.release_freed``: malloc_trim on glibc, nothing where there is no such call, never an error."""

from __future__ import annotations

import pytest

from common import memory


@pytest.fixture(autouse=True)
def _fresh_lookup() -> None:
    memory._libc.cache_clear()
    yield
    memory._libc.cache_clear()


def test_on_this_glibc_it_trims_and_memory_stays_usable() -> None:
    blocks = [bytearray(256 * 1024) for _ in range(64)]  # 16 MB in blocks glibc may keep once freed
    del blocks
    assert isinstance(memory.release_freed(), bool)
    assert memory._libc() is not None  # this machine's libc is glibc
    again = bytearray(1024 * 1024)
    again[-1] = 7
    assert again[-1] == 7


def test_without_glibc_it_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory.sys, "platform", "darwin")
    assert memory._libc() is None and memory.release_freed() is False


def test_a_libc_that_cannot_be_loaded_or_has_no_malloc_trim(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_library(name: str) -> None:
        raise OSError(f"{name}: cannot open shared object file")

    monkeypatch.setattr(memory.ctypes, "CDLL", no_library)
    assert memory.release_freed() is False
    memory._libc.cache_clear()

    class Musl:  # a C library without malloc_trim: ctypes raises AttributeError for the missing symbol
        def __getattr__(self, name: str) -> None:
            raise AttributeError(name)

    monkeypatch.setattr(memory.ctypes, "CDLL", lambda name: Musl())
    assert memory.release_freed() is False


def test_a_failing_call_is_reported_as_nothing_released(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(pad: int) -> int:
        raise OSError("trim failed")

    monkeypatch.setattr(memory, "_libc", lambda: failing)
    assert memory.release_freed() is False
