"""Response headers that keep patient data where it belongs, and clear refusals of bad requests."""
from __future__ import annotations

from flask import abort, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def init_app(app) -> None:
    if app.config.get("BEHIND_HTTPS_PROXY"):
        # A reverse proxy terminates HTTPS: trust its X-Forwarded-Proto (and -For, so that sign-in
        # failures are counted per client, not per proxy), send cookies only over HTTPS.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
        app.config["SESSION_COOKIE_SECURE"] = True
    if app.config.get("HOST_NAMES"):
        app.config["HOST_NAMES"] = frozenset(name.lower() for name in app.config["HOST_NAMES"])
        app.before_request(known_host)
    app.before_request(allow_larger_uploads)
    app.after_request(secure_headers)
    app.register_error_handler(413, too_large)


UPLOADS = {"drafts.import_draft", "summary.verify"}  # a draft's export with a long history; a signed PDF
UPLOAD_LIMIT = 4 * 1024 * 1024  # waitress's own limit (cli.WAITRESS_LIMITS)


def allow_larger_uploads():
    """A file upload may be larger than an answer (MAX_CONTENT_LENGTH). Runs before the CSRF
    check, which reads the body."""
    if request.endpoint in UPLOADS:
        request.max_content_length = UPLOAD_LIMIT


def known_host():
    """Refuse a request whose Host is not one of the server's names (DNS rebinding). Checked here,
    not with Flask's TRUSTED_HOSTS, which cannot read a bracketed IPv6 address such as [::1]:8750."""
    host = request.host.lower()
    name = host[1:host.find("]")] if host.startswith("[") else host.split(":")[0]
    if name not in current_app.config["HOST_NAMES"]:
        abort(400, description="This server does not answer to that name.")
    return None


def secure_headers(response):
    """A strict policy on every response; only what a view marks cacheable (assets) may be kept."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")  # the app itself gets it: CSRF checks it over HTTPS
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def too_large(error):
    limit = request.max_content_length // 1024
    return f"The request is too large for the checklist (at most {limit} KB). Nothing was saved.", 413
