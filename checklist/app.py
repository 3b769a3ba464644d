"""The app factory: the Flask app with its blueprints, configured through Flask config."""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask
from flask.templating import Environment
from flask_htmx import HTMX
from flask_wtf.csrf import CSRFProtect
from platformdirs import user_data_dir

from . import settings
from .bundled import DEFAULT_RULES, STATIC, TEMPLATES
from .domain.rules import RulesFileError, load_trial
from .persistence.files import write_atomically

class Templates(Environment):
    """Flask's Jinja environment, with each template's globals a plain dict of the environment's.

    Jinja keeps them as a ChainMap over the environment's, so that a global added after a template
    is loaded still shows in it; every include and import then copies that ChainMap key by key (a
    reply to an answer includes a handful of fragments: a tenth of its time). The app adds all its
    globals in create_app, before any template is loaded; one added later would not show."""

    def make_globals(self, extra):
        return {**self.globals, **(extra or {})}


class App(Flask):
    jinja_environment = Templates


csrf = CSRFProtect()
htmx = HTMX()  # `if htmx:` in a view: the request came from htmx (its HX-Request header)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; `test_config` overrides the defaults (DATA_DIR, RULES_FILE, ...) and every
    other source of the site settings; raises settings.SettingsError on a bad setting."""
    app = App(__name__, template_folder=str(TEMPLATES), static_folder=str(STATIC))
    app.config.from_mapping(
        DATA_DIR=user_data_dir("checklist", appauthor=False),
        RULES_FILE=str(DEFAULT_RULES),
        MAX_CONTENT_LENGTH=256 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # a page left open at the bedside for hours must still save
        PASSCODE=None,  # required by `checklist serve` beyond loopback; then every page asks for it
        # WTForms' own messages are not shown to patients (their page words its own), and with
        # Flask-Babel installed Flask-WTF would read WTForms' catalogue from disk on every form.
        WTF_I18N_ENABLED=False,
    )
    if test_config:
        app.config.update(test_config)
    data_dir = Path(app.config["DATA_DIR"])
    app.config.update(settings.load(data_dir, test_config or {}))  # site settings: see settings.py
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    app.config.setdefault("SECRET_KEY", None)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = secret_key(data_dir / "secret_key")
    load_trials(app)

    from .web import (api, auth, clinician, compression, language, offline, patients, records, screening, security,
                      store, summary, tablets, times)
    store.init_app(app)
    compression.init_app(app)
    security.init_app(app)
    auth.init_app(app)  # before the CSRF check: a signed-out request is told so (401), whatever its token
    csrf.init_app(app)
    htmx.init_app(app)
    language.init_app(app)
    app.register_blueprint(clinician.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(summary.bp)
    app.register_blueprint(screening.bp)
    app.register_blueprint(records.bp)
    app.register_blueprint(tablets.bp)
    app.register_blueprint(patients.bp)
    offline.init_app(app)
    times.init_app(app)
    csrf.exempt(api.bp)
    return app


def secret_key(path: Path) -> str:
    """The app's secret key, generated once into the data folder (0600) and reused by every worker."""
    if not path.exists():
        try:
            write_atomically(path, secrets.token_hex(32).encode(), replace=False)
        except FileExistsError:  # another worker made it first: use theirs
            pass
    return path.read_text().strip()


def load_trials(app: Flask) -> None:
    """The trials the site serves: RULES_FILES (several rules files), else RULES_FILE. The first is
    the default (new drafts, the API, drafts saved before they recorded their trial)."""
    # Resolved now: a path relative to where `serve` was started means nothing to send_file later.
    files = [Path(name).resolve() for name in (app.config.get("RULES_FILES") or [app.config["RULES_FILE"]])]
    trials, paths = {}, {}
    for path in files:
        trial = load_trial(path)
        if trial.id in trials:
            raise RulesFileError(f"{path}: trial {trial.id} is already served from {paths[trial.id]}")
        trials[trial.id], paths[trial.id] = trial, path
    app.config["RULES_FILE"] = str(files[0])
    app.extensions["trials"], app.extensions["trial_paths"] = trials, paths
    app.extensions["trial"] = trials[next(iter(trials))]
