"""`anbu demo` end to end: the installed console script, in a throwaway data folder."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

# One worker runs the whole module, so the small demo below runs once for all its readers.
pytestmark = pytest.mark.xdist_group("demo")

ANBU = Path(sys.executable).parent / "anbu"
SMALL_DEMO = ("demo", "--subjects", "300", "--days", "3", "--seconds", "0")
# A message line: `✉ 문자 → ***5678 · [안부] 옥수동 박*자(SD-000072) 님 48시간 통화 없음`.
SMS_SENT = re.compile(r"✉ 문자 → \*\*\*\d{4} · ")
MASKED_REFERENCE = re.compile(r"[가-힣]\*+[가-힣]?\(SD-\d{6}\) 님")
# A whole mobile number, as the district writes it or in E.164.
WHOLE_NUMBER = re.compile(r"01\d-?\d{3,4}-?\d{4}|\+82\d{9,10}")
OFFICER_OUTCOMES = {"safe", "hospitalised", "deceased", "door_opened", "false_alarm"}
FIRST_TIER_WAIT = timedelta(hours=1)  # the default policy's, which the demo's centres keep


@dataclass(frozen=True)
class Finished:
    run: subprocess.CompletedProcess[str]
    alerts: list[dict[str, Any]]
    notifications: list[dict[str, Any]]
    staff: list[dict[str, Any]]

    @property
    def person_alerts(self) -> list[dict[str, Any]]:
        return [a for a in self.alerts if a["subject_external_id"] is not None]

    def staff_steps(self) -> dict[int, dict[str, datetime]]:
        """Each alert's steps that reached staff, with when the first of its messages went
        out; the "activity resumed" follow-up is no step."""
        steps: dict[int, dict[str, datetime]] = defaultdict(dict)
        for n in self.notifications:
            if n["officer_id"] is not None and n["sent_at"] and n["step"] != "follow-up":
                sent = datetime.fromisoformat(n["sent_at"])
                steps[n["alert_id"]][n["step"]] = min(
                    sent, steps[n["alert_id"]].get(n["step"], sent)
                )
        return steps


def anbu(data_dir: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    # Only this folder: no ANBU_* setting of the developer's may leak in.
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANBU_")}
    env.update(ANBU_DATA_DIR=str(data_dir), COLUMNS="200", **settings)
    return subprocess.run(
        [str(ANBU), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def json_lines(data_dir: Path, *command: str) -> list[dict[str, Any]]:
    listed = anbu(data_dir, *command)
    assert listed.returncode == 0, listed.stderr
    return [json.loads(line) for line in listed.stdout.splitlines() if line.strip()]


def demo_in(data_dir: Path) -> Finished:
    run = anbu(data_dir, *SMALL_DEMO)
    return Finished(
        run,
        json_lines(data_dir, "alerts", "list", "--json"),
        json_lines(data_dir, "notifications", "list", "--json"),
        json_lines(data_dir, "officers", "list", "--json"),
    )


def sent_lines(finished: Finished) -> list[str]:
    return [line for line in finished.run.stdout.splitlines() if "✉" in line]


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Finished:
    return demo_in(tmp_path_factory.mktemp("demo"))


def test_it_exits_0_when_every_planted_incident_is_flagged(finished: Finished) -> None:
    assert finished.run.returncode == 0, finished.run.stdout + finished.run.stderr


def test_it_names_the_planted_incidents(finished: Finished) -> None:
    for planted in ("planted: falls silent", "planted: phone switched off", "planted: KT feed"):
        assert planted in finished.run.stdout


def test_it_leaves_a_no_activity_alert_for_alerts_list(finished: Finished) -> None:
    assert any(a["kind"] == "no_activity" for a in finished.alerts)


def test_it_leaves_a_phone_off_alert_for_alerts_list(finished: Finished) -> None:
    assert any(a["kind"] == "phone_off" for a in finished.alerts)


def test_it_leaves_one_feed_alert_resolved_when_the_stalled_carrier_caught_up(
    finished: Finished,
) -> None:
    feed_alerts = [a for a in finished.alerts if a["kind"] == "feed_stale"]

    assert [(a["carrier"], a["state"], a["outcome"]) for a in feed_alerts] == [
        ("KT", "resolved", "feed_recovered")
    ]


def test_it_shows_a_message_going_out_with_the_masked_name_and_what_happened(
    finished: Finished,
) -> None:
    assert any(
        SMS_SENT.search(line) and MASKED_REFERENCE.search(line) and "48시간 통화 없음" in line
        for line in sent_lines(finished)
    )


def test_it_shows_the_feed_alert_going_out(finished: Finished) -> None:
    assert any("[안부 운영] 통신사 KT 자료 지연" in line for line in sent_lines(finished))


def test_it_shows_phone_numbers_only_in_part(finished: Finished) -> None:
    assert any(SMS_SENT.search(line) for line in sent_lines(finished))
    assert not WHOLE_NUMBER.search(finished.run.stdout)


def test_it_leaves_every_notification_sent_for_notifications_list(finished: Finished) -> None:
    assert finished.notifications
    assert {n["state"] for n in finished.notifications} == {"sent"}


def test_it_leaves_at_least_one_notification_for_each_alert(finished: Finished) -> None:
    notified = {n["alert_id"] for n in finished.notifications}

    assert finished.alerts
    assert [a["id"] for a in finished.alerts if a["id"] not in notified] == []


def test_it_enrols_a_district_duty_desk_with_no_centre(finished: Finished) -> None:
    assert [(s["role"], s["centres"]) for s in finished.staff if s["role"] == "duty"] == [
        ("duty", [])
    ]


def test_it_has_staff_take_charge_of_every_alert_about_a_person(finished: Finished) -> None:
    # Only an alert opened at the very last step may still be waiting: its first tier's
    # hour had not run out when the simulation ended.
    last = max(a["opened_at"] for a in finished.person_alerts)
    waiting = [a for a in finished.person_alerts if a["acknowledged_by"] is None]

    assert finished.person_alerts
    assert all(a["opened_at"] == last for a in waiting), waiting


def test_it_has_staff_close_cases_with_an_outcome_only_staff_record(finished: Finished) -> None:
    resolved = [a for a in finished.person_alerts if a["state"] == "resolved"]

    assert resolved
    assert {a["outcome"] for a in resolved} <= OFFICER_OUTCOMES
    assert all(a["resolved_by"] == a["acknowledged_by"] for a in resolved)


def test_it_finds_the_switched_off_phone_safe_and_visits_the_person_nobody_could_reach(
    finished: Finished,
) -> None:
    outcomes = {(a["kind"], a["outcome"]) for a in finished.person_alerts}
    (visited,) = [a for a in finished.person_alerts if a["visit_needed_at"] is not None]

    assert ("phone_off", "safe") in outcomes
    # Unreachable is not an end: the case waited for a visit and closed with its result.
    assert (visited["kind"], visited["state"], visited["outcome"]) == (
        "no_activity",
        "resolved",
        "door_opened",
    )
    assert visited["resolved_at"] > visited["visit_needed_at"]
    out = finished.run.stdout
    assert "⚑ 방문 필요" in out
    assert "(ended with a visit)" in out


def test_it_shows_who_took_charge_and_how_each_case_ended(finished: Finished) -> None:
    out = finished.run.stdout

    assert re.search(r"☑ 접수 .* 첫 알림 \d+분 뒤 \(acknowledged after \d+ min\)", out)
    assert "✓ 종결" in out
    assert "how each case was handled" in out


def test_it_escalates_the_one_alert_left_unanswered_at_its_deadline(finished: Finished) -> None:
    steps = finished.staff_steps()
    escalated = [alert_id for alert_id, reached in steps.items() if len(reached) > 1]

    assert len(escalated) == 1, steps
    first, after = sorted(steps[escalated[0]].values())
    assert after == first + FIRST_TIER_WAIT


def test_it_has_the_next_tier_take_charge_of_the_escalated_alert(finished: Finished) -> None:
    steps = finished.staff_steps()
    [(alert_id, reached)] = [(i, r) for i, r in steps.items() if len(r) > 1]
    alert = next(a for a in finished.alerts if a["id"] == alert_id)
    roles = {s["login"]: s["role"] for s in finished.staff}

    # By day the centre's lead; at night the duty desk hears again.
    assert roles[alert["acknowledged_by"]] in ("lead", "duty")
    assert datetime.fromisoformat(alert["acknowledged_at"]) > max(reached.values())
    assert "▲ 단계 상향" in finished.run.stdout


def test_it_refuses_a_real_sms_gateway_and_writes_no_database(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"

    refused = anbu(data_dir, *SMALL_DEMO, ANBU_SMS_URL="kannel://user:secret@127.0.0.1:13013")

    assert refused.returncode == 2
    assert "ANBU_SMS_URL" in refused.stdout
    assert "secret" not in refused.stdout
    assert not (data_dir / "anbu.sqlite3").exists()


def test_it_wipes_its_own_earlier_database_when_run_again(tmp_path: Path) -> None:
    demo_in(tmp_path)

    again = demo_in(tmp_path)

    assert again.run.returncode == 0, again.run.stdout + again.run.stderr
    assert len([a for a in again.alerts if a["kind"] == "feed_stale"]) == 1


def test_it_refuses_a_database_that_holds_real_people_and_leaves_it_untouched(
    tmp_path: Path,
) -> None:
    subjects = tmp_path / "subjects.csv"
    subjects.write_text(
        "external_id,name,birth_date,phone,carrier,centre,address,"
        "inactivity_hours,phone_off_hours,consent_at\n"
        "P-1,홍길동,1950-03-01,010-2345-6789,SKT,마장동,서울 성동구 마장로 1,,,"
        "2025-01-02T09:00:00+09:00\n",
        encoding="utf-8",
    )
    data_dir = tmp_path / "real"
    assert anbu(data_dir, "subjects", "import", str(subjects)).returncode == 0
    database = data_dir / "anbu.sqlite3"
    before = hashlib.sha256(database.read_bytes()).hexdigest()

    refused = anbu(data_dir, *SMALL_DEMO)

    assert refused.returncode == 2
    assert "ANBU_DATA_DIR" in refused.stdout
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("unset", [{}, {"ANBU_DATA_DIR": "", "ANBU_DATABASE_URL": ""}])
def test_it_keeps_its_data_in_a_folder_of_its_own_beside_real_data(
    tmp_path: Path, unset: dict[str, str]
) -> None:
    """With no ANBU_DATA_DIR (or an empty one: the default, not the current folder) the
    demo runs in `demo` inside the data folder: real data in the data folder itself is
    neither refused nor touched, and the demo says where to look."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANBU_")}
    env.update(XDG_DATA_HOME=str(tmp_path), COLUMNS="200", **unset)
    subjects = tmp_path / "subjects.csv"
    subjects.write_text(
        "external_id,name,birth_date,phone,carrier,centre,address,"
        "inactivity_hours,phone_off_hours,consent_at\n"
        "P-1,홍길동,1950-03-01,010-2345-6789,SKT,마장동,서울 성동구 마장로 1,,,"
        "2025-01-02T09:00:00+09:00\n",
        encoding="utf-8",
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(ANBU), *args], env=env, capture_output=True, text=True, timeout=300, check=False
        )

    assert run("subjects", "import", str(subjects)).returncode == 0
    real = tmp_path / "anbu" / "anbu.sqlite3"
    before = hashlib.sha256(real.read_bytes()).hexdigest()

    done = run("demo", "--subjects", "50", "--days", "3", "--seconds", "0")

    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "anbu" / "demo" / "anbu.sqlite3").exists()
    assert hashlib.sha256(real.read_bytes()).hexdigest() == before
    assert f"ANBU_DATA_DIR={tmp_path / 'anbu' / 'demo'} anbu alerts list" in done.stdout


def test_its_help_says_where_its_data_goes() -> None:
    shown = subprocess.run(
        [str(ANBU), "demo", "--help"],
        env={**os.environ, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout

    assert "~/.local/share/anbu/demo" in shown
    assert "--data-dir" in shown
    assert "ANBU_DATA_DIR" in shown


def test_it_speaks_of_outcomes_in_words_not_codes(finished: Finished) -> None:
    out = finished.run.stdout

    assert "통신사 자료 복구" in out
    for code in ("false_alarm", "unreachable_visit_needed", "feed_recovered", "door_opened"):
        assert code not in out
