"""`anbu evaluate` end to end: a small simulated district scored for each policy through the
real backtest, as JSON, and the picture drawn."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ANBU = str(Path(sys.executable).parent / "anbu")


def test_it_scores_each_fixed_period_and_longer_periods_trade_delay_for_fewer_alerts(
    tmp_path: Path,
) -> None:
    picture = tmp_path / "quality.png"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANBU_")}
    env["ANBU_DATA_DIR"] = str(tmp_path / "data")
    small = ("--seed", "5", "--people", "60", "--days", "24")

    done = subprocess.run(
        [ANBU, "evaluate", *small, "--json", "--plot", str(picture)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    rows = {row["policy"]: row for row in map(json.loads, done.stdout.splitlines())}
    fixed = [rows[f"fixed {h}h"] for h in (24, 48, 72, 96)]
    assert all(row["incidents"] > 0 and row["missed"] == 0 for row in fixed)
    delays = [row["delay_median_h"] for row in fixed]
    false_alerts = [row["false_alerts_per_1000_month"] for row in fixed]
    assert delays == sorted(delays)
    assert false_alerts == sorted(false_alerts, reverse=True)
    assert false_alerts[0] > false_alerts[-1]
    personal = rows["personal"]
    assert personal["incidents"] == fixed[0]["incidents"]
    assert personal["missed"] == 0
    assert personal["self_checks_per_1000_month"] > 0  # attention texts the person first
    assert "delay_vs_fixed" in personal  # a share of the fixed curve, or null outside it
    assert picture.read_bytes().startswith(b"\x89PNG")
    # Nothing of the configured database was read or written.
    assert not (tmp_path / "data" / "anbu.sqlite3").exists()


def test_piped_its_table_keeps_every_column_whole(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANBU_")}
    env["ANBU_DATA_DIR"] = str(tmp_path / "data")
    done = subprocess.run(
        [ANBU, "evaluate", "--seed", "2", "--people", "30", "--days", "21"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "…" not in done.stdout
    header = next(line for line in done.stdout.splitlines() if "policy" in line).split()
    assert header == [
        "policy",
        "incidents",
        "missed",
        "delay_median_h",
        "delay_p95_h",
        "false_alerts_per_1000_month",
        "self_checks_per_1000_month",
        "alerts_per_officer_week",
    ]
    assert any(line.split()[:1] == ["personal"] for line in done.stdout.splitlines())
