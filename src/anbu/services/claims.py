"""The dispatcher's hold on what it claimed: a lease of seconds, renewed while it works.

Several instances share one outbox. A claim that outlived its holder used to wait out a
two-minute lease; now a claim lasts `LEASE` and the pass that holds it renews what it has not
finished every `RENEW_EVERY`, from a thread of its own so that a slow send (a channel may take
~10 s) does not let the lease run out. A killed instance stops renewing, and its claims are
free `LEASE` after its last renewal. Before each send the holder renews that one claim and
sends only if it still held it: an instance that stalled past its lease (a long pause, the
database away) finds its claim taken over and leaves the message to the one that took it.

Instants: the lease is counted from the pass's `now` (which may be a simulated clock) plus
the wall time the pass has taken, so a replay and a live server measure it the same way.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from types import TracebackType

from anbu.services.context import Context

log = logging.getLogger("anbu.dispatch")

# Four renewals fit in a lease, so a renewal that is late or lost (a busy moment, a database
# that blinks) does not cost the claim; a dead holder's claims are free within 6 s, and the
# next dispatch pass of another instance (every 5 s by default) sends them: within 15 s of
# the death (issue 15), with room for the sending itself.
LEASE = timedelta(seconds=6)
RENEW_EVERY = 1.5  # seconds


def new_holder() -> str:
    """A name for one dispatch pass, unique across instances."""
    return secrets.token_hex(8)


class HeldClaims:
    """The claims of one pass, renewed in the background until each is let go."""

    def __init__(
        self,
        app: Context,
        holder: str,
        ids: Iterable[int],
        now: datetime,
        *,
        renew_every: float = RENEW_EVERY,
    ) -> None:
        self._app = app
        self._renew_every = renew_every
        self.holder = holder
        self._now = now
        self._started = time.monotonic()
        self._held = set(ids)
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._renewer = threading.Thread(target=self._renew_until_done, daemon=True)

    def __enter__(self) -> HeldClaims:
        self._renewer.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._done.set()
        self._renewer.join()

    def lease_until(self) -> datetime:
        elapsed = timedelta(seconds=time.monotonic() - self._started)
        return self._now + elapsed + LEASE

    def still_held(self, notification: int) -> bool:
        """Renew this one claim now; False when another instance has taken it over (or it
        was recorded meanwhile), and it must not be sent from here."""
        until = self.lease_until()
        renewed = self._app.retrying(
            lambda store: store.outbox.renew(self.holder, [notification], until)
        )
        if not renewed:
            self.let_go(notification)
        return renewed == 1

    def let_go(self, notification: int) -> None:
        """Stop renewing a claim whose attempt is recorded (a renewal that races the
        record finds the claim ended and changes nothing)."""
        with self._lock:
            self._held.discard(notification)

    def _renew_until_done(self) -> None:
        while not self._done.wait(self._renew_every):
            with self._lock:
                held = sorted(self._held)
            if not held:
                continue
            until = self.lease_until()
            try:
                with self._app.transaction() as store:
                    store.outbox.renew(self.holder, held, until)
            except Exception:
                # The next renewal may get through; the check before each send keeps a
                # claim that was lost meanwhile from being sent twice.
                log.warning("renewing %d claims failed", len(held), exc_info=True)
