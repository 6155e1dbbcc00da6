"""The Kannel channel against a real Kannel (bearerbox, smsbox, fakesmsc) on loopback ports."""

from __future__ import annotations

import io
import re
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from anbu.adapters.channels import DeliveryError, Medium, Message
from anbu.adapters.channels.kannel import KannelChannel, national_number, parse_kannel_url
from anbu.bootstrap import configured_channels
from anbu.settings import Settings

from gateways.kannel import DENIED_NUMBER, PASSWORD, KannelGateway, free_ports

SENDER = "15880000"
OFFICER = "+821012345678"
ALERT = "[안부] 성수1가1동 김*수(S-0001) 님 48시간 통화 없음 — 11월 24일 09:00부터. 확인 바랍니다."
# A secret with every character that means something to a URL or to Kannel's escapes.
CALLBACK_SECRET = "s3cr%C/&?=#+ A"


def a_message(**changes: Any) -> Message:
    fields: dict[str, Any] = {
        "key": "alert-7.officer-3.sms.open",
        "address": OFFICER,
        "subject": "안부 확인 요청",
        "text": ALERT,
    }
    fields.update(changes)
    return Message(**fields)


def channel_for(kannel: KannelGateway, **options: Any) -> KannelChannel:
    return KannelChannel.from_url(kannel.sms_url, SENDER, **options)


@dataclass
class Callbacks:
    """A tiny HTTP server that records each GET's path and query, standing in for
    `anbu serve`'s callback endpoints."""

    url: str
    requests: list[str] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict[str, list[str]]]:
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.requests) >= count, timeout):
                raise AssertionError(f"{len(self.requests)} callbacks, not {count}")
            return [parse_qs(urlsplit(path).query) for path in self.requests]


@pytest.fixture
def callbacks() -> Iterator[Callbacks]:
    recorder: Callbacks

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with recorder.arrived:
                recorder.requests.append(self.path)
                recorder.arrived.notify_all()
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    recorder = Callbacks(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield recorder
    server.shutdown()
    server.server_close()
    thread.join()


# -- what arrives ------------------------------------------------------------------------


def test_it_delivers_korean_text_intact_as_ucs2(kannel: KannelGateway) -> None:
    reference = channel_for(kannel).send(a_message())

    [received] = kannel.wait_for(1)
    assert received.text == ALERT
    assert received.coding == "ucs-2"
    assert (received.sender, received.to, received.parts) == (SENDER, "01012345678", 1)
    assert reference == "kannel:alert-7.officer-3.sms.open"


def test_it_sends_a_long_text_whole_as_a_concatenated_sms(kannel: KannelGateway) -> None:
    long_text = "\n".join(f"{n}. {ALERT}" for n in range(1, 11))[:600]
    assert len(long_text) == 600

    channel_for(kannel).send(a_message(text=long_text))

    [received] = kannel.wait_for(1)
    assert received.text == long_text
    assert received.coding == "ucs-2"
    assert received.parts == 9  # 67 UCS-2 characters a part


def test_it_sends_a_text_of_the_full_thousand_characters(kannel: KannelGateway) -> None:
    longest = ("가나다라마바사아자차카타파하 " * 80)[:1000]

    channel_for(kannel).send(a_message(text=longest))

    [received] = kannel.wait_for(1)
    assert received.text == longest


def test_a_text_longer_than_the_gateway_takes_is_refused_before_sending(
    kannel: KannelGateway,
) -> None:
    # Kannel would cut it at max-messages parts without a word; better to fail loudly.
    with pytest.raises(DeliveryError) as caught:
        channel_for(kannel).send(a_message(text="가" * 1001))

    assert caught.value.permanent
    assert "1001 characters" in caught.value.reason
    channel_for(kannel).send(a_message(text="다음"))
    assert [sms.text for sms in kannel.wait_for(1)] == ["다음"]


# -- delivery reports --------------------------------------------------------------------


def test_it_asks_kannel_for_delivery_reports_at_the_public_url(
    kannel: KannelGateway, callbacks: Callbacks
) -> None:
    channel = channel_for(kannel, public_url=callbacks.url + "/", callback_secret=CALLBACK_SECRET)

    channel.send(a_message())

    reports = callbacks.wait_for(2)
    assert all(urlsplit(path).path == "/callbacks/kannel/dlr" for path in callbacks.requests)
    assert [report["key"] for report in reports] == [["alert-7.officer-3.sms.open"]] * 2
    assert [report["secret"] for report in reports] == [[CALLBACK_SECRET]] * 2
    # 8: the SMSC took it; 1: delivered to the phone.
    assert sorted(report["status"][0] for report in reports) == ["1", "8"]


def test_without_a_public_url_it_asks_for_no_report(kannel: KannelGateway) -> None:
    channel = channel_for(kannel)

    channel.send(a_message())

    kannel.wait_for(1)
    assert channel.dlr_url("any") is None
    # bearerbox logs each text's delivery-report mask as the last of its flags.
    [sent] = [line for line in kannel.access_log() if "Sent SMS" in line]
    assert re.search(r"\[flags:[^\]]*:-1\]", sent)


def test_a_public_url_without_a_callback_secret_is_a_configuration_error(
    kannel: KannelGateway,
) -> None:
    with pytest.raises(ValueError, match="ANBU_CALLBACK_SECRET"):
        channel_for(kannel, public_url="http://127.0.0.1:8000")


# -- refusals ----------------------------------------------------------------------------


def test_a_wrong_password_is_a_configuration_fault_retried_until_fixed(
    kannel: KannelGateway,
) -> None:
    url = kannel.sms_url.replace(PASSWORD, "wrong-password")

    with pytest.raises(DeliveryError) as caught:
        KannelChannel.from_url(url, SENDER).send(a_message())

    assert not caught.value.permanent  # an operator fixes it, then it goes out
    assert not caught.value.bad_address
    assert "configuration fault" in caught.value.reason
    assert "403 Authorization failed for sendsms" in caught.value.reason
    assert "wrong-password" not in caught.value.reason


def test_a_number_the_gateway_denies_is_permanent(kannel: KannelGateway) -> None:
    with pytest.raises(DeliveryError) as caught:
        channel_for(kannel).send(a_message(address=DENIED_NUMBER))

    assert caught.value.permanent
    assert caught.value.bad_address  # flagged for an administrator
    assert "400 Number(s) has/have been denied" in caught.value.reason


@pytest.mark.parametrize("address", ["+14155550123", "01012345678", "+82", "+8210abc45678", ""])
def test_an_address_that_is_not_korean_e164_is_permanent_and_not_sent(address: str) -> None:
    # Nothing listens there: an attempt to send would be a transient ConnectError.
    channel = KannelChannel.from_url(f"kannel://anbu:pw@127.0.0.1:{free_ports(1)[0]}", SENDER)

    with pytest.raises(DeliveryError) as caught:
        channel.send(a_message(address=address))

    assert caught.value.permanent
    assert "not a Korean phone number" in caught.value.reason
    if len(address) > 4:
        assert address not in caught.value.reason  # an address is shown only in part


# -- a gateway that is down --------------------------------------------------------------


def test_a_stopped_gateway_is_transient_and_a_later_attempt_goes_through(
    kannel: KannelGateway,
) -> None:
    channel = channel_for(kannel)
    channel.send(a_message(text="첫 번째"))
    kannel.wait_for(1)
    kannel.stop_bearerbox()

    with pytest.raises(DeliveryError) as caught:
        channel.send(a_message(text="두 번째"))
    assert not caught.value.permanent
    assert "ConnectError" in caught.value.reason

    kannel.start_bearerbox()
    channel.send(a_message(text="두 번째"))
    assert [sms.text for sms in kannel.wait_for(2)] == ["첫 번째", "두 번째"]


def test_texts_wait_in_kannel_while_the_smsc_link_is_down(kannel: KannelGateway) -> None:
    kannel.stop_smsc()

    # Kannel answers "3: Queued for later delivery": the gateway has it, so it is sent.
    assert channel_for(kannel).send(a_message()) == "kannel:alert-7.officer-3.sms.open"

    kannel.start_smsc()
    assert [sms.text for sms in kannel.wait_for(1)] == [ALERT]


def test_a_gateway_that_does_not_answer_is_a_transient_timeout() -> None:
    # A listening socket nobody accepts on: the connection opens, no answer ever comes.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"kannel://anbu:pw@127.0.0.1:{silent.getsockname()[1]}"

        with pytest.raises(DeliveryError) as caught:
            KannelChannel.from_url(url, SENDER, timeout=0.3).send(a_message())

    assert not caught.value.permanent
    assert "Timeout" in caught.value.reason


# -- texts from phones -------------------------------------------------------------------


def test_a_text_from_a_phone_reaches_the_incoming_url(
    make_kannel: Callable[..., KannelGateway], callbacks: Callbacks
) -> None:
    incoming = callbacks.url + "/callbacks/kannel/incoming?secret=abc&from=%p&text=%a"
    kannel = make_kannel(incoming_url=incoming)

    kannel.send_incoming("01012345678", SENDER, "확인했습니다. 방문 예정 1")

    [request] = callbacks.wait_for(1)
    assert request == {
        "secret": ["abc"],
        "from": ["01012345678"],
        "text": ["확인했습니다. 방문 예정 1"],
    }
    assert kannel.received() == []  # no reply goes back to the phone


# -- the URL and the settings ------------------------------------------------------------


def test_the_url_gives_the_sendsms_address_and_percent_decoded_credentials() -> None:
    server = parse_kannel_url("kannel://an%40bu:p%3Ass%2Fw@gateway.local:13013")

    assert (server.username, server.password) == ("an@bu", "p:ss/w")
    assert server.sendsms_url == "http://gateway.local:13013/cgi-bin/sendsms"
    assert (
        parse_kannel_url("kannel://u:p@[::1]").sendsms_url == "http://[::1]:13013/cgi-bin/sendsms"
    )
    assert "p:ss/w" not in repr(server)


@pytest.mark.parametrize(
    "url",
    [
        "smtp://u:p@host",
        "kannel://host:13013",
        "kannel://u@host",
        "kannel://u:secret@",
        "kannel://u:secret@host:port",
        "kannel://u:sec/ret@host:13013",
        "kannel://u:secret@host:13013?x=1",
    ],
)
def test_a_url_that_cannot_be_used_is_refused_without_quoting_the_password(url: str) -> None:
    with pytest.raises(ValueError, match="Kannel URL") as caught:
        parse_kannel_url(url)

    assert "secret" not in str(caught.value)
    assert "ret@" not in str(caught.value)


def test_the_national_form_is_what_korean_smscs_take() -> None:
    assert national_number("+821012345678") == "01012345678"
    assert national_number("+8221234567") == "021234567"


def test_the_settings_choose_kannel_for_a_kannel_url(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        sms_url="kannel://anbu:pw@127.0.0.1:13013",
        sms_sender="0221234567",
        public_url="http://127.0.0.1:8000",
        callback_secret="shared",
    )

    channel = configured_channels(settings, io.StringIO())[Medium.SMS]

    assert isinstance(channel, KannelChannel)
    assert channel.sender == "0221234567"
    assert channel.dlr_url("k") == (
        "http://127.0.0.1:8000/callbacks/kannel/dlr?key=k&status=%d&secret=shared"
    )
