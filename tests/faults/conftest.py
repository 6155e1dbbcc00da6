"""Fixtures of the fault tests (the parts themselves are in outages.py)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateways.kannel import free_ports
from outages import Cluster


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    # Not under pytest's tmp_path: that is private to the test's user, and the server may
    # run as another (postgres).
    folder = Path(tempfile.mkdtemp(prefix="anbu-faults-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    (port,) = free_ports(1)
    server = Cluster(folder, port)
    try:
        server.init()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
