"""A real Kannel SMS gateway for tests: bearerbox, smsbox and the test SMSC `fakesmsc`, on free
loopback ports, in a folder of the test's own.

fakesmsc plays the phone network. Every text Kannel sends ends up in its log as
`Got message N: <sender receiver coding data>`; a text from a phone is typed into it (it runs
in interactive mode, reading `sender receiver ucs2 <url-encoded UTF-16-BE>` lines from its
stdin) and reaches the `sms-service` get-url, where `%p` is the sender and `%a` the text, in
UTF-8 (`mo-recode`).

Start it through the `kannel` fixture (or `make_kannel(incoming_url=…)`), registered in
tests/conftest.py.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import quote, unquote_to_bytes

import pytest

BEARERBOX = Path("/usr/sbin/bearerbox")
SMSBOX = Path("/usr/sbin/smsbox")
FAKESMSC = Path("/usr/lib/kannel/test/fakesmsc")

USERNAME = "anbu"
PASSWORD = "kannel-test-password"
ADMIN_PASSWORD = "kannel-admin-password"
# The sendsms-user's black list refuses this number, as an operator's list would.
DENIED_NUMBER = "+821099990000"
# Parts per text the sendsms-user allows: 15 × 67 UCS-2 characters ≥ the channel's 1,000.
MAX_PARTS = 15
# fakesmsc reads its stdin with a 256-byte buffer: one line, newline included, must fit.
_STDIN_LINE_BYTES = 255
_START_TIMEOUT = 20.0

_GOT = re.compile(r"Got message \d+: <(.*)>$")
# bearerbox's access log keeps each whole text with its coding (the second of the flags);
# the fake SMSC's own line leaves the coding out of a part that has a UDH.
_SENT = re.compile(
    r"Sent SMS .*\[to:([^\]]*)\] \[flags:-?\d+:(-?\d+):[^\]]*\] \[msg:\d+:(.*)\] \[udh:"
)
_CODINGS = {"0": "text", "1": "data", "2": "ucs-2"}


@dataclass(frozen=True, slots=True)
class ReceivedSms:
    """One text as the phone network got it. `coding` is fakesmsc's word for it: "text" (GSM
    7-bit), "data" (8-bit) or "ucs-2"; `parts` > 1 for a concatenated text, put back together."""

    sender: str
    to: str
    coding: str
    text: str
    parts: int = 1


def free_ports(count: int) -> list[int]:
    """Ports free on 127.0.0.1 just now (held open together, so that they differ)."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


class KannelGateway:
    """bearerbox, smsbox and fakesmsc, started by `start()`, ended by `close()`.

    `sms_url` is the `kannel://` URL of its sendsms interface. `incoming_url`, when given, is
    the sms-service get-url for texts from phones: Kannel fills in `%p` (sender) and `%a`
    (text), so a literal '%' in it must be written '%%'.
    """

    def __init__(self, directory: Path, *, incoming_url: str | None = None) -> None:
        missing = [str(path) for path in (BEARERBOX, SMSBOX, FAKESMSC) if not path.exists()]
        if missing:
            pytest.fail(
                f"Kannel is not installed ({', '.join(missing)} missing): run "
                "scripts/install-system-packages.sh",
                pytrace=False,
            )
        if incoming_url is not None and ('"' in incoming_url or "\n" in incoming_url):
            raise ValueError("the incoming URL cannot hold '\"' or a line break (kannel.conf)")
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.incoming_url = incoming_url
        self.admin_port, self.smsbox_port, self.smsc_port, self.sendsms_port = free_ports(4)
        self.config = self.directory / "kannel.conf"
        self.config.write_text(self._config_text(), encoding="utf-8")
        self._bearerbox: subprocess.Popen[bytes] | None = None
        self._smsbox: subprocess.Popen[bytes] | None = None
        self._fakesmsc: subprocess.Popen[bytes] | None = None
        self._logs: list[IO[bytes]] = []
        self._fakesmsc_logs: list[Path] = []
        self._runs = 0
        self._typed = 0  # lines typed into the fakesmsc now running

    @property
    def sms_url(self) -> str:
        return f"kannel://{USERNAME}:{PASSWORD}@127.0.0.1:{self.sendsms_port}"

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"

    def _config_text(self) -> str:
        service = (
            f'get-url = "{self.incoming_url}"' if self.incoming_url is not None else 'text = ""'
        )
        return f"""\
group = core
admin-port = {self.admin_port}
admin-interface = 127.0.0.1
admin-password = {ADMIN_PASSWORD}
smsbox-port = {self.smsbox_port}
smsbox-interface = 127.0.0.1
box-allow-ip = 127.0.0.1
dlr-storage = internal
access-log = "{self.directory / "access.log"}"

group = smsc
smsc = fake
smsc-id = fake
port = {self.smsc_port}
our-host = 127.0.0.1
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {self.smsbox_port}
sendsms-port = {self.sendsms_port}
sendsms-interface = 127.0.0.1
# Texts from phones come as UCS-2; the get-url gets them in UTF-8.
mo-recode = true

group = sendsms-user
username = {USERNAME}
password = {PASSWORD}
concatenation = true
max-messages = {MAX_PARTS}
black-list-regex = "^{DENIED_NUMBER.replace("+82", "0")}$"

group = sms-service
keyword = default
catch-all = true
# anbu's answer (a thanks to a person who replied) goes back to the phone; an empty
# answer (a stranger) sends nothing.
max-messages = 1
omit-empty = true
# …in UCS-2, as anbu asks with X-Kannel-Coding (GSM 7-bit has no Hangul).
accept-x-kannel-headers = true
{service}
"""

    # -- processes ----------------------------------------------------------------------

    def start(self) -> KannelGateway:
        self.start_bearerbox()
        return self

    def start_bearerbox(self) -> None:
        """Start bearerbox, then smsbox and fakesmsc; return once a text can go through."""
        self._runs += 1
        self._bearerbox = self._spawn("bearerbox", [str(BEARERBOX), "-v", "1", str(self.config)])
        self._until(lambda: self._status() is not None, "bearerbox's admin interface")
        self._smsbox = self._spawn("smsbox", [str(SMSBOX), "-v", "1", str(self.config)])
        self.start_smsc()
        self._until(self._ready, "smsbox and fakesmsc to connect to bearerbox")

    def stop_bearerbox(self) -> None:
        """Shut the gateway down as an operator would (SIGTERM): smsbox and fakesmsc go with
        bearerbox; the sendsms port refuses connections until `start_bearerbox()`."""
        if self._bearerbox is not None:
            self._bearerbox.terminate()
            _wait(self._bearerbox)
            self._bearerbox = None
        self.stop_smsc()
        if self._smsbox is not None:
            # smsbox leaves when bearerbox tells it to; its process group also holds any
            # copy it started of itself after losing bearerbox.
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._smsbox.wait(timeout=10)
            _kill_group(self._smsbox)
            self._smsbox = None

    def start_smsc(self) -> None:
        """(Re)connect the phone network: Kannel sends what it queued meanwhile."""
        self._fakesmsc_logs.append(self.directory / f"fakesmsc-{len(self._fakesmsc_logs) + 1}.log")
        self._typed = 0
        self._fakesmsc = self._spawn(
            "fakesmsc",
            # Interactive (no message arguments), and -m -1: with -m 0 it never reads stdin.
            [str(FAKESMSC), "-H", "127.0.0.1", "-r", str(self.smsc_port), "-i", "0.1", "-m", "-1"],
            log=self._fakesmsc_logs[-1],
            stdin=subprocess.PIPE,
        )

    def stop_smsc(self) -> None:
        """Cut the phone network off: Kannel keeps new texts ("3: Queued for later delivery")."""
        if self._fakesmsc is not None:
            _kill_group(self._fakesmsc)
            if self._fakesmsc.stdin is not None:
                with contextlib.suppress(OSError):
                    self._fakesmsc.stdin.close()
            self._fakesmsc = None

    def close(self) -> None:
        """End every process, whatever state it is in."""
        self.stop_smsc()
        for process in (self._smsbox, self._bearerbox):
            if process is not None:
                _kill_group(process)
        self._smsbox = self._bearerbox = None
        for log in self._logs:
            log.close()
        self._logs.clear()

    def _spawn(
        self,
        name: str,
        command: list[str],
        *,
        log: Path | None = None,
        stdin: int = subprocess.DEVNULL,
    ) -> subprocess.Popen[bytes]:
        output = open(log or self.directory / f"{name}-{self._runs}.log", "ab")  # noqa: SIM115
        self._logs.append(output)
        # A session of its own: close() ends the whole group, and a Ctrl-C in the terminal
        # reaches pytest only.
        return subprocess.Popen(
            command,
            cwd=self.directory,
            stdin=stdin,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _status(self) -> str | None:
        url = f"http://127.0.0.1:{self.admin_port}/status.txt?password={ADMIN_PASSWORD}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                text: str = response.read().decode("utf-8", "replace")
                return text
        except OSError:
            return None

    def _ready(self) -> bool:
        if self._fakesmsc is not None and self._fakesmsc.poll() is not None:
            # It gives up at once when the fake SMSC is not listening yet: try again.
            self.stop_smsc()
            self.start_smsc()
            return False
        status = self._status() or ""
        return (
            "smsbox:" in status
            and f"FAKE:{self.smsc_port} (online" in status
            and self._sendsms_answers()
        )

    def _sendsms_answers(self) -> bool:
        try:
            urllib.request.urlopen(self.sendsms_url, timeout=2).close()  # noqa: S310
        except urllib.error.HTTPError:
            return True  # 403 without a user: it is there
        except OSError:
            return False
        return True

    def _until(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + _START_TIMEOUT
        while not condition():
            if self._bearerbox is not None and self._bearerbox.poll() is not None:
                raise RuntimeError(f"bearerbox exited while waiting for {what}: {self._tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kannel: gave up waiting for {what}: {self._tail()}")
            time.sleep(0.05)

    def _tail(self) -> str:
        logs = sorted(self.directory.glob("*.log"))
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-1500:]}" for p in logs)

    # -- the phone network's side -------------------------------------------------------

    def send_incoming(self, sender: str, receiver: str, text: str) -> None:
        """A phone (`sender`, digits) texts `text` to `receiver` (anbu's number). Returns once
        fakesmsc has handed it to bearerbox. Raises ValueError for a text too long for one
        fakesmsc line (about 40 Hangul characters)."""
        process = self._fakesmsc
        if process is None or process.stdin is None:
            raise RuntimeError("fakesmsc is not running")
        if not (sender.isdigit() and receiver.isdigit()):
            raise ValueError("sender and receiver are digits only (they are space-separated)")
        line = f"{sender} {receiver} ucs2 {quote(text.encode('utf-16-be'), safe='')}\n"
        if len(line.encode("ascii")) > _STDIN_LINE_BYTES:
            raise ValueError(f"the text is too long for one fakesmsc line: {text!r}")
        process.stdin.write(line.encode("ascii"))
        process.stdin.flush()
        self._typed += 1
        typed = re.compile(rf"fakesmsc: sent message {self._typed}$", re.MULTILINE)
        log = self._fakesmsc_logs[-1]
        deadline = time.monotonic() + 10
        while not typed.search(log.read_text(errors="replace")):
            if time.monotonic() > deadline:
                raise RuntimeError(f"fakesmsc did not send the typed line: {self._tail()}")
            self._poke()
            time.sleep(0.02)

    def _poke(self) -> None:
        """Wake fakesmsc up. Between two reads of its stdin (select() with a 1 s timeout) it
        looks at the link to bearerbox only once; an empty line makes it look at once. It
        also brings in a line that stdio read ahead, which select() cannot see."""
        process = self._fakesmsc
        if process is not None and process.stdin is not None and process.poll() is None:
            with contextlib.suppress(OSError):
                process.stdin.write(b"\n")
                process.stdin.flush()

    def received(self) -> list[ReceivedSms]:
        """Every text that reached the phone network, oldest first, across restarts; a
        concatenated text once all its parts are there."""
        sent = self._sent_codings()
        messages: list[ReceivedSms] = []
        parts: dict[tuple[str, str, int, int], dict[int, bytes]] = {}
        for log in self._fakesmsc_logs:
            if not log.exists():
                continue
            # The last line may still be being written.
            for line in log.read_text(encoding="ascii", errors="replace").split("\n")[:-1]:
                found = _GOT.search(line)
                if found is None:
                    continue
                sender, to, kind, data = [*found[1].split(" ", 3), ""][:4]
                if kind != "udh":
                    messages.append(ReceivedSms(sender, to, kind, _decoded(kind, data)))
                    continue
                udh, _, payload = data.partition(" data ")
                reference, total, number = _concatenation(unquote_to_bytes(udh))
                key = (sender, to, reference, total)
                parts.setdefault(key, {})[number] = _unquoted(payload)
                if len(parts[key]) == total:
                    pieces = parts.pop(key)
                    whole = b"".join(pieces[n] for n in range(1, total + 1))
                    coding = sent.get((to, whole))
                    if coding is not None:  # else bearerbox has yet to log it
                        messages.append(
                            ReceivedSms(sender, to, coding, _decoded_bytes(coding, whole), total)
                        )
        return messages

    def _sent_codings(self) -> dict[tuple[str, bytes], str]:
        codings: dict[tuple[str, bytes], str] = {}
        for line in self.access_log():
            found = _SENT.search(line)
            if found is None or found[2] not in _CODINGS:
                continue
            to, coding, message = found[1], _CODINGS[found[2]], found[3]
            whole = message.encode("latin-1") if coding == "text" else bytes.fromhex(message)
            codings[(to, whole)] = coding
        return codings

    def access_log(self) -> list[str]:
        """bearerbox's access log: a line per text sent or received, with its flags."""
        log = self.directory / "access.log"
        return (
            log.read_text(encoding="utf-8", errors="replace").splitlines() if log.exists() else []
        )

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedSms]:
        """The texts received, once there are at least `count`; AssertionError after
        `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while len(messages := self.received()) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"fakesmsc got {len(messages)} texts, not {count}, in {timeout} s: "
                    f"{messages}\n{self._tail()}"
                )
            self._poke()
            time.sleep(0.05)
        return messages


def _unquoted(data: str) -> bytes:
    # Kannel's URL encoding writes a space as '+' (and a '+' as %2B).
    return unquote_to_bytes(data.replace("+", " "))


def _decoded(kind: str, data: str) -> str:
    return data if kind == "text" else _decoded_bytes(kind, _unquoted(data))


def _decoded_bytes(coding: str, data: bytes) -> str:
    if coding == "ucs-2":
        return data.decode("utf-16-be")
    return data.decode("utf-8", "replace") if coding == "data" else data.decode("latin-1")


def _concatenation(udh: bytes) -> tuple[int, int, int]:
    """(reference, total, number) from a UDH's concatenation element (8- or 16-bit
    reference). Raises ValueError when there is none."""
    position = 1  # after the UDH length
    while position + 1 < len(udh):
        element, length = udh[position], udh[position + 1]
        value = udh[position + 2 : position + 2 + length]
        if element == 0x00 and length == 3:
            return value[0], value[1], value[2]
        if element == 0x08 and length == 4:
            return int.from_bytes(value[:2], "big"), value[2], value[3]
        position += 2 + length
    raise ValueError(f"a UDH without a concatenation element: {udh.hex()}")


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    _wait(process)


def _wait(process: subprocess.Popen[bytes]) -> None:
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture
def make_kannel(tmp_path: Path) -> Iterator[Callable[..., KannelGateway]]:
    """`make_kannel(incoming_url=None)` starts a gateway; all are ended after the test."""
    gateways: list[KannelGateway] = []

    def make(incoming_url: str | None = None) -> KannelGateway:
        gateway = KannelGateway(tmp_path / f"kannel-{len(gateways)}", incoming_url=incoming_url)
        gateways.append(gateway)
        return gateway.start()

    yield make
    for gateway in gateways:
        gateway.close()


@pytest.fixture
def kannel(make_kannel: Callable[..., KannelGateway]) -> KannelGateway:
    """A running Kannel gateway without an incoming URL."""
    return make_kannel()
