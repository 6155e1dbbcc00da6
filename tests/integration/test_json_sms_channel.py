"""The HTTP JSON SMS channel against a real HTTP server in this process, which records each
request and answers as told."""

from __future__ import annotations

import contextlib
import io
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from anbu.adapters.channels import DeliveryError, Medium, Message
from anbu.adapters.channels.http_json import JsonSmsChannel, parse_json_sms_url
from anbu.bootstrap import configured_channels
from anbu.settings import Settings

from gateways.kannel import free_ports

API_KEY = "key-0123:ab/c"  # ':' and '/' percent-encoded in the URL
SENDER = "15880000"
OFFICER = "+821012345678"
KEY = "alert-7.officer-3.sms.open"
SHORT = "[안부] 성수1가1동 김*수(S-0001) 님 48시간 통화 없음"


@dataclass
class Answer:
    status: int = 200
    body: Any = None  # JSON unless bytes; None: {"messageId": "m-<n>"}
    delay: float = 0.0


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Provider:
    """The provider's side: what was asked, and the answers to give, in order."""

    port: int
    requests: list[Recorded] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)

    def url(self, key: str = "key-0123%3Aab%2Fc", path: str = "/v1/messages") -> str:
        return f"http+json://{key}@127.0.0.1:{self.port}{path}"

    def channel(self, **options: Any) -> JsonSmsChannel:
        return JsonSmsChannel.from_url(self.url(), SENDER, **options)

    def only_request(self) -> Recorded:
        assert len(self.requests) == 1
        return self.requests[0]


@pytest.fixture
def provider() -> Iterator[Provider]:
    recorder: Provider

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            recorder.requests.append(
                Recorded("POST", self.path, dict(self.headers.items()), json.loads(raw))
            )
            answer = recorder.answers.pop(0) if recorder.answers else Answer()
            time.sleep(answer.delay)
            body = answer.body
            if body is None:
                body = {"messageId": f"m-{len(recorder.requests)}"}
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            # A client that timed out has gone: nobody is left to answer.
            with contextlib.suppress(ConnectionError):
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True  # a handler still sleeping does not hold up the end
    recorder = Provider(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield recorder
    server.shutdown()
    server.server_close()
    thread.join()


def a_message(**changes: Any) -> Message:
    fields: dict[str, Any] = {
        "key": KEY,
        "address": OFFICER,
        "subject": "안부 확인 요청",
        "text": SHORT,
    }
    fields.update(changes)
    return Message(**fields)


# -- the request -------------------------------------------------------------------------


def test_it_posts_the_text_as_json_with_the_api_key_and_the_idempotency_key(
    provider: Provider,
) -> None:
    provider.channel().send(a_message())

    request = provider.only_request()
    assert (request.method, request.path) == ("POST", "/v1/messages")
    assert request.headers["X-API-Key"] == API_KEY
    assert request.headers["Idempotency-Key"] == KEY
    assert request.headers["Content-Type"] == "application/json"
    assert request.body == {
        "to": "01012345678",
        "from": SENDER,
        "type": "SMS",
        "text": SHORT,
        "reference": KEY,
    }


def test_the_message_id_is_the_reference(provider: Provider) -> None:
    provider.answers = [
        Answer(body={"messageId": "20261124-000123"}),
        Answer(body={"messageId": 7}),
    ]

    assert provider.channel().send(a_message()) == "json:20261124-000123"
    assert provider.channel().send(a_message()) == "json:7"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("가" * 45, "SMS"),  # 90 bytes in EUC-KR
        ("가" * 45 + "a", "LMS"),  # 91
        ("a" * 90, "SMS"),
        ("a" * 91, "LMS"),
        ("가" * 1000, "LMS"),  # 2,000 bytes: the most an LMS holds
    ],
    ids=["90-bytes", "91-bytes", "90-ascii", "91-ascii", "2000-bytes"],
)
def test_sms_or_lms_follows_the_length_in_euc_kr_bytes(
    provider: Provider, text: str, kind: str
) -> None:
    provider.channel().send(a_message(text=text))

    body = provider.only_request().body
    assert body["type"] == kind
    assert body["text"] == text
    # Only an LMS has a subject line.
    assert body.get("subject") == ("안부 확인 요청" if kind == "LMS" else None)


def test_a_text_longer_than_an_lms_is_refused_without_a_request(provider: Provider) -> None:
    with pytest.raises(DeliveryError) as caught:
        provider.channel().send(a_message(text="가" * 1000 + "a"))

    assert caught.value.permanent
    assert "2001 bytes" in caught.value.reason
    assert provider.requests == []


def test_a_character_korean_sms_cannot_carry_is_refused_without_a_request(
    provider: Provider,
) -> None:
    with pytest.raises(DeliveryError) as caught:
        provider.channel().send(a_message(text="확인 부탁드립니다 🙏"))

    assert caught.value.permanent
    assert "🙏" in caught.value.reason
    assert provider.requests == []


@pytest.mark.parametrize("address", ["+14155550123", "01012345678", ""])
def test_an_address_that_is_not_korean_e164_is_refused_without_a_request(
    provider: Provider, address: str
) -> None:
    with pytest.raises(DeliveryError) as caught:
        provider.channel().send(a_message(address=address))

    assert caught.value.permanent
    assert provider.requests == []


# -- the provider's answers --------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 408, 429])
def test_a_server_error_or_a_not_now_is_transient(provider: Provider, status: int) -> None:
    provider.answers = [Answer(status, {"message": "try later"})]

    with pytest.raises(DeliveryError) as caught:
        provider.channel().send(a_message())

    assert not caught.value.permanent
    assert f"{status} try later" in caught.value.reason


def test_a_bad_request_is_permanent_in_the_providers_words(provider: Provider) -> None:
    provider.answers = [Answer(400, {"error": "수신번호 형식 오류 (invalid recipient)"})]

    with pytest.raises(DeliveryError) as caught:
        provider.channel().send(a_message())

    assert caught.value.permanent
    assert "400 수신번호 형식 오류 (invalid recipient)" in caught.value.reason


def test_a_refused_api_key_is_a_configuration_fault_retried_until_fixed(provider: Provider) -> None:
    provider.answers = [Answer(401, b"unauthorized: key-0123:ab/c is not valid")]

    with pytest.raises(DeliveryError) as caught:
        provider.channel().send(a_message())

    assert not caught.value.permanent  # an operator fixes it, then it goes out
    assert not caught.value.bad_address
    assert "configuration fault" in caught.value.reason
    assert API_KEY not in caught.value.reason  # even when the provider repeats it


@pytest.mark.parametrize(
    "body", [{"status": "ok"}, {"messageId": ""}, {"messageId": True}, b"<html>OK</html>", []]
)
def test_a_success_without_a_message_id_is_transient(provider: Provider, body: Any) -> None:
    # Not proof that the provider took it; the Idempotency-Key makes the retry safe.
    provider.answers = [Answer(200, body)]

    with pytest.raises(DeliveryError) as caught:
        provider.channel().send(a_message())

    assert not caught.value.permanent
    assert "without a messageId" in caught.value.reason


def test_a_retry_carries_the_same_idempotency_key(provider: Provider) -> None:
    provider.answers = [Answer(503, {"message": "busy"})]
    channel = provider.channel()

    with pytest.raises(DeliveryError):
        channel.send(a_message())
    channel.send(a_message())

    assert [r.headers["Idempotency-Key"] for r in provider.requests] == [KEY, KEY]
    assert provider.requests[0].body == provider.requests[1].body


# -- a provider that cannot be reached ---------------------------------------------------


def test_a_refused_connection_is_transient() -> None:
    channel = JsonSmsChannel.from_url(f"http+json://k@127.0.0.1:{free_ports(1)[0]}/send", SENDER)

    with pytest.raises(DeliveryError) as caught:
        channel.send(a_message())

    assert not caught.value.permanent
    assert "ConnectError" in caught.value.reason


def test_a_provider_slower_than_the_timeout_is_transient(provider: Provider) -> None:
    provider.answers = [Answer(delay=1.0)]

    started = time.monotonic()
    with pytest.raises(DeliveryError) as caught:
        provider.channel(timeout=0.2).send(a_message())

    assert time.monotonic() - started < 0.9
    assert not caught.value.permanent
    assert "ReadTimeout" in caught.value.reason


# -- the URL and the settings ------------------------------------------------------------


def test_the_url_gives_the_endpoint_and_the_percent_decoded_key() -> None:
    api = parse_json_sms_url("https+json://k%40y@sms.example.kr:8443/v2/send?account=7")

    assert api.endpoint == "https://sms.example.kr:8443/v2/send?account=7"
    assert api.api_key == "k@y"
    assert "k@y" not in repr(api)
    assert parse_json_sms_url("https+json://k@[::1]").endpoint == "https://[::1]/"
    assert parse_json_sms_url("http+json://k@localhost:8080/x").endpoint == (
        "http://localhost:8080/x"
    )


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("https://secret@sms.example.kr/send", "must start with"),
        ("https+json://sms.example.kr/send", "needs the API key"),
        ("https+json://user:secret@sms.example.kr/send", "needs the API key"),
        ("https+json://secret@/send", "no host"),
        ("https+json://secret@sms.example.kr:port/send", "cannot be parsed"),
        ("http+json://secret@sms.example.kr/send", "only for a provider on this machine"),
        ("http+json://secret@10.0.0.5/send", "only for a provider on this machine"),
    ],
)
def test_a_url_that_cannot_be_used_is_refused_without_quoting_the_key(
    url: str, complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint) as caught:
        parse_json_sms_url(url)

    assert "secret" not in str(caught.value)


def test_the_settings_choose_the_json_channel_for_its_urls(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, sms_url="https+json://KEY@sms.example.kr/v1/send")

    channel = configured_channels(settings, io.StringIO())[Medium.SMS]

    assert isinstance(channel, JsonSmsChannel)
    assert channel.api.endpoint == "https://sms.example.kr/v1/send"
    assert channel.sender == SENDER  # the default


def test_an_unknown_sms_scheme_names_every_supported_one(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, sms_url="twilio://sid:token@api")

    with pytest.raises(ValueError, match="'twilio'") as caught:
        configured_channels(settings, io.StringIO())

    for scheme in ("console://", "kannel://", "https+json://", "http+json://"):
        assert scheme in str(caught.value)
