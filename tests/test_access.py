"""Who may reach the checklist: `checklist serve` and the passcode sign-in."""
from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys

import pytest

from checklist import create_app
from support import ROOT, LiveServer


def run_checklist(*arguments, env=None, timeout=20):
    environment = {key: value for key, value in os.environ.items() if key != "CHECKLIST_PASSCODE"}
    environment.update(PYTHONPATH=str(ROOT), **(env or {}))
    return subprocess.run([sys.executable, "-m", "checklist", *arguments], env=environment,
                          capture_output=True, text=True, timeout=timeout)


def test_serving_beyond_loopback_without_a_passcode_is_refused_with_the_reason(tmp_path):
    result = run_checklist("serve", "--host", "0.0.0.0", "--data", str(tmp_path))
    assert result.returncode != 0
    assert "CHECKLIST_PASSCODE" in result.stderr


def test_serve_prints_the_url_it_serves(tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "checklist", "serve", "--port", "0", "--data", str(tmp_path)],
                               env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, text=True)
    try:
        port = re.search(r"http://127\.0\.0\.1:(\d+)/", process.stdout.readline()).group(1)
        assert int(port) > 0
        assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
        assert (tmp_path / "keys" / "signing.pem").stat().st_mode & 0o777 == 0o600
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


@pytest.fixture
def guarded(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "test", "PASSCODE": "ward-7 tablet",
                      "SIGN_IN_FAILURE_DELAY": 0})
    return app.test_client()


def sign_in(client, passcode):
    page = client.get("/sign-in").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    return client.post("/sign-in", data={"csrf_token": token, "passcode": passcode})


def test_with_a_passcode_every_page_asks_for_it_first(guarded):
    for path in ("/", "/drafts/" + "0" * 32, "/drafts/" + "0" * 32 + "/evaluation.json"):
        response = guarded.get(path)
        assert response.status_code == 303 and response.location.startswith("/sign-in")
    assert guarded.get("/sign-in").status_code == 200


def test_the_right_passcode_signs_in(guarded):
    assert sign_in(guarded, "ward-7 tablet").status_code == 303
    assert guarded.get("/").status_code == 200


def test_a_wrong_passcode_is_refused(guarded):
    assert sign_in(guarded, "guess").status_code == 401
    assert guarded.get("/").status_code == 303


def test_repeated_failures_lock_sign_in_even_for_the_right_passcode(guarded):
    for _ in range(5):
        sign_in(guarded, "guess")
    response = sign_in(guarded, "ward-7 tablet")
    assert response.status_code == 429
    assert "Too many wrong passcodes" in response.text


def test_the_passcode_is_not_kept_in_plain_text(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "test", "PASSCODE": "ward-7 tablet"})
    assert "ward-7 tablet" not in repr(app.config)


def test_an_idle_session_locks(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "test", "PASSCODE": "p", "IDLE_LOCK_SECONDS": -1})
    client = app.test_client()
    sign_in(client, "p")
    assert client.get("/").status_code == 303


def test_an_answer_sent_after_the_idle_lock_is_refused_as_signed_out_not_redirected(tmp_path):
    """htmx would follow a redirect away from the page and the answer would be lost; a 401 lets
    the page lock its screen and keep the answer for after sign-in."""
    app = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "test", "PASSCODE": "p", "IDLE_LOCK_SECONDS": -1})
    client = app.test_client()
    sign_in(client, "p")
    response = client.post("/drafts/" + "0" * 32 + "/answers", data={"sex": "female"}, headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert "HX-Redirect" not in response.headers


def test_a_scripts_request_while_signed_out_is_refused_not_redirected(guarded):
    response = guarded.get("/ping", headers={"Sec-Fetch-Mode": "cors"})
    assert response.status_code == 401


def test_a_navigation_while_signed_out_goes_to_sign_in(guarded):
    response = guarded.get("/", headers={"Sec-Fetch-Mode": "navigate"})
    assert response.status_code == 303 and response.location.startswith("/sign-in")


class Clock:
    """time.time() as the sign-in module reads it, moved on by hand."""

    def __init__(self, monkeypatch):
        self.now = 1_000_000.0
        monkeypatch.setattr("checklist.web.auth.time.time", lambda: self.now)


@pytest.fixture
def signed_in_with_a_clock(tmp_path, monkeypatch):
    """(client signed in with a 60-second idle lock, the clock it is judged by)"""
    clock = Clock(monkeypatch)
    app = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "test", "PASSCODE": "p", "IDLE_LOCK_SECONDS": 60})
    client = app.test_client()
    sign_in(client, "p")
    return client, clock


def test_the_pages_own_background_requests_do_not_hold_off_the_idle_lock(signed_in_with_a_clock):
    client, clock = signed_in_with_a_clock
    for _ in range(3):
        clock.now += 30
        client.get("/ping")
        client.get("/token")
    assert client.get("/").status_code == 303


def test_a_signed_in_page_tells_the_browser_when_to_lock_and_carries_the_cover(guarded):
    sign_in(guarded, "ward-7 tablet")
    page = guarded.get("/").text
    assert '<meta name="idle-lock-seconds" content="900">' in page
    assert 'id="lock-cover"' in page and "Sign in to carry on" in page


def test_without_a_passcode_there_is_no_screen_lock(tmp_path):
    page = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "test"}).test_client().get("/").text
    assert "idle-lock-seconds" not in page and "lock-cover" not in page


def test_the_session_cookie_is_httponly_and_samesite_strict(guarded):
    cookie = sign_in(guarded, "ward-7 tablet").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_behind_an_https_proxy_the_session_cookie_is_secure(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "test", "PASSCODE": "p",
                      "SIGN_IN_FAILURE_DELAY": 0, "BEHIND_HTTPS_PROXY": True})
    client = app.test_client()
    page = client.get("/sign-in", headers={"X-Forwarded-Proto": "https"}).text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post("/sign-in", data={"csrf_token": token, "passcode": "p"},
                           headers={"X-Forwarded-Proto": "https", "Referer": "https://localhost/sign-in"})
    assert "Secure" in response.headers["Set-Cookie"]


def sign_in_from(client, address, passcode):
    page = client.get("/sign-in", environ_base={"REMOTE_ADDR": address}).text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    return client.post("/sign-in", data={"csrf_token": token, "passcode": passcode},
                       environ_base={"REMOTE_ADDR": address})


def test_one_clients_wrong_guesses_never_lock_out_another(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "test", "PASSCODE": "ward-7 tablet",
                      "SIGN_IN_FAILURE_DELAY": 0})
    for _ in range(40):
        sign_in_from(app.test_client(), "10.0.0.66", "guess")
    assert sign_in_from(app.test_client(), "10.0.0.7", "ward-7 tablet").status_code == 303


def test_a_burst_of_guesses_gets_one_checked_and_the_rest_told_to_wait(tmp_path, monkeypatch):
    app = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "test", "PASSCODE": "ward-7 tablet"})
    monkeypatch.setattr("time.sleep", lambda seconds: pytest.fail("a worker thread slept"))
    statuses = [sign_in_from(app.test_client(), "10.0.0.66", "guess").status_code for _ in range(8)]
    assert statuses == [401] + [429] * 7


def test_a_refusal_to_wait_says_when_to_try_again(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "test", "PASSCODE": "ward-7 tablet"})
    sign_in_from(app.test_client(), "10.0.0.66", "guess")
    response = sign_in_from(app.test_client(), "10.0.0.66", "guess")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1


def test_a_copied_session_cookie_stops_working_after_sign_out(guarded):
    sign_in(guarded, "ward-7 tablet")
    copied = guarded.get_cookie("session").value
    page = guarded.get("/").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    guarded.post("/sign-out", data={"csrf_token": token})
    guarded.set_cookie("session", copied)
    assert guarded.get("/").status_code == 303


def test_changing_the_passcode_ends_every_session(tmp_path):
    config = {"DATA_DIR": str(tmp_path), "SECRET_KEY": "test", "SIGN_IN_FAILURE_DELAY": 0}
    client = create_app({**config, "PASSCODE": "ward-7 tablet"}).test_client()
    sign_in(client, "ward-7 tablet")
    cookie = client.get_cookie("session").value
    restarted = create_app({**config, "PASSCODE": "a new ward passcode"}).test_client()
    restarted.set_cookie("session", cookie)
    assert restarted.get("/").status_code == 303


def test_restarting_with_the_same_passcode_keeps_sessions(tmp_path):
    config = {"DATA_DIR": str(tmp_path), "SECRET_KEY": "test", "SIGN_IN_FAILURE_DELAY": 0, "PASSCODE": "ward-7 tablet"}
    client = create_app(dict(config)).test_client()
    sign_in(client, "ward-7 tablet")
    restarted = create_app(dict(config)).test_client()
    restarted.set_cookie("session", client.get_cookie("session").value)
    assert restarted.get("/").status_code == 200


@pytest.mark.parametrize("target", ["/%09/evil.example/phish", "//evil.example/", "/\\evil.example",
                                    "/%0a/evil.example", "/%0d%0aSet-Cookie:x=1", "https://evil.example/",
                                    "/\t/evil.example", "/no-such-page"])
def test_after_sign_in_only_a_page_of_the_app_is_a_destination(guarded, target):
    page = guarded.get("/sign-in").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = guarded.post("/sign-in", query_string={"next": target},
                            data={"csrf_token": token, "passcode": "ward-7 tablet"})
    assert response.status_code == 303
    assert response.location == "/"


def test_after_sign_in_the_page_asked_for_opens(guarded):
    draft = "/drafts/" + "0" * 32
    page = guarded.get("/sign-in").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = guarded.post("/sign-in", query_string={"next": draft},
                            data={"csrf_token": token, "passcode": "ward-7 tablet"})
    assert response.location == draft


def test_a_background_request_while_signed_out_keeps_the_sign_in_forms_token(guarded):
    page = guarded.get("/sign-in").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    for background in ("/sw.js", "/manifest.webmanifest", "/ping"):
        guarded.get(background)
    response = guarded.post("/sign-in", data={"csrf_token": token, "passcode": "ward-7 tablet"})
    assert response.status_code == 303


def sign_in_form_token(client) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get("/sign-in").text).group(1)


def test_a_second_tabs_sign_in_form_goes_on_once_another_tab_has_signed_in(guarded):
    second_tab = sign_in_form_token(guarded)
    assert sign_in(guarded, "ward-7 tablet").status_code == 303  # the first tab
    response = guarded.post("/sign-in", query_string={"next": "/log"},
                            data={"csrf_token": second_tab, "passcode": "ward-7 tablet"})
    assert response.status_code == 303 and response.location == "/log"


def test_a_sign_in_form_that_expired_meanwhile_asks_again_in_words(guarded):
    stale = sign_in_form_token(guarded)
    sign_in(guarded, "ward-7 tablet")
    guarded.post("/sign-out", data={"csrf_token": re.search(r'name="csrf-token" content="([^"]+)"',
                                                             guarded.get("/").text).group(1)})
    response = guarded.post("/sign-in", data={"csrf_token": stale, "passcode": "ward-7 tablet"})
    assert response.status_code == 400
    assert "This sign-in page had expired. Enter the passcode again." in response.text
    assert sign_in(guarded, "ward-7 tablet").status_code == 303  # the page it gave works


@pytest.mark.parametrize("passcode", [" ", "1", "aaaaaaaaaa", "short"])
def test_serve_refuses_a_passcode_too_weak_to_guard_patient_data(tmp_path, passcode):
    result = run_checklist("serve", "--host", "0.0.0.0", "--port", "0", "--data", str(tmp_path),
                           env={"CHECKLIST_PASSCODE": passcode})
    assert result.returncode == 2
    assert "at least 8 characters" in result.stderr


def test_serve_answers_its_own_names_and_refuses_any_other_host(tmp_path):
    # DNS rebinding: a page at http://attacker.example:PORT whose name resolves to 127.0.0.1.
    live = LiveServer(tmp_path, "--name", "ward-laptop.clinic.test")
    live.start()
    try:
        def status(host):
            connection = http.client.HTTPConnection("127.0.0.1", live.port, timeout=10)
            try:
                connection.request("GET", "/", headers={"Host": f"{host}:{live.port}"})
                return connection.getresponse().status
            finally:
                connection.close()
        assert status("attacker.example") == 400
        for host in ("127.0.0.1", "localhost", "[::1]", "ward-laptop.clinic.test"):
            assert status(host) == 200, host
    finally:
        live.stop()


def test_serve_refuses_a_body_larger_than_the_app_takes_before_reading_it(tmp_path):
    live = LiveServer(tmp_path)
    live.start()
    connection = http.client.HTTPConnection("127.0.0.1", live.port, timeout=10)
    try:
        connection.putrequest("POST", "/drafts")
        connection.putheader("Content-Length", str(300 * 1024 * 1024))
        connection.endheaders()
        assert connection.getresponse().status == 413
    finally:
        connection.close()
        live.stop()


def test_sessions_that_locked_while_no_server_ran_are_removed_at_start(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "test", "PASSCODE": "p", "IDLE_LOCK_SECONDS": 60})
    sign_in(app.test_client(), "p")
    sign_in(app.test_client(), "p")
    stale, fresh = sorted((tmp_path / "sessions").glob("*.session"))
    os.utime(stale, (0, 0))
    create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "test", "PASSCODE": "p", "IDLE_LOCK_SECONDS": 60})
    assert sorted((tmp_path / "sessions").glob("*.session")) == [fresh]


def test_a_session_in_use_stays_open_past_the_idle_time_from_sign_in(signed_in_with_a_clock):
    client, clock = signed_in_with_a_clock
    for _ in range(3):
        clock.now += 30
        assert client.get("/").status_code == 200


def test_the_sign_in_page_after_the_idle_lock_does_not_look_signed_in(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "test", "PASSCODE": "p", "IDLE_LOCK_SECONDS": -1})
    client = app.test_client()
    sign_in(client, "p")
    page = client.get("/sign-in").text
    assert "Sign out" not in page and "lock-cover" not in page


def test_the_sign_in_page_sends_someone_signed_in_on_to_the_page_asked_for(guarded):
    sign_in(guarded, "ward-7 tablet")
    response = guarded.get("/sign-in?next=/verify")
    assert response.status_code == 303 and response.location == "/verify"
