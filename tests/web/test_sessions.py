"""Logging in and out, throttling, CSRF, and the queue's reach."""

from __future__ import annotations

import subprocess

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from anbu.adapters.storage.tables import login_attempts
from anbu.bootstrap import Anbu
from anbu.domain.passwords import LONGEST

from conftest import CENTRE_A, PASSWORD, District, csrf_of, log_in
from processes import ANBU


def test_a_page_without_a_session_sends_to_the_login_page(client: TestClient) -> None:
    answer = client.get("/")
    assert (answer.status_code, answer.headers["location"]) == (303, "/login?next=/")


def test_an_officer_logs_in_and_sees_their_centres_queue_only(
    client: TestClient, district: District
) -> None:
    log_in(client, "kim.a")
    page = client.get("/")
    assert page.status_code == 200
    assert "김*수" in page.text
    assert "SD-0001" in page.text
    assert "SD-0002" not in page.text  # centre B's person
    assert "김영수" not in page.text  # names are masked in the queue
    cookie = client.cookies.get("anbu_session")
    assert cookie


def test_the_session_cookie_is_httponly_and_samesite(
    client: TestClient, district: District
) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = client.post(
        "/login", data={"login": "kim.a", "password": PASSWORD, "csrf_token": token}
    )
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


def test_a_wrong_password_and_an_unknown_login_read_the_same(
    client: TestClient, district: District
) -> None:
    answers = []
    for login, password in (("kim.a", "wrong password!"), ("nobody", "wrong password!")):
        page = client.get("/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        answers.append(
            client.post("/login", data={"login": login, "password": password, "csrf_token": token})
        )
    assert [a.status_code for a in answers] == [401, 401]
    assert "아이디 또는 비밀번호가 맞지 않습니다" in answers[0].text
    assert answers[0].text.count("맞지 않습니다") == answers[1].text.count("맞지 않습니다")


def test_a_refused_login_keeps_what_was_typed_as_login_and_never_the_password(
    client: TestClient, district: District
) -> None:
    typed = {"kim.a": 'value="kim.a"', '"><b>x': 'value="&#34;&gt;&lt;b&gt;x"'}
    for login, shown in typed.items():
        page = client.get("/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        answer = client.post(
            "/login", data={"login": login, "password": "wrong password!", "csrf_token": token}
        )
        assert answer.status_code == 401
        field = answer.text.split('name="login"')[1].split(">")[0]
        assert shown in field
        assert "autofocus" not in field  # the cursor waits in the password field
        assert "wrong password!" not in answer.text
        assert "<b>x" not in answer.text


def test_guessing_is_throttled_even_with_the_right_password(
    client: TestClient, district: District
) -> None:
    for _ in range(5):
        page = client.get("/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        client.post(
            "/login", data={"login": "kim.a", "password": "guess guess!", "csrf_token": token}
        )
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = client.post(
        "/login", data={"login": "kim.a", "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 429
    assert "anbu_session" not in answer.headers.get("set-cookie", "")


def test_a_login_without_its_form_token_is_refused(client: TestClient, district: District) -> None:
    answer = client.post("/login", data={"login": "kim.a", "password": PASSWORD})
    assert answer.status_code == 403
    assert "anbu_session" not in answer.headers.get("set-cookie", "")


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("ko", "로그인 화면이 오래되었습니다. 다시 입력해 주세요."),
        ("en", "The login page had expired. Please sign in again."),
    ],
)
def test_a_stale_login_form_is_shown_again_saying_so_in_words(
    client: TestClient, district: District, language: str, says: str
) -> None:
    client.cookies.set("anbu_language", language)
    client.get("/login")  # the form's cookie, which the stale page's token no longer matches

    answer = client.post(
        "/login", data={"login": "kim.a", "password": PASSWORD, "csrf_token": "stale"}
    )

    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert says in answer.text
    assert 'value="kim.a"' in answer.text  # only the password is typed again
    assert "CSRF" not in answer.text
    fresh = answer.text.split('name="csrf_token" value="')[1].split('"')[0]
    again = client.post(
        "/login", data={"login": "kim.a", "password": PASSWORD, "csrf_token": fresh}
    )
    assert again.status_code == 303


def test_an_action_without_or_with_a_wrong_csrf_token_is_refused(
    client: TestClient, district: District
) -> None:
    log_in(client, "kim.a")
    assert client.post(f"/alerts/{district.alert_a}/ack").status_code == 403
    wrong = {"csrf_token": "not-the-token"}
    assert client.post(f"/alerts/{district.alert_a}/ack", data=wrong).status_code == 403
    right = {"csrf_token": csrf_of(client)}
    assert client.post(f"/alerts/{district.alert_a}/ack", data=right).status_code == 303


def test_another_centres_alert_is_not_found_not_forbidden(
    client: TestClient, district: District
) -> None:
    token = log_in(client, "kim.a")
    answer = client.post(f"/alerts/{district.alert_b}/claim", data={"csrf_token": token})
    assert answer.status_code == 404
    answer = client.post("/alerts/999999/claim", data={"csrf_token": token})
    assert answer.status_code == 404  # the same answer as for one that does not exist


def test_two_officers_cannot_both_take_the_visit(client: TestClient, district: District) -> None:
    token = log_in(client, "kim.a")
    assert (
        client.post(f"/alerts/{district.alert_a}/claim", data={"csrf_token": token}).status_code
        == 303
    )
    assert "kim.a" in client.get("/").text
    admin = TestClient(client.app, follow_redirects=False)
    admin_token = log_in(admin, "admin")
    taken = admin.post(f"/alerts/{district.alert_a}/claim", data={"csrf_token": admin_token})
    assert taken.status_code == 409


def test_an_operator_sees_no_queue(client: TestClient, district: District) -> None:
    log_in(client, "ops", page=None)
    answer = client.get("/")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/feeds"


def test_logging_out_ends_the_session(client: TestClient, district: District) -> None:
    token = log_in(client, "kim.a")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/").status_code == 303


def test_the_language_switch_shows_english(client: TestClient, district: District) -> None:
    token = log_in(client, "kim.a")
    client.post("/language", data={"csrf_token": token, "language": "en"})
    page = client.get("/")
    assert "Alerts waiting for a check" in page.text
    assert '<html lang="en">' in page.text


# -- passwords at the door ------------------------------------------------------------


def _post_login(client: TestClient, login: str, password: str) -> Response:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    return client.post("/login", data={"login": login, "password": password, "csrf_token": token})


@pytest.mark.parametrize("length", [LONGEST + 1, 201, 500_000])
def test_a_password_longer_than_any_that_can_be_set_is_refused_on_the_form_unrepeated(
    client: TestClient, anbu: Anbu, district: District, length: int
) -> None:
    """Refused before it is hashed (the form says why, which a wrong guess never does) and
    never repeated back: today a 201-character password came back in a raw 422."""
    password = (PASSWORD + " secret" * length)[:length]
    answer = _post_login(client, "kim.a", password)
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("text/html")
    assert f"비밀번호는 {LONGEST}자를 넘을 수 없습니다" in answer.text
    assert PASSWORD not in answer.text
    assert "secret secret" not in answer.text
    assert "anbu_session" not in answer.headers.get("set-cookie", "")
    with anbu.engine.connect() as connection:
        failed = connection.scalar(
            select(func.count()).where(
                login_attempts.c.login == "kim.a", login_attempts.c.succeeded.is_(False)
            )
        )
    assert failed == 1  # it counts towards the throttle like any wrong guess


def test_a_password_of_megabytes_is_answered_calmly_and_unrepeated(
    client: TestClient, district: District
) -> None:
    answer = _post_login(client, "kim.a", "secret " * 500_000)
    assert 400 <= answer.status_code < 500
    assert "secret" not in answer.text


def test_the_form_takes_no_longer_password_than_can_be_set(client: TestClient) -> None:
    form = client.get("/login").text
    assert f'type="password" autocomplete="current-password" maxlength="{LONGEST}"' in form


def test_a_login_too_long_to_exist_reads_as_a_wrong_password(
    client: TestClient, district: District
) -> None:
    answer = _post_login(client, "kim.a" * 100, PASSWORD)
    assert answer.status_code == 401
    assert "아이디 또는 비밀번호가 맞지 않습니다" in answer.text
    assert "kim.akim.a" not in answer.text


def test_the_longest_password_the_cli_sets_logs_in_and_a_longer_one_is_refused_by_both(
    client: TestClient, cli_env: dict[str, str], district: District
) -> None:
    """One rule for the CLI and the web: what `users create` accepts, the form accepts."""
    longest = ("lantern " * 20)[: LONGEST - 3] + " 끝!"
    assert len(longest) == LONGEST
    set_it = program_with_stdin(cli_env, longest + "x", "users", "create", "kim.a")
    assert set_it.returncode == 1
    assert f"비밀번호는 {LONGEST}자를 넘을 수 없습니다" in set_it.stderr
    assert _post_login(client, "kim.a", longest + "x").status_code == 401

    set_it = program_with_stdin(cli_env, longest, "users", "create", "kim.a")
    assert set_it.returncode == 0, set_it.stderr
    assert _post_login(client, "kim.a", longest).status_code == 303


def program_with_stdin(
    env: dict[str, str], password: str, *args: str
) -> subprocess.CompletedProcess[str]:
    command = [ANBU, *args, "--role", "officer", "--centre", CENTRE_A, "--password-stdin"]
    return subprocess.run(
        command, env=env, input=password + "\n", capture_output=True, text=True, check=False
    )
