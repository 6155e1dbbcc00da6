"""When a notification is tried again after a transient failure."""

from __future__ import annotations

from datetime import timedelta

from anbu.domain.delivery import RetryPolicy

from builders import at

NOW = at("2026-11-20 09:00")


def test_it_doubles_the_wait_after_each_failure() -> None:
    policy = RetryPolicy()
    waits = [policy.retry_at(n, NOW) for n in (1, 2, 3, 4)]
    assert [w - NOW for w in waits if w] == [
        timedelta(seconds=30),
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
    ]


def test_it_never_waits_longer_than_the_cap() -> None:
    retry = RetryPolicy().retry_at(15, NOW)
    assert retry == NOW + timedelta(minutes=15)


def test_it_gives_up_after_the_last_attempt() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert policy.retry_at(2, NOW) is not None
    assert policy.retry_at(3, NOW) is None
