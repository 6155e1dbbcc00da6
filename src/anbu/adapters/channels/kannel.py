"""The Kannel channel: each text handed to a Kannel smsbox through its HTTP sendsms interface.

The gateway is named by `ANBU_SMS_URL=kannel://user:pass@host:port`: the smsbox's
`sendsms-port` (default 13013) and one of its `sendsms-user` groups. That group must allow
long texts, which Kannel sends as concatenated parts of at most 67 UCS-2 characters:

    group = sendsms-user
    username = anbu
    password = …
    concatenation = true
    max-messages = 15        # 15 × 67 ≥ 1000 characters; Kannel silently cuts what is over

When a public URL and a callback secret are configured, each text asks Kannel for delivery
reports (`dlr-mask=31`) at `<public URL>/callbacks/kannel/dlr?key=…&status=%d&secret=…`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

import httpx

from anbu.adapters.channels import DeliveryError, Medium, Message

DEFAULT_PORT = 13013
# 15 concatenated UCS-2 parts of 67 characters, as the sendsms-user above allows.
MAX_TEXT_CHARS = 1000
# Every delivery report Kannel knows: delivered 1, undelivered 2, buffered 4, accepted by
# the SMSC 8, rejected by the SMSC 16.
DLR_MASK = 31
# Kannel answers these (with HTTP 202) once bearerbox has the message: sent on, or kept
# until the SMSC link is back. Either way it is the gateway's to deliver now.
_ACCEPTED = ("0:", "3:")
# A Korean number in E.164 form: +82 and the national number without its trunk 0.
_KOREAN_E164 = re.compile(r"\+82([1-9][0-9]{7,9})")
_ANSWER_LIMIT = 200


@dataclass(frozen=True, slots=True)
class KannelServer:
    """Where the smsbox listens and who anbu is to it, as read from the URL."""

    host: str
    port: int
    username: str
    password: str = field(repr=False)

    @property
    def sendsms_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/cgi-bin/sendsms"


def parse_kannel_url(url: str) -> KannelServer:
    """Read a `kannel://user:pass@host:port` URL (user and password percent-decoded).
    Raises ValueError naming what is wrong, never quoting the password."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        # `from None`: urllib's message may quote the text after ':', the password.
        raise ValueError(
            "Kannel URL cannot be parsed (percent-encode any special characters in the user "
            "and password; the port must be a number)"
        ) from None
    if parts.scheme.lower() != "kannel":
        raise ValueError("Kannel URL must start with kannel://")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(
            "Kannel URL has something after the host and port; percent-encode any '/', '?', "
            "'#' or '@' in the user and password"
        )
    if not parts.hostname:
        raise ValueError("Kannel URL has no host")
    if not parts.username or not parts.password:
        raise ValueError("Kannel URL needs the sendsms-user's name and password: kannel://u:p@…")
    if port == 0:
        raise ValueError("Kannel URL port must be a number from 1 to 65535")
    return KannelServer(
        parts.hostname,
        DEFAULT_PORT if port is None else port,
        unquote(parts.username),
        unquote(parts.password),
    )


def national_number(address: str) -> str:
    """The national form of a Korean E.164 number (`+821012345678` → `01012345678`), which is
    how Korean SMSCs and SMS providers take a recipient. Raises DeliveryError (permanent) for
    anything else: the gateways anbu speaks to reach Korean numbers only."""
    found = _KOREAN_E164.fullmatch(address)
    if found is None:
        raise DeliveryError(
            f"not a Korean phone number in E.164 form: ***{address[-4:]}",
            permanent=True,
            bad_address=True,
        )
    return "0" + found[1]


def _kannel_literal(text: str) -> str:
    """`text` percent-encoded for a URL, then with each '%' doubled: Kannel reads '%' plus a
    letter in a dlr-url as one of its own fields (%C the charset, %A the text …) and gives
    '%%' back as '%', so this is the only way a value reaches the callback unchanged."""
    return quote(text, safe="").replace("%", "%%")


class KannelChannel:
    """Sends each `Message` as one SMS (concatenated if long) through Kannel's sendsms.

    The text goes as UTF-8 with `coding=2`, so that the phone gets UCS-2 and Hangul survives.
    `send` returns `kannel:<key>` once Kannel accepted or queued the text, or raises
    DeliveryError: `permanent=False` when the gateway cannot be reached, times out, answers 5xx
    or something not understood; `permanent=True` when it refuses the request (403: the user
    and password, a configuration fault; 400: e.g. a number its lists deny) or when anbu
    itself knows the text cannot go (not a Korean number, longer than `max_text_chars`).
    """

    medium: Medium = Medium.SMS

    def __init__(
        self,
        server: KannelServer,
        sender: str,
        *,
        public_url: str = "",
        callback_secret: str | None = None,
        timeout: float = 10.0,
        max_text_chars: int = MAX_TEXT_CHARS,
    ) -> None:
        if not sender.isdigit() or not sender.isascii():
            raise ValueError(f"the SMS sender must be digits only, not {sender!r}")
        if public_url and not public_url.startswith(("http://", "https://")):
            raise ValueError(f"the public URL must start with http:// or https://: {public_url!r}")
        if public_url and not callback_secret:
            raise ValueError(
                "delivery reports need a callback secret: set ANBU_CALLBACK_SECRET along "
                "with ANBU_PUBLIC_URL"
            )
        self.server = server
        self.sender = sender
        self.public_url = public_url.rstrip("/")
        self._callback_secret = callback_secret
        self.timeout = timeout
        self.max_text_chars = max_text_chars

    @classmethod
    def from_url(
        cls,
        url: str,
        sender: str,
        *,
        public_url: str = "",
        callback_secret: str | None = None,
        timeout: float = 10.0,
    ) -> KannelChannel:
        """Raises ValueError for a malformed URL or sender, or a public URL without a secret.
        `timeout` bounds connecting and each read or write, in seconds."""
        return cls(
            parse_kannel_url(url),
            sender,
            public_url=public_url,
            callback_secret=callback_secret,
            timeout=timeout,
        )

    def __repr__(self) -> str:
        return f"KannelChannel(server={self.server!r}, sender={self.sender!r})"

    def dlr_url(self, key: str) -> str | None:
        """Where Kannel reports on the text with this key; None without a public URL."""
        if not self.public_url or not self._callback_secret:
            return None
        base = self.public_url.replace("%", "%%")
        return (
            f"{base}/callbacks/kannel/dlr?key={_kannel_literal(key)}&status=%d"
            f"&secret={_kannel_literal(self._callback_secret)}"
        )

    def send(self, message: Message) -> str:
        """Hand `message` to Kannel; see the class for what is returned and raised."""
        to = national_number(message.address)
        # Kannel counts UCS-2 units; a character beyond the BMP is two of them.
        length = len(message.text.encode("utf-16-be")) // 2
        if length > self.max_text_chars:
            raise DeliveryError(
                f"the text is {length} characters; the gateway sends at most "
                f"{self.max_text_chars} (concatenated SMS)",
                permanent=True,
            )
        params = {
            "username": self.server.username,
            "password": self.server.password,
            "to": to,
            "from": self.sender,
            "text": message.text,
            "charset": "UTF-8",
            "coding": "2",
        }
        dlr_url = self.dlr_url(message.key)
        if dlr_url is not None:
            params |= {"dlr-mask": str(DLR_MASK), "dlr-url": dlr_url}
        try:
            # A fresh connection per text: alerts are few and far apart, and a kept-alive one
            # may be one that a restarted smsbox no longer has.
            with httpx.Client(timeout=self.timeout) as client:
                response = client.get(self.server.sendsms_url, params=params)
        except httpx.HTTPError as exc:
            # Refused, timed out, dropped: the gateway may be back for the next attempt.
            raise DeliveryError(
                self._redacted(f"{self._where}: {type(exc).__name__}: {exc}"), permanent=False
            ) from exc
        answer = response.text.strip()
        if response.is_success and answer.startswith(_ACCEPTED):
            return f"kannel:{message.key}"
        raise self._refusal(response.status_code, answer)

    @property
    def _where(self) -> str:
        return f"Kannel at {self.server.host}:{self.server.port}"

    def _refusal(self, status: int, answer: str) -> DeliveryError:
        reply = self._redacted(f"{status} {answer[:_ANSWER_LIMIT]}")
        if status == httpx.codes.FORBIDDEN:
            return DeliveryError(
                f"configuration fault: {self._where} refused the sendsms user and password "
                f"({reply})",
                # An operator corrects the password; the message must still go out then.
                permanent=False,
            )
        if 400 <= status < 500:
            # Kannel's 400s say what it will never take: "Number(s) has/have been denied by
            # white- and/or black-lists.", "Missing receiver number, rejected", …
            return DeliveryError(
                f"{self._where} refused the text: {reply}", permanent=True, bad_address=True
            )
        # 5xx, or a 2xx that is neither "0:" nor "3:": not proof of acceptance, and retries
        # are bounded while a lost alert is not.
        return DeliveryError(f"{self._where} answered {reply}", permanent=False)

    def _redacted(self, text: str) -> str:
        # The password travels in the query string; keep it out of what is recorded.
        for secret in (self.server.password, self._callback_secret):
            if secret:
                text = text.replace(secret, "***")
        return text
