"""Who may reach the checklist: `checklist serve` and the passcode sign-in."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from checklist import create_app
from conftest import ROOT


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
