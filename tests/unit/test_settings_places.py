"""Where anbu keeps its data: an empty ANBU_DATA_DIR or ANBU_DATABASE_URL is the default,
as if unset — not the current folder — so that `anbu demo` still keeps to its own folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from anbu.entrypoints.demo.database import own_folder
from anbu.settings import Settings


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.delenv("ANBU_DATA_DIR", raising=False)
    monkeypatch.delenv("ANBU_DATABASE_URL", raising=False)
    return tmp_path


@pytest.mark.parametrize("empty", ["", "  "])
def test_an_empty_data_dir_is_the_default_folder(
    data_home: Path, monkeypatch: pytest.MonkeyPatch, empty: str
) -> None:
    monkeypatch.setenv("ANBU_DATA_DIR", empty)
    monkeypatch.setenv("ANBU_DATABASE_URL", empty)

    settings = Settings()

    assert settings.data_dir == data_home / "anbu"
    assert settings.sqlalchemy_url == f"sqlite:///{data_home / 'anbu' / 'anbu.sqlite3'}"


def test_with_an_empty_data_dir_the_demo_keeps_to_its_own_folder(
    data_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANBU_DATA_DIR", "")

    assert own_folder(Settings(), None).data_dir == data_home / "anbu" / "demo"


def test_a_data_dir_given_is_where_the_demo_runs(
    data_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANBU_DATA_DIR", str(data_home / "trial"))

    assert own_folder(Settings(), None).data_dir == data_home / "trial"
