"""Sign-in with the site passcode, required whenever the app is served beyond loopback.

The passcode is kept only as a salted scrypt hash and compared in constant time; failed attempts
are slowed down and lock sign-in for a while after repeated failures; an idle session locks.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time

from flask import (Blueprint, current_app, redirect, render_template, request, session,
                   url_for)

from ..app import htmx

bp = Blueprint("auth", __name__)
OPEN_ENDPOINTS = {"auth.sign_in", "static"}
FAILURES_BEFORE_LOCKOUT = 5
LOCKOUT_SECONDS = 300
FAILURE_DELAY_SECONDS = 1.0


class PasscodeGate:
    """The hashed passcode and the record of recent failures."""

    def __init__(self, passcode: str):
        self._salt = secrets.token_bytes(16)
        self._hash = self._derive(passcode)
        self._failures: list[float] = []
        self._lock = threading.Lock()

    def _derive(self, passcode: str) -> bytes:
        return hashlib.scrypt(passcode.encode(), salt=self._salt, n=2**14, r=8, p=1)

    def locked_for(self) -> int:
        """Seconds until sign-in is possible again (0 when it is)."""
        with self._lock:
            recent = [t for t in self._failures if time.monotonic() - t < LOCKOUT_SECONDS]
            self._failures = recent
            if len(recent) < FAILURES_BEFORE_LOCKOUT:
                return 0
            return int(LOCKOUT_SECONDS - (time.monotonic() - recent[0])) + 1

    def check(self, attempt: str) -> bool:
        if hmac.compare_digest(self._derive(attempt), self._hash):
            return True
        with self._lock:
            self._failures.append(time.monotonic())
        time.sleep(current_app.config["SIGN_IN_FAILURE_DELAY"])
        return False


def init_app(app) -> None:
    """Require sign-in for every page when a passcode is configured."""
    passcode = app.config.get("PASSCODE")
    app.register_blueprint(bp)
    if not passcode:
        return
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict")
    app.config.setdefault("SIGN_IN_FAILURE_DELAY", FAILURE_DELAY_SECONDS)
    app.config.setdefault("IDLE_LOCK_SECONDS", 15 * 60)
    app.extensions["passcode_gate"] = PasscodeGate(passcode)
    app.config["PASSCODE"] = None  # only the hash is kept
    app.before_request(require_sign_in)


def require_sign_in():
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    last_seen = session.get("last_seen", 0)
    if session.get("signed_in") and time.time() - last_seen < current_app.config["IDLE_LOCK_SECONDS"]:
        session["last_seen"] = time.time()
        return None
    session.clear()
    if htmx:
        return "", 401, {"HX-Redirect": url_for("auth.sign_in")}
    return redirect(url_for("auth.sign_in", next=request.path), code=303)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    gate = current_app.extensions.get("passcode_gate")
    if gate is None:
        return redirect(url_for("drafts.index"))
    error, status = "", 200
    if request.method == "POST":
        wait = gate.locked_for()
        if wait:
            error, status = f"Too many wrong passcodes. Try again in {wait} seconds.", 429
        elif gate.check(request.form.get("passcode", "")):
            session.clear()
            session.update(signed_in=True, last_seen=time.time())
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("drafts.index"), code=303)
        else:
            error, status = "That passcode is not right.", 401
    return render_template("sign_in.html", error=error), status


@bp.post("/sign-out")
def sign_out():
    session.clear()
    return redirect(url_for("auth.sign_in"), code=303)
