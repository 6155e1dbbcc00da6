"""The e-mail channel: one message, one SMTP connection, handed to the configured mail server.

The server is named by a URL:

- `smtp://user:pass@host:port` — plain SMTP (default port 25);
- `smtp://host?starttls=1` — upgraded with STARTTLS before anything else (default port 587);
- `smtps://host` — TLS from the first byte (default port 465).

The user and password are optional, percent-decoded, and never appear in an error or a repr.
"""

from __future__ import annotations

import contextlib
import email.policy
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import errors as email_errors
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from enum import StrEnum
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

from anbu.adapters.channels import DeliveryError, Medium, Message

# 7bit: non-ASCII bodies go out base64 or quoted-printable, so that a server without
# 8BITMIME (which smtplib never negotiates for us) still receives well-formed mail.
_POLICY = email.policy.SMTP.clone(cte_type="7bit")

# Characters kept as they are in a Message-ID's left part; everything else is escaped.
_ID_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")

_YES, _NO = frozenset({"1", "true", "yes"}), frozenset({"0", "false", "no"})


class Security(StrEnum):
    PLAIN = "plain"
    STARTTLS = "starttls"
    TLS = "tls"  # implicit TLS (smtps)


_DEFAULT_PORTS = {Security.PLAIN: 25, Security.STARTTLS: 587, Security.TLS: 465}


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where and how to hand mail over, as read from the URL."""

    host: str
    port: int
    security: Security
    username: str | None = None
    password: str | None = field(default=None, repr=False)


def parse_smtp_url(url: str) -> SmtpServer:
    """Read an `smtp://` or `smtps://` URL. Raises ValueError naming what is wrong; the
    message never contains the password (nor the URL, which holds it)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        raise ValueError(
            "SMTP URL cannot be parsed (is the host in [brackets] well formed?)"
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps"):
        raise ValueError(f"SMTP URL must start with smtp:// or smtps://, not {scheme or '(none)'}")
    if parts.path not in ("", "/") or parts.fragment:
        raise ValueError(
            "SMTP URL has a path or '#' after the host; percent-encode any '/', '#', '?' or '@' "
            "in the user and password"
        )
    host = parts.hostname
    if not host:
        raise ValueError("SMTP URL has no host")
    security = _security(scheme, parts.query)
    username, password = _credentials(parts.username, parts.password)
    return SmtpServer(host, _port(parts, security), security, username, password)


def _security(scheme: str, query: str) -> Security:
    # The query is not quoted back: an unencoded '?' in the password puts its tail here.
    starttls = False
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name != "starttls":
            raise ValueError("SMTP URL has an unknown option after '?'; only starttls is known")
        if value.lower() not in _YES | _NO:
            raise ValueError("SMTP URL option starttls must be 1 or 0")
        starttls = value.lower() in _YES
    if scheme == "smtps":
        if starttls:
            raise ValueError("SMTP URL asks for starttls on smtps://, which is TLS already")
        return Security.TLS
    return Security.STARTTLS if starttls else Security.PLAIN


def _port(parts: SplitResult, security: Security) -> int:
    try:
        port = parts.port
    except ValueError:
        # `from None`: urllib's own message quotes the text after ':', which is the password
        # when an unencoded '#' or '/' cut the URL short.
        raise ValueError(
            "SMTP URL port must be a number from 1 to 65535 (percent-encode any special "
            "characters in the user and password)"
        ) from None
    if port == 0:
        raise ValueError("SMTP URL port must be a number from 1 to 65535")
    return _DEFAULT_PORTS[security] if port is None else port


def _credentials(raw_user: str | None, raw_password: str | None) -> tuple[str | None, str | None]:
    username = unquote(raw_user) if raw_user else None
    password = unquote(raw_password) if raw_password else None
    if (username is None) != (password is None):
        raise ValueError("SMTP URL gives a user without a password, or a password without a user")
    # smtplib sends the AUTH exchange as ASCII and fails with UnicodeEncodeError otherwise;
    # better to say so when the URL is read than on the first alert.
    if not (username or "").isascii() or not (password or "").isascii():
        raise ValueError("SMTP URL user and password must be ASCII")
    return username, password


def message_id(key: str, domain: str) -> str:
    """A Message-ID that depends only on `key` and `domain`, so that a repeat after a crash
    carries the same id. Characters a Message-ID cannot hold are written `=XX` (UTF-8
    bytes, '=' itself included), so that different keys never share an id.
    Raises ValueError for an empty key."""
    if not key:
        raise ValueError("a message needs a non-empty key to derive its Message-ID")
    left = "".join(c if c in _ID_SAFE else _escaped(c) for c in key)
    return f"<{left}@{domain}>"


def _escaped(character: str) -> str:
    return "".join(f"={byte:02X}" for byte in character.encode("utf-8"))


def _address(text: str) -> Address:
    """The addr-spec `text`, or ValueError when it is not one (a display name, a list,
    CR/LF, a missing part)."""
    try:
        address = Address(addr_spec=text)
    # IndexError is how the stdlib parser reports an empty local part or domain.
    except (ValueError, IndexError, email_errors.HeaderParseError):
        raise ValueError(f"not an e-mail address: {text!r}") from None
    if not address.username or not address.domain:
        raise ValueError(f"not an e-mail address: {text!r}")
    return address


def _utc_now() -> datetime:
    return datetime.now(UTC)


class EmailChannel:
    """Sends each `Message` as one e-mail over its own SMTP connection.

    `send` returns the Message-ID, or raises DeliveryError: `permanent=False` for what a later
    attempt can fix (no connection, a timeout, a dropped connection, any 4xx reply) and
    `permanent=True` for what it cannot (a 5xx refusal of the recipient, the sender or the
    data; an address that is not an e-mail address; a configuration fault such as a refused
    login, a missing STARTTLS or AUTH, an untrusted certificate).
    """

    medium: Medium = Medium.EMAIL

    def __init__(
        self,
        server: SmtpServer,
        sender: str,
        *,
        timeout: float = 10.0,
        tls_context: ssl.SSLContext | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        try:
            sender_address = _address(sender)
        except ValueError:
            raise ValueError(f"sender is not an e-mail address: {sender!r}") from None
        self.server = server
        self.sender = sender_address.addr_spec
        self.timeout = timeout
        # The sender's domain makes the ids of two installations with the same keys differ.
        self._id_domain = sender_address.domain.encode("idna").decode("ascii").lower()
        self._tls_context = tls_context
        self._clock = clock

    @classmethod
    def from_url(
        cls,
        url: str,
        sender: str,
        timeout: float = 10.0,
        *,
        tls_context: ssl.SSLContext | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> EmailChannel:
        """Raises ValueError for a malformed URL or a sender that is not an e-mail address.
        `timeout` bounds each network operation (connect, each reply), in seconds.
        `tls_context` defaults to the system's trusted certificates, with host names checked."""
        return cls(
            parse_smtp_url(url),
            sender,
            timeout=timeout,
            tls_context=tls_context,
            clock=clock,
        )

    def __repr__(self) -> str:
        return f"EmailChannel(server={self.server!r}, sender={self.sender!r})"

    def send(self, message: Message) -> str:
        """Hand `message` to the server; return its Message-ID once the server accepted it.
        Raises DeliveryError (see the class); ValueError for an empty key."""
        try:
            recipient = _address(message.address)
        except ValueError as exc:
            raise DeliveryError(str(exc), permanent=True) from exc
        mail = self._compose(message, recipient)
        try:
            self._transmit(mail)
        except OSError as exc:  # smtplib's errors and ssl's are all OSErrors
            raise _delivery_error(exc, self.server) from exc
        return str(mail["Message-ID"])

    def _compose(self, message: Message, recipient: Address) -> EmailMessage:
        mail = EmailMessage(policy=_POLICY)
        mail["From"] = self.sender
        mail["To"] = recipient.addr_spec
        mail["Subject"] = message.subject
        mail["Date"] = format_datetime(self._clock())
        mail["Message-ID"] = message_id(message.key, self._id_domain)
        mail.set_content(message.text)
        if message.html is not None:
            mail.add_alternative(message.html, subtype="html")
        return mail

    def _transmit(self, mail: EmailMessage) -> None:
        # A fresh connection per message: alerts come one at a time and far apart, and a new
        # connection is never one the server has already dropped for being idle.
        with contextlib.closing(self._connect()) as smtp:
            if self.server.security is Security.STARTTLS:
                smtp.starttls(context=self._context())
            self._log_in(smtp)
            smtp.send_message(mail)
            # The server has the message now. A QUIT that fails cannot un-send it, and
            # reporting that failure would only make the caller send it a second time.
            with contextlib.suppress(OSError):
                smtp.quit()

    def _connect(self) -> smtplib.SMTP:
        host, port = self.server.host, self.server.port
        if self.server.security is Security.TLS:
            return smtplib.SMTP_SSL(host, port, timeout=self.timeout, context=self._context())
        return smtplib.SMTP(host, port, timeout=self.timeout)

    def _context(self) -> ssl.SSLContext:
        # Built when needed rather than at import or construction: it reads the system's
        # certificate store.
        return self._tls_context or ssl.create_default_context()

    def _log_in(self, smtp: smtplib.SMTP) -> None:
        if self.server.username is None or self.server.password is None:
            return
        smtp.ehlo_or_helo_if_needed()
        if not smtp.has_extn("auth"):
            raise DeliveryError(
                "configuration fault: a user and password are configured but the mail server "
                "offers no AUTH on this connection (does it want starttls=1 or smtps://?)",
                permanent=True,
            )
        smtp.login(self.server.username, self.server.password)


def _delivery_error(exc: OSError, server: SmtpServer) -> DeliveryError:
    """Whether another attempt could succeed, from what went wrong."""
    where = f"{server.host}:{server.port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError) and not _temporary(exc.smtp_code):
        return DeliveryError(
            f"configuration fault: {where} refused the configured user and password "
            f"({_reply(exc.smtp_code, exc.smtp_error)})",
            # An operator corrects it; the message must still go out then.
            permanent=False,
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        # One recipient per message, so the one refusal is the whole answer.
        code, text = next(iter(exc.recipients.values()))
        refusal = _by_reply(f"{where} refused the recipient", code, text)
        refusal.bad_address = refusal.permanent
        return refusal
    if isinstance(exc, smtplib.SMTPResponseException):  # sender, data, greeting, EHLO, 4xx AUTH
        return _by_reply(f"{where} ({type(exc).__name__})", exc.smtp_code, exc.smtp_error)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        # No STARTTLS (configuration), or no SMTPUTF8 for a non-ASCII address: either way
        # the same server will give the same answer.
        return DeliveryError(f"{where} lacks a needed extension: {exc}", permanent=True)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return DeliveryError(
            f"configuration fault: the certificate of {where} is not trusted "
            f"({exc.verify_message})",
            permanent=True,
        )
    # Refused or timed-out connections, a server that hung up, a broken TLS handshake: all
    # may pass. So may anything unforeseen; retries are bounded, a lost alert is not.
    return DeliveryError(f"{where}: {type(exc).__name__}: {exc}", permanent=False)


def _by_reply(what: str, code: int, text: bytes | str) -> DeliveryError:
    # 5xx is the server's final word; 4xx (and anything odd) may pass.
    return DeliveryError(f"{what}: {_reply(code, text)}", permanent=500 <= code < 600)


def _temporary(code: int) -> bool:
    return 400 <= code < 500


def _reply(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {words}"
