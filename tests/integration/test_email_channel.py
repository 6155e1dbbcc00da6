"""The e-mail channel against a real SMTP server (aiosmtpd) in this process, alone and as
the dispatcher uses it."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from anbu.adapters.channels import Channel, DeliveryError, Medium, Message
from anbu.adapters.channels.email import EmailChannel, Security, parse_smtp_url
from anbu.adapters.formats.officers_csv import read_officers
from anbu.bootstrap import Anbu
from anbu.services.dispatch import dispatch
from anbu.services.officers import import_officers

from builders import at, officer_row, officers_csv, subject_row, watermark
from flows import enrol_rows, feed, sweep_at
from gateways.smtp import RunningServer, parsed, run_server

SENDER = "anbu@centre.example.kr"
SENT_AT = datetime(2024, 11, 5, 1, 30, tzinfo=UTC)
USER, PASSWORD = "officer", "p@ss:w/rd%?#"


def text_of(mail: EmailMessage, subtype: str) -> str:
    """The decoded part, with line breaks as Python writes them: MIME carries text with CRLF
    (RFC 2046's canonical form), so that is what a receiver decodes."""
    part = mail.get_body((subtype,))
    assert isinstance(part, EmailMessage)
    content = part.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")


def a_message(**changes: Any) -> Message:
    fields: dict[str, Any] = {
        "key": "notification-17",
        "address": "daughter@family.example.kr",
        "subject": "안부 확인: 김영희 님 소식이 48시간째 없습니다",
        "text": "안녕하세요.\n김영희 님(서울 마포구)의 활동이 48시간 동안 없습니다.\n"
        "연락해 주세요.\n",
    }
    return Message(**(fields | changes))


def a_channel(port: int, url: str | None = None, **options: Any) -> Channel:
    """Typed as the interface, so that mypy checks that EmailChannel meets it."""
    return EmailChannel.from_url(
        url or f"smtp://127.0.0.1:{port}", SENDER, 5.0, clock=lambda: SENT_AT, **options
    )


def refusal(channel: Channel, message: Message) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        channel.send(message)
    return caught.value


@pytest.fixture
def server() -> Iterator[RunningServer]:
    yield from run_server()


@pytest.fixture
def auth_server() -> Iterator[RunningServer]:
    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data == (USER.encode(), PASSWORD.encode())
        return AuthResult(success=ok, handled=False)

    yield from run_server(authenticator=authenticate, auth_require_tls=False, auth_required=True)


@dataclass(frozen=True)
class Certificate:
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert_file))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(cert_file, key_file)


@pytest.fixture
def starttls_server(certificate: Certificate) -> Iterator[RunningServer]:
    yield from run_server(tls_context=certificate.server_context(), require_starttls=True)


@pytest.fixture
def tls_server(certificate: Certificate) -> Iterator[RunningServer]:
    yield from run_server(ssl_context=certificate.server_context())


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def silent_port() -> Iterator[int]:
    """Accepts connections (the kernel's backlog) but never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


@pytest.fixture
def hang_up_port() -> Iterator[int]:
    """Accepts each connection and closes it at once, before any greeting."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)

    def hang_up() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:  # the listener was closed: the test is over
                return
            connection.close()

    thread = threading.Thread(target=hang_up, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone does not
    listener.close()
    thread.join(timeout=5)
    assert not thread.is_alive()


# What arrives


def test_it_delivers_a_korean_subject_and_text_intact(server: RunningServer) -> None:
    message = a_message()

    a_channel(server.port).send(message)

    mail = server.mailbox.only_mail()
    assert mail["Subject"] == message.subject
    assert text_of(mail, "plain") == message.text


def test_it_sends_plain_text_alone_without_html(server: RunningServer) -> None:
    a_channel(server.port).send(a_message(html=None))

    mail = server.mailbox.only_mail()
    assert mail.get_content_type() == "text/plain"


def test_it_adds_the_html_alternative_when_given(server: RunningServer) -> None:
    html = "<p>김영희 님의 활동이 <b>48시간</b> 동안 없습니다.</p>\n"

    a_channel(server.port).send(a_message(html=html))

    mail = server.mailbox.only_mail()
    assert mail.get_content_type() == "multipart/alternative"
    assert text_of(mail, "html") == html
    assert text_of(mail, "plain") == a_message().text


def test_it_keeps_the_mail_seven_bit_clean(server: RunningServer) -> None:
    """Korean goes out encoded, so a server without 8BITMIME still gets valid mail."""
    a_channel(server.port).send(a_message(html="<p>한국어</p>"))

    content = server.mailbox.received[0].content
    assert isinstance(content, bytes)
    assert content.isascii()


def test_it_addresses_the_mail_from_the_sender_to_the_recipient(server: RunningServer) -> None:
    a_channel(server.port).send(a_message(address="son@family.example.kr"))

    envelope = server.mailbox.received[0]
    mail = parsed(envelope)
    assert (envelope.mail_from, envelope.rcpt_tos) == (SENDER, ["son@family.example.kr"])
    assert (mail["From"], mail["To"]) == (SENDER, "son@family.example.kr")


def test_it_dates_the_mail_by_its_clock(server: RunningServer) -> None:
    a_channel(server.port).send(a_message())

    assert server.mailbox.only_mail()["Date"].datetime == SENT_AT


def test_a_dispatched_alert_arrives_as_text_and_html_with_the_hangul_intact(
    anbu: Anbu, server: RunningServer
) -> None:
    anbu.options = replace(anbu.options, public_url="https://anbu.seongdong.example")
    wednesday_10 = at("2026-11-04 10:00")
    enrol_rows(anbu, subject_row(), now=at("2026-11-01 10:00"))
    staff = read_officers(officers_csv(officer_row(phone="")))  # e-mail only
    assert not import_officers(anbu, staff, now=wednesday_10, actor="t").rejected
    feed(anbu, watermark("SKT", wednesday_10), now=wednesday_10)
    assert len(sweep_at(anbu, wednesday_10).opened) == 1

    report = dispatch(anbu, {Medium.EMAIL: a_channel(server.port)}, now=wednesday_10)

    assert len(report.sent) == 1
    mail = server.mailbox.only_mail()
    assert mail.get_content_type() == "multipart/alternative"
    assert mail["Subject"] == "[안부] 왕십리도선동 김*수 님 48시간 통화 없음"
    plain, html = text_of(mail, "plain"), text_of(mail, "html")
    *words, ack_line = plain.rstrip("\n").split("\n")
    assert "왕십리도선동 김*수(SD-0001) 님 48시간 통화 없음" in "".join(words)
    assert ack_line.startswith("확인(접수): https://anbu.seongdong.example/a/")
    assert "왕십리도선동 김*수(SD-0001) 님 48시간 통화 없음" in html
    link = ack_line.removeprefix("확인(접수): ")
    assert f'<a href="{link}"' in html
    assert "확인(접수)하기</a>" in html
    assert "김영수" not in plain + html


# The Message-ID


def test_it_returns_the_message_id_as_the_provider_reference(server: RunningServer) -> None:
    reference = a_channel(server.port).send(a_message())

    assert server.mailbox.only_mail()["Message-ID"] == reference


def test_it_gives_a_repeat_of_the_same_key_the_same_message_id(server: RunningServer) -> None:
    first = a_channel(server.port).send(a_message(key="notification-17"))
    again = a_channel(server.port).send(a_message(key="notification-17"))

    received = [parsed(envelope)["Message-ID"] for envelope in server.mailbox.received]
    assert received == [first, first]
    assert again == first


def test_it_gives_different_keys_different_message_ids(server: RunningServer) -> None:
    keys = ["a b", "a_b", "a=20b", "알림 7", "<x@y>", "n.1"]

    references = [a_channel(server.port).send(a_message(key=key)) for key in keys]

    assert len(set(references)) == len(keys)


def test_it_escapes_what_a_message_id_cannot_hold(server: RunningServer) -> None:
    reference = a_channel(server.port).send(a_message(key="알림 <7>@x"))

    header = server.mailbox.only_mail()["Message-ID"]
    assert header == reference == "<=EC=95=8C=EB=A6=BC=20=3C7=3E=40x@centre.example.kr>"


# What is refused, and for how long


def test_it_treats_a_refused_recipient_as_permanent(server: RunningServer) -> None:
    server.mailbox.rcpt_replies["gone@family.example.kr"] = "550 no such user"

    error = refusal(a_channel(server.port), a_message(address="gone@family.example.kr"))

    assert error.permanent
    assert "550 no such user" in error.reason


def test_it_treats_a_451_for_the_recipient_as_transient(server: RunningServer) -> None:
    server.mailbox.rcpt_replies["busy@family.example.kr"] = "451 try later"

    error = refusal(a_channel(server.port), a_message(address="busy@family.example.kr"))

    assert not error.permanent
    assert "451 try later" in error.reason


def test_it_treats_refused_data_as_permanent(server: RunningServer) -> None:
    server.mailbox.data_reply = "554 message rejected"

    error = refusal(a_channel(server.port), a_message())

    assert error.permanent
    assert "554 message rejected" in error.reason


def test_it_treats_a_4xx_after_data_as_transient(server: RunningServer) -> None:
    server.mailbox.data_reply = "452 insufficient storage"

    assert not refusal(a_channel(server.port), a_message()).permanent


@pytest.mark.parametrize("address", ["not-an-address", "", "김영희 <a@b.kr>", "a@b.kr, c@d.kr"])
def test_it_treats_what_is_not_an_e_mail_address_as_permanent(
    server: RunningServer, address: str
) -> None:
    error = refusal(a_channel(server.port), a_message(address=address))

    assert error.permanent
    assert server.mailbox.received == []


def test_it_treats_a_closed_port_as_transient(closed_port: int) -> None:
    assert not refusal(a_channel(closed_port), a_message()).permanent


def test_it_treats_a_server_that_never_answers_as_transient(silent_port: int) -> None:
    channel = EmailChannel.from_url(f"smtp://127.0.0.1:{silent_port}", SENDER, timeout=0.3)
    outcome: list[DeliveryError] = []
    # In a thread, so that a send that ignores its timeout fails the test instead of hanging it.
    waiting = threading.Thread(target=lambda: outcome.append(refusal(channel, a_message())))
    waiting.daemon = True
    waiting.start()
    waiting.join(timeout=5)

    assert len(outcome) == 1
    assert not outcome[0].permanent


def test_it_treats_a_server_that_hangs_up_as_transient(hang_up_port: int) -> None:
    assert not refusal(a_channel(hang_up_port), a_message()).permanent


# Logging in

# The test server takes AUTH in the clear, as no certificate is needed to test the login.
auth_in_the_clear = pytest.mark.filterwarnings(
    "ignore:Requiring AUTH while not requiring TLS:UserWarning"
)


@auth_in_the_clear
def test_it_logs_in_with_the_user_and_password_from_the_url(auth_server: RunningServer) -> None:
    url = f"smtp://{USER}:{quote(PASSWORD, safe='')}@127.0.0.1:{auth_server.port}"

    a_channel(auth_server.port, url).send(a_message())

    assert len(auth_server.mailbox.received) == 1


@auth_in_the_clear
def test_it_treats_a_wrong_password_as_a_configuration_fault_retried_until_fixed(
    auth_server: RunningServer,
) -> None:
    url = f"smtp://{USER}:wrong@127.0.0.1:{auth_server.port}"

    error = refusal(a_channel(auth_server.port, url), a_message())

    assert not error.permanent  # an operator fixes it, then it goes out
    assert not error.bad_address
    assert "configuration" in error.reason
    assert auth_server.mailbox.received == []


def test_it_treats_a_server_without_auth_as_a_permanent_configuration_fault(
    server: RunningServer,
) -> None:
    url = f"smtp://{USER}:secret@127.0.0.1:{server.port}"

    error = refusal(a_channel(server.port, url), a_message())

    assert error.permanent
    assert "configuration" in error.reason


# TLS


def test_it_sends_over_starttls(starttls_server: RunningServer, certificate: Certificate) -> None:
    url = f"smtp://127.0.0.1:{starttls_server.port}?starttls=1"
    channel = a_channel(starttls_server.port, url, tls_context=certificate.client_context())

    channel.send(a_message())

    assert starttls_server.mailbox.only_mail()["Subject"] == a_message().subject


def test_it_sends_over_implicit_tls(tls_server: RunningServer, certificate: Certificate) -> None:
    url = f"smtps://127.0.0.1:{tls_server.port}"
    channel = a_channel(tls_server.port, url, tls_context=certificate.client_context())

    channel.send(a_message())

    assert tls_server.mailbox.only_mail()["Subject"] == a_message().subject


def test_it_treats_an_untrusted_certificate_as_a_permanent_configuration_fault(
    starttls_server: RunningServer,
) -> None:
    url = f"smtp://127.0.0.1:{starttls_server.port}?starttls=1"

    error = refusal(a_channel(starttls_server.port, url), a_message())

    assert error.permanent
    assert "certificate" in error.reason


def test_it_treats_a_missing_starttls_as_a_permanent_configuration_fault(
    server: RunningServer,
) -> None:
    url = f"smtp://127.0.0.1:{server.port}?starttls=1"

    error = refusal(a_channel(server.port, url), a_message())

    assert error.permanent
    assert server.mailbox.received == []


# Reading the URL


@pytest.mark.parametrize(
    ("url", "server"),
    [
        ("smtp://mail.example.kr", ("mail.example.kr", 25, Security.PLAIN)),
        ("smtp://mail.example.kr?starttls=1", ("mail.example.kr", 587, Security.STARTTLS)),
        ("smtp://mail.example.kr?starttls=0", ("mail.example.kr", 25, Security.PLAIN)),
        ("smtps://mail.example.kr", ("mail.example.kr", 465, Security.TLS)),
        ("smtp://mail.example.kr:2525?starttls=1", ("mail.example.kr", 2525, Security.STARTTLS)),
        ("SMTPS://MAIL.example.kr:4650/", ("mail.example.kr", 4650, Security.TLS)),
    ],
)
def test_it_reads_host_port_and_security_from_the_url(
    url: str, server: tuple[str, int, Security]
) -> None:
    parsed_server = parse_smtp_url(url)

    assert (parsed_server.host, parsed_server.port, parsed_server.security) == server


def test_it_percent_decodes_the_user_and_password() -> None:
    server = parse_smtp_url("smtp://anbu%40centre.kr:p%40ss%3Aw%2Frd@mail.example.kr")

    assert (server.username, server.password) == ("anbu@centre.kr", "p@ss:w/rd")


def test_it_has_no_credentials_when_the_url_has_no_user() -> None:
    server = parse_smtp_url("smtp://mail.example.kr")

    assert (server.username, server.password) == (None, None)


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("http://mail.example.kr", "smtp:// or smtps://"),
        ("mail.example.kr:25", "smtp:// or smtps://"),
        ("smtp://", "no host"),
        ("smtp://:25", "no host"),
        ("smtp://mail.example.kr:smtp", "port"),
        ("smtp://mail.example.kr:70000", "port"),
        ("smtp://mail.example.kr:0", "port"),
        ("smtp://mail.example.kr/relay", "path"),
        ("smtp://mail.example.kr?tls=1", "unknown option"),
        ("smtp://mail.example.kr?starttls=maybe", "starttls must be 1 or 0"),
        ("smtps://mail.example.kr?starttls=1", "TLS already"),
        ("smtp://user@mail.example.kr", "without a password"),
        ("smtp://:secret@mail.example.kr", "without a user"),
        ("smtp://user:%ED%95%9C@mail.example.kr", "ASCII"),
        ("smtp://[::1/", "cannot be parsed"),
    ],
)
def test_it_rejects_a_malformed_url_saying_what_is_wrong(url: str, complaint: str) -> None:
    with pytest.raises(ValueError, match="SMTP URL") as caught:
        EmailChannel.from_url(url, SENDER)

    assert complaint in str(caught.value)


@pytest.mark.parametrize(
    ("url", "secrets"),
    [
        # '#' ends the authority early: urllib reads "hunter2" as the port
        ("smtp://user:hunter2#zebra@mail.example.kr", ["hunter2", "zebra"]),
        # '?' puts "zebra@…" in the query
        ("smtp://user:54321?zebra@mail.example.kr", ["zebra"]),
        # '/' puts "zebra@…" in the path
        ("smtp://user:54321/zebra@mail.example.kr", ["zebra"]),
    ],
)
def test_it_never_shows_the_password_in_a_url_error(url: str, secrets: list[str]) -> None:
    with pytest.raises(ValueError, match="SMTP URL") as caught:
        EmailChannel.from_url(url, SENDER)

    shown = "".join(traceback.format_exception(caught.value))
    assert [secret for secret in secrets if secret in shown] == []


def test_it_keeps_the_password_out_of_its_repr() -> None:
    channel = EmailChannel.from_url("smtp://user:hunter2@mail.example.kr", SENDER)

    assert "hunter2" not in repr(channel)
    assert "hunter2" not in repr(channel.server)


def test_it_rejects_a_sender_that_is_not_an_e_mail_address() -> None:
    with pytest.raises(ValueError, match="sender"):
        EmailChannel.from_url("smtp://mail.example.kr", "안부 센터")


def test_it_is_the_e_mail_medium() -> None:
    assert EmailChannel.from_url("smtp://mail.example.kr", SENDER).medium is Medium.EMAIL
