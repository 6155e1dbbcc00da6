"""Uploaded lists held between their review and their confirmation.

A list of people is personal data: it is kept sealed (AES-GCM, bound to its random id and
to the member of staff who uploaded it, so nobody else can confirm it), in a folder only
the service's user can read, for a short while only. It is deleted when confirmed or
discarded; once expired it opens no more and the next purge removes it.

The expiry is in the file's name as well as in the sealed content, so that a purge needs
no key and opens nothing.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from anbu.adapters.sealing import SealError, Vault

_ID = re.compile(r"[0-9a-f]{32}")


class HeldUploads:
    def __init__(self, folder: Path, vault: Vault, keep_for: timedelta) -> None:
        self.folder = folder
        self.vault = vault
        self.keep_for = keep_for

    def hold(self, data: bytes, owner: str, now: datetime) -> str:
        """Keep `data` for `owner` until `now + keep_for`; returns its id."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        upload_id = secrets.token_hex(16)
        expires = int((now + self.keep_for).timestamp())
        sealed = self.vault.seal(
            {"expires": expires, "data": base64.b64encode(data).decode()},
            bound_to=_binding(upload_id, owner),
        )
        path = self.folder / f"{upload_id}.{expires}"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(sealed)
        return upload_id

    def peek(self, upload_id: str, owner: str, now: datetime) -> bytes | None:
        """The held data, or None when unknown, expired or another's."""
        path = self._path(upload_id)
        if path is None:
            return None
        try:
            sealed = path.read_bytes()
            held = self.vault.open(sealed, bound_to=_binding(upload_id, owner))
        except (FileNotFoundError, SealError):
            return None
        if int(held["expires"]) <= now.timestamp():
            path.unlink(missing_ok=True)
            return None
        return base64.b64decode(held["data"])

    def take(self, upload_id: str, owner: str, now: datetime) -> bytes | None:
        """The held data, deleted as it is handed over: only one confirmation gets it."""
        data = self.peek(upload_id, owner, now)
        path = self._path(upload_id)
        if data is None or path is None:
            return None
        try:
            path.unlink()
        except FileNotFoundError:
            return None  # another request took it first
        return data

    def discard(self, upload_id: str, owner: str, now: datetime) -> bool:
        return self.take(upload_id, owner, now) is not None

    def purge(self, now: datetime) -> int:
        """Delete every held file past its expiry; returns how many."""
        if not self.folder.is_dir():
            return 0
        removed = 0
        for path in self.folder.iterdir():
            upload_id, _, expires = path.name.partition(".")
            if not _ID.fullmatch(upload_id) or not expires.isdigit():
                continue
            if int(expires) <= now.timestamp():
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def _path(self, upload_id: str) -> Path | None:
        if not _ID.fullmatch(upload_id) or not self.folder.is_dir():
            return None
        found = sorted(self.folder.glob(f"{upload_id}.*"))
        return found[0] if found else None


def _binding(upload_id: str, owner: str) -> str:
    return f"held upload {upload_id} of {owner}"
