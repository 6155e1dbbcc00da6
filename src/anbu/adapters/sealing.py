"""Personal data at rest: AES-GCM sealing and keyed-hash (HMAC) phone lookups.

One master key yields independent keys by HKDF, one per purpose, so the lookup hash cannot
be used to decrypt, the ciphertext says nothing about the hash, and the audit log's chain
key opens nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE_BYTES = 12
_VERSION = b"\x01"


class SealError(ValueError):
    """Sealed data that cannot be opened: wrong key or tampered bytes."""


class Vault:
    def __init__(self, master_key: bytes) -> None:
        if len(master_key) < 16:
            raise ValueError("the master key must be at least 16 bytes")
        self._aead = AESGCM(_derive(master_key, b"anbu personal data v1"))
        self._lookup_key = _derive(master_key, b"anbu phone lookup v1")
        self._signing_key = _derive(master_key, b"anbu signed links v1")
        self._audit_key = _derive(master_key, b"anbu audit chain v1")

    def seal(self, fields: dict[str, Any], *, bound_to: str) -> bytes:
        """Encrypt `fields`; `bound_to` (e.g. the subject's reference) is authenticated so
        that a sealed blob copied onto another row does not open."""
        nonce = os.urandom(_NONCE_BYTES)
        plain = json.dumps(fields, ensure_ascii=False, sort_keys=True).encode()
        return _VERSION + nonce + self._aead.encrypt(nonce, plain, bound_to.encode())

    def open(self, sealed: bytes, *, bound_to: str) -> dict[str, Any]:
        if sealed[:1] != _VERSION:
            raise SealError("unknown sealing version")
        nonce, body = sealed[1 : 1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES :]
        try:
            plain = self._aead.decrypt(nonce, body, bound_to.encode())
        except InvalidTag as exc:
            raise SealError("sealed data does not open with this key") from exc
        result: dict[str, Any] = json.loads(plain)
        return result

    def lookup_key(self, value: str) -> bytes:
        """Keyed hash for equality lookups (phone numbers): stable, not reversible."""
        return hmac.new(self._lookup_key, value.encode(), hashlib.sha256).digest()

    def sign(self, purpose: str, payload: str) -> str:
        """A MAC over `payload` for one purpose (an acknowledgement link, say): a
        signature made for one purpose is worthless for any other."""
        mac = hmac.new(self._signing_key, f"{purpose}\n{payload}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()[:18]).decode()

    def verify(self, purpose: str, payload: str, signature: str) -> bool:
        return hmac.compare_digest(self.sign(purpose, payload), signature)

    def audit_link(self, previous: bytes, entry: bytes) -> bytes:
        """A link of the audit log's chain: a MAC over the previous entry's link (always 32
        bytes, so the two parts cannot run into each other) and this entry's canonical
        bytes. Without the master key nobody can make one."""
        return hmac.new(self._audit_key, previous + entry, hashlib.sha256).digest()


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


def load_master_key(secret: str | None, key_file: Path) -> bytes:
    """The configured secret, or the key file, created with mode 600 on first use."""
    if secret:
        return secret.encode()
    if key_file.exists():
        return bytes.fromhex(key_file.read_text().strip())
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    # O_EXCL so that two processes starting at once cannot write two different keys.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(key_file.read_text().strip())
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex())
    return key


class KeyFileError(ValueError):
    """A key file that cannot be written or read as a key; the message says why."""


def write_key_file(key: bytes, target: Path) -> None:
    """Write `key` as a key file (hexadecimal, mode 600) that must not exist yet: a backup's
    key, or the key a restore brings."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise KeyFileError(f"{target}: already exists") from exc
    except OSError as exc:
        raise KeyFileError(f"{target}: {exc.strerror}") from exc
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex() + "\n")


def read_key_file(source: Path) -> bytes:
    try:
        text = source.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except OSError as exc:
        raise KeyFileError(f"{source}: {exc.strerror}") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise KeyFileError(f"{source}: not a key file (hexadecimal digits)") from exc
    if not key:
        raise KeyFileError(f"{source}: the key file is empty")
    return key
