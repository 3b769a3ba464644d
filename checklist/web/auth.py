"""Sign-in with the site passcode, required whenever the app is served beyond loopback.

The passcode is kept only as a salted scrypt hash and compared in constant time. Failures are
counted per client (its address): each failure makes that client wait before its next attempt,
and five within five minutes lock it out for a while; no worker thread ever sleeps, and one
client's guesses never refuse another's right passcode. Sessions are recorded on the server, so
signing out ends the session everywhere its cookie was copied, and changing the passcode ends
every session. A session idle for IDLE_LOCK_SECONDS locks; its file goes at the next start.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..app import htmx

bp = Blueprint("auth", __name__)
OPEN_ENDPOINTS = {"auth.sign_in", "static", "tablets.authority_certificate", "language.switch"}
# The page's own background requests: they do not count as someone using the app.
BACKGROUND_ENDPOINTS = {"offline.ping", "offline.token"}
FAILURES_BEFORE_LOCKOUT = 5
LOCKOUT_SECONDS = 300
FAILURE_DELAY_SECONDS = 1.0
MINIMUM_PASSCODE_LENGTH = 8


def passcode_problem(passcode: str) -> str:
    """Why a passcode is too weak to guard patient data, or "" when it will do."""
    if len(passcode) < MINIMUM_PASSCODE_LENGTH or len(set(passcode)) < 3 or not passcode.strip():
        return (f"the passcode must have at least {MINIMUM_PASSCODE_LENGTH} characters, not all the same "
                "(a short phrase such as 'ward 7 night shift' is easy to type and hard to guess)")
    return ""


def _derive(passcode: str, salt: bytes) -> bytes:
    return hashlib.scrypt(passcode.encode(), salt=salt, n=2**14, r=8, p=1)


class PasscodeGate:
    """The hashed passcode and each client's recent failures."""

    def __init__(self, passcode: str):
        self._salt = secrets.token_bytes(16)
        self._hash = _derive(passcode, self._salt)
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def wait_for(self, client: str) -> tuple[int, bool]:
        """(seconds before this client may try again, whether it is locked out); (0, False) when it
        may, reserving its attempt: a burst of simultaneous guesses gets one checked, not all."""
        delay = current_app.config["SIGN_IN_FAILURE_DELAY"]
        with self._lock:
            now = time.monotonic()
            recent = [t for t in self._failures.get(client, []) if now - t < LOCKOUT_SECONDS]
            if len(recent) >= FAILURES_BEFORE_LOCKOUT:
                self._failures[client] = recent
                return int(LOCKOUT_SECONDS - (now - recent[0])) + 1, True
            if recent and now - recent[-1] < delay:
                return max(1, round(delay - (now - recent[-1]))), False
            self._failures[client] = recent + [now]  # counted as a failure until it succeeds
            return 0, False

    def check(self, client: str, attempt: str) -> bool:
        if hmac.compare_digest(_derive(attempt, self._salt), self._hash):
            with self._lock:
                self._failures.pop(client, None)
            return True
        return False


class Sessions:
    """Signed-in sessions, one file each in the data folder, so that every server process sees
    a sign-out; a file's modification time is the session's last use, which the idle lock reads.
    A verifier of the passcode beside them ends them all when the passcode changes."""

    def __init__(self, folder: Path, passcode: str, idle_seconds: float):
        self.folder, self.idle_seconds = folder, idle_seconds
        folder.mkdir(mode=0o700, exist_ok=True)
        verifier = folder / "passcode.verifier"
        if not self._verifies(verifier, passcode):
            for path in folder.glob("*.session"):
                path.unlink(missing_ok=True)
            salt = secrets.token_bytes(16)
            verifier.write_bytes(salt + _derive(passcode, salt))
            verifier.chmod(0o600)
        for path in folder.glob("*.session"):  # the sessions that locked while no server ran
            if not self._recent(path):
                path.unlink(missing_ok=True)

    @staticmethod
    def _verifies(verifier: Path, passcode: str) -> bool:
        try:
            stored = verifier.read_bytes()
        except OSError:
            return False
        return hmac.compare_digest(_derive(passcode, stored[:16]), stored[16:])

    def _path(self, session_id) -> Path | None:
        if isinstance(session_id, str) and session_id.isalnum():
            return self.folder / f"{session_id}.session"
        return None

    def _recent(self, path: Path) -> bool:
        try:
            return time.time() - path.stat().st_mtime < self.idle_seconds
        except OSError:
            return False

    def start(self) -> str:
        session_id = secrets.token_hex(32)
        (self.folder / f"{session_id}.session").touch(mode=0o600)
        self.used(session_id)
        return session_id

    def is_open(self, session_id) -> bool:
        """Signed in, not signed out since, and used within the idle time."""
        path = self._path(session_id)
        return path is not None and self._recent(path)

    def used(self, session_id) -> None:
        now = time.time()
        try:
            os.utime(self._path(session_id), (now, now))
        except OSError:  # signed out meanwhile on another tablet; the next request finds it gone
            pass

    def end(self, session_id) -> None:
        path = self._path(session_id)
        if path is not None:
            path.unlink(missing_ok=True)


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
    app.extensions["sessions"] = Sessions(Path(app.config["DATA_DIR"]) / "sessions", passcode,
                                          app.config["IDLE_LOCK_SECONDS"])
    app.config["PASSCODE"] = None  # only hashes are kept
    app.before_request(require_sign_in)


def require_sign_in():
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    sessions = current_app.extensions["sessions"]
    if session.get("signed_in"):
        if sessions.is_open(session.get("session_id")):
            if request.endpoint not in BACKGROUND_ENDPOINTS:
                sessions.used(session["session_id"])
            return None
        sessions.end(session.get("session_id"))
        session.clear()
    # A signed-out request (the service worker's, the manifest's) leaves the session alone: it
    # holds the sign-in form's CSRF token.
    if htmx or request.headers.get("Sec-Fetch-Mode", "navigate") != "navigate":
        # A script's request (an answer, the offline queue) is refused, not redirected: the page
        # locks its screen and keeps the answer for after sign-in (static/checklist.js).
        return "Signed out: sign in again.", 401
    return redirect(url_for("auth.sign_in", next=request.path), code=303)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    gate = current_app.extensions.get("passcode_gate")
    if gate is None:
        return redirect(url_for("drafts.index"))
    error, status, headers = "", 200, {}
    if request.method == "GET" and session.get("signed_in"):
        if current_app.extensions["sessions"].is_open(session.get("session_id")):
            return redirect(safe_next(request.args.get("next", "")), code=303)  # signed in already
        session.clear()  # what is left of a locked session: the page must not look signed in
    if request.method == "POST":
        client = request.remote_addr or "unknown"
        wait, locked = gate.wait_for(client)
        if wait:
            error = (_("Too many wrong passcodes. Try again in %(wait)d seconds.", wait=wait) if locked
                     else _("Wait %(wait)d seconds before trying again.", wait=wait))
            status, headers = 429, {"Retry-After": str(wait)}
        elif gate.check(client, request.form.get("passcode", "")):
            session.clear()
            session.update(signed_in=True, session_id=current_app.extensions["sessions"].start())
            return redirect(safe_next(request.args.get("next", "")), code=303)
        else:
            error, status = _("That passcode is not right."), 401
    return render_template("sign_in.html", error=error), status, headers


@bp.app_errorhandler(CSRFError)
def expired_form(error):
    """A form whose CSRF token no longer matches the session: one opened before a sign-in or
    sign-out in another tab, or before the idle lock. A sign-in form says so and asks again (or,
    when another tab has signed in meanwhile, goes on); anything else keeps the plain 400 that
    the page's script explains."""
    if request.endpoint != "auth.sign_in" or current_app.extensions.get("passcode_gate") is None:
        return error
    if session.get("signed_in") and current_app.extensions["sessions"].is_open(session.get("session_id")):
        return redirect(safe_next(request.args.get("next", "")), code=303)
    return render_template("sign_in.html", error=_("This sign-in page had expired. Enter the passcode again.")), 400


def safe_next(target: str) -> str:
    """Where to go after signing in: a page of this app, else the start page. Browsers drop tabs
    and newlines from addresses and read a backslash as a slash, so "/\\t/evil.example" would
    leave the app: anything but a plain path of one of the app's own routes is refused."""
    parts = urlsplit(target)
    plain = target.startswith("/") and target.isprintable() and " " not in target and "\\" not in target
    if not plain or target.startswith("//") or parts.scheme or parts.netloc:
        return url_for("drafts.index")
    try:
        current_app.url_map.bind("localhost").match(parts.path, method="GET")
    except HTTPException:
        return url_for("drafts.index")
    return target


@bp.post("/sign-out")
def sign_out():
    sessions = current_app.extensions.get("sessions")
    if sessions:
        sessions.end(session.get("session_id"))
    session.clear()
    response = redirect(url_for("auth.sign_in"), code=303)
    response.headers["Clear-Site-Data"] = '"cache", "storage"'  # the pages and answers kept on this device
    return response
