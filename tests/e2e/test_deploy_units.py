"""The deployment units name what anbu really has: systemd accepts each unit, every command
they and the container image run exists with the options given, and the image runs `serve`
on the port it exposes."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from processes import ANBU

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("anbu*.*"))
INSTALLED = "/opt/anbu/bin/anbu"


def _anbu_commands(text: str) -> list[list[str]]:
    """Every `anbu …` command line in a unit or the Containerfile, as arguments."""
    found = []
    for match in re.finditer(re.escape(INSTALLED) + r" ([^'\"\n]*)", text):
        found.append(shlex.split(match.group(1).replace("%%", "%")))
    return found


def _accepted(arguments: list[str]) -> subprocess.CompletedProcess[str]:
    # Typer parses every option before it answers --help, so an unknown one fails here.
    literal = [a for a in arguments if "$(" not in a]
    return subprocess.run(
        [ANBU, *literal, "--help"], capture_output=True, text=True, timeout=60, check=False
    )


def test_there_are_units_for_serving_and_for_nightly_backups() -> None:
    names = {unit.name for unit in UNITS}
    assert {"anbu.service", "anbu-backup.service", "anbu-backup.timer"} <= names


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_systemd_accepts_each_unit(unit: Path, tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze is needed to check the units (Debian: systemd)")
    # Verified where it would run, with the installed program's path made real here.
    for each in UNITS:
        (tmp_path / each.name).write_text(each.read_text().replace(INSTALLED, ANBU))
    done = subprocess.run(
        [analyze, "verify", str(tmp_path / unit.name)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Unknown" not in output, output
    assert "ignoring" not in output, output


@pytest.mark.parametrize(
    "unit", [u for u in UNITS if u.suffix == ".service"], ids=lambda unit: unit.name
)
def test_each_unit_runs_a_command_anbu_has(unit: Path) -> None:
    commands = _anbu_commands(unit.read_text())
    assert commands, f"{unit.name} runs no anbu command"
    for arguments in commands:
        done = _accepted(arguments)
        assert done.returncode == 0, f"{unit.name}: anbu {arguments}: {done.stderr}"


def test_the_image_serves_on_the_port_it_exposes_with_data_in_its_volume() -> None:
    text = (DEPLOY / "Containerfile").read_text()
    entrypoint = json.loads(re.search(r"^ENTRYPOINT (\[.*\])$", text, re.M).group(1))  # type: ignore[union-attr]
    command = json.loads(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))  # type: ignore[union-attr]
    assert entrypoint == ["anbu"]
    assert command[0] == "serve"
    port = command[command.index("--port") + 1]
    assert re.search(rf"^EXPOSE {port}$", text, re.M)
    # Inside a container it listens on every interface; the host decides what reaches it.
    assert command[command.index("--host") + 1] == "0.0.0.0"  # noqa: S104
    assert "ANBU_DATA_DIR=/var/lib/anbu" in text
    assert 'VOLUME ["/var/lib/anbu"]' in text
    assert re.search(r"^USER anbu$", text, re.M), "the service never runs as root"
    assert _accepted(command).returncode == 0
