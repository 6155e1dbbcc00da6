"""The HTTP JSON channel: each text POSTed as JSON to an SMS provider's API.

The provider is named by `ANBU_SMS_URL=https+json://APIKEY@host[:port]/path` (the API key
percent-decoded; `http+json://` only for a provider on this machine, as in the tests). Each
text is one request:

    POST /path
    X-API-Key: APIKEY
    Idempotency-Key: <notification key>
    {"to": "01012345678", "from": "15880000", "type": "SMS" | "LMS", "subject": … (LMS only),
     "text": …, "reference": <notification key>}

and the provider answers `{"messageId": …}`. The type follows how Korean carriers bill: a
text of up to 90 bytes in EUC-KR (CP949) is an SMS, up to 2,000 bytes an LMS.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import quote, unquote, urlsplit

import httpx

from anbu.adapters.channels import DeliveryError, Medium, Message
from anbu.adapters.channels.kannel import national_number

SMS_MAX_BYTES = 90
LMS_MAX_BYTES = 2000
# The encoding Korean carriers count message length in (CP949 is EUC-KR with every Hangul
# syllable; each is two bytes in both).
CARRIER_ENCODING = "cp949"
_ANSWER_LIMIT = 200
# 408 and 429 say "not now"; 5xx says the provider is at fault. Other 4xx will not change.
_TRANSIENT_4XX = frozenset({408, 429})
_LOOPBACK_NAMES = frozenset({"localhost"})


class SmsType(StrEnum):
    SMS = "SMS"
    LMS = "LMS"


@dataclass(frozen=True, slots=True)
class JsonSmsApi:
    """Where the provider's API is and the key to it, as read from the URL."""

    endpoint: str
    api_key: str = field(repr=False)


def parse_json_sms_url(url: str) -> JsonSmsApi:
    """Read an `https+json://APIKEY@host[:port]/path` URL (or `http+json://` for a loopback
    host). Raises ValueError naming what is wrong, never quoting the API key."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 — read for its check: a port that is not a number raises
    except ValueError:
        raise ValueError(
            "SMS API URL cannot be parsed (percent-encode any special characters in the API "
            "key; the port must be a number)"
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in ("https+json", "http+json"):
        raise ValueError("SMS API URL must start with https+json:// or http+json://")
    if not parts.hostname:
        raise ValueError("SMS API URL has no host")
    if not parts.username or parts.password is not None:
        raise ValueError("SMS API URL needs the API key, alone, before '@': https+json://KEY@…")
    if parts.fragment:
        raise ValueError("SMS API URL has a '#'; percent-encode it in the API key")
    api_key = unquote(parts.username)
    # It travels as a header value, which is ASCII without control characters.
    if not api_key.isascii() or not api_key.isprintable():
        raise ValueError("SMS API key must be printable ASCII")
    if scheme == "http+json" and not _is_loopback(parts.hostname):
        raise ValueError(
            "http+json:// would send the API key and the texts unencrypted; it is only for a "
            "provider on this machine (127.0.0.1, ::1, localhost): use https+json://"
        )
    host_and_port = parts.netloc.rpartition("@")[2]
    query = f"?{parts.query}" if parts.query else ""
    endpoint = f"{scheme.removesuffix('+json')}://{host_and_port}{parts.path or '/'}{query}"
    return JsonSmsApi(endpoint, api_key)


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def sms_type(text: str) -> SmsType:
    """SMS or LMS by the text's length in carrier bytes. Raises DeliveryError (permanent) for a
    text longer than an LMS or with characters Korean carriers cannot carry."""
    try:
        size = len(text.encode(CARRIER_ENCODING))
    except UnicodeEncodeError as exc:
        character = exc.object[exc.start : exc.end]
        raise DeliveryError(
            f"the text has a character Korean SMS cannot carry: {character!r}", permanent=True
        ) from exc
    if size <= SMS_MAX_BYTES:
        return SmsType.SMS
    if size <= LMS_MAX_BYTES:
        return SmsType.LMS
    raise DeliveryError(
        f"the text is {size} bytes in {CARRIER_ENCODING}; an LMS holds at most {LMS_MAX_BYTES}",
        permanent=True,
    )


class JsonSmsChannel:
    """Sends each `Message` as one SMS or LMS through a provider's JSON API.

    `send` returns `json:<messageId>`, or raises DeliveryError: `permanent=False` for what a
    later attempt can fix (no connection, a timeout, 408, 429, 5xx, a success answer without
    a messageId, any other unexpected status); `permanent=True` for the provider's other 4xx
    (401 and 403 are configuration faults; 400 a bad number or text), with the provider's own
    words, and for a text anbu knows cannot go (not a Korean number, too long, a character
    outside EUC-KR). Retries are safe: the provider gets the same Idempotency-Key each time.
    """

    medium: Medium = Medium.SMS

    def __init__(self, api: JsonSmsApi, sender: str, *, timeout: float = 10.0) -> None:
        if not sender.isdigit() or not sender.isascii():
            raise ValueError(f"the SMS sender must be digits only, not {sender!r}")
        self.api = api
        self.sender = sender
        self.timeout = timeout

    @classmethod
    def from_url(cls, url: str, sender: str, *, timeout: float = 10.0) -> JsonSmsChannel:
        """Raises ValueError for a malformed URL or sender. `timeout` bounds connecting and
        each read or write, in seconds."""
        return cls(parse_json_sms_url(url), sender, timeout=timeout)

    def __repr__(self) -> str:
        return f"JsonSmsChannel(api={self.api!r}, sender={self.sender!r})"

    def request_body(self, message: Message) -> dict[str, str]:
        """What is POSTed for `message`. Raises DeliveryError (permanent) as `send` does."""
        kind = sms_type(message.text)
        body = {"to": national_number(message.address), "from": self.sender, "type": kind}
        if kind is SmsType.LMS:
            body["subject"] = message.subject
        return body | {"text": message.text, "reference": message.key}

    def send(self, message: Message) -> str:
        """Hand `message` to the provider; see the class for what is returned and raised."""
        body = self.request_body(message)
        headers = {"X-API-Key": self.api.api_key, "Idempotency-Key": _header_value(message.key)}
        try:
            with httpx.Client(timeout=self.timeout) as client:
                response = client.post(self.api.endpoint, json=body, headers=headers)
        except httpx.HTTPError as exc:
            # Refused, timed out, dropped: the provider may answer the next attempt.
            raise DeliveryError(
                self._redacted(f"{self._where}: {type(exc).__name__}: {exc}"), permanent=False
            ) from exc
        if response.is_success:
            message_id = _message_id(response)
            if message_id is not None:
                return f"json:{message_id}"
            # Not proof of acceptance (a proxy's page answers 200 too); the Idempotency-Key
            # keeps a provider that did accept from sending it twice.
            raise DeliveryError(
                f"{self._where} answered {self._reply(response)} without a messageId",
                permanent=False,
            )
        raise self._refusal(response)

    @property
    def _where(self) -> str:
        return f"SMS API at {httpx.URL(self.api.endpoint).host}"

    def _refusal(self, response: httpx.Response) -> DeliveryError:
        status, reply = response.status_code, self._reply(response)
        if status in _TRANSIENT_4XX or status >= 500 or status < 400:
            return DeliveryError(f"{self._where} answered {reply}", permanent=False)
        if status in (httpx.codes.UNAUTHORIZED, httpx.codes.FORBIDDEN):
            return DeliveryError(
                f"configuration fault: {self._where} refused the API key ({reply})",
                # An operator corrects the key; the message must still go out then.
                permanent=False,
            )
        # The provider's other 4xx: most often the number (unassigned, blocked, not mobile).
        return DeliveryError(
            f"{self._where} refused the text: {reply}", permanent=True, bad_address=True
        )

    def _reply(self, response: httpx.Response) -> str:
        return self._redacted(f"{response.status_code} {_provider_words(response)}")

    def _redacted(self, text: str) -> str:
        return text.replace(self.api.api_key, "***")


def _message_id(response: httpx.Response) -> str | None:
    try:
        answer = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if not isinstance(answer, dict):
        return None
    message_id = answer.get("messageId")
    # bool is an int too, and no id.
    if (isinstance(message_id, str) and message_id) or type(message_id) is int:
        return str(message_id)
    return None


def _provider_words(response: httpx.Response) -> str:
    """The provider's own explanation: a JSON error's message where there is one, else the
    start of the body."""
    try:
        answer = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        answer = None
    if isinstance(answer, dict):
        for name in ("message", "error", "detail", "errorMessage"):
            words = answer.get(name)
            if isinstance(words, str) and words:
                return words[:_ANSWER_LIMIT]
    return response.text.strip()[:_ANSWER_LIMIT] or response.reason_phrase


def _header_value(key: str) -> str:
    # Header values are ASCII; anbu's keys are, but a key that is not must not break sending.
    return key if key.isascii() and key.isprintable() else quote(key, safe="")
