"""Site settings without Python: a settings file in the data folder, CHECKLIST_* environment
variables and `checklist serve` flags, over the defaults, checked once when the app starts.

Precedence, highest first: flags (given to `create_app` as config), environment, settings file,
defaults. A bad value stops the start with a message naming the setting and where it came from.
"""
from __future__ import annotations

import tomllib
import zoneinfo
from pathlib import Path

from flask.config import Config

SETTINGS_FILE = "settings.toml"
ENVIRONMENT_PREFIX = "CHECKLIST"
NEVER = "never"
DEFAULTS = {
    "UNIT_SYSTEM": "conventional",  # or "si": which unit each quantity's chooser starts on
    "PAPER_SIZE": "A4",  # or "Letter": the signed PDF summary's page size
    "SITE_NAME": None,  # who signs summaries (the signing certificate's name); default: this computer's name
    "RETENTION_DAYS": 30,  # drafts unchanged this long are deleted, at start and daily; None keeps them
    "TIME_ZONE": None,  # the IANA zone times are shown in; default: the server's own zone
    "HTTPS": False,  # `serve` speaks HTTPS with the site's own certificate authority (tls.py)
    "HTTP_PORT": None,  # with HTTPS: a plain-HTTP port that sends every request to the HTTPS address
}


class SettingsError(ValueError):
    """A setting with a value the app cannot use; the message names the setting and its source."""


def unit_system(value) -> str:
    return _one_of(value, ("conventional", "si"))


def paper_size(value) -> str:
    return _one_of(value, ("A4", "Letter"))


def site_name(value) -> str:
    text = str(value).strip()
    if not text or not text.isprintable():
        raise ValueError("must be a name in printable characters, not empty")
    return text


def retention_days(value) -> int | None:
    """A whole number of days, at least 1; `never` keeps drafts forever."""
    if isinstance(value, str) and value.strip().lower() == NEVER:
        return None
    try:
        days = int(str(value).strip())
    except ValueError:
        days = 0
    if isinstance(value, (bool, float)) or days < 1:
        raise ValueError(f"must be a whole number of days (1 or more) or {NEVER}, not {value!r}")
    return days


def time_zone(value) -> str:
    """An IANA time zone name, such as Europe/Paris."""
    try:
        zoneinfo.ZoneInfo(str(value))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"must be an IANA time zone name such as Europe/Paris, not {value!r}") from None
    return str(value)


def switch(value) -> bool:
    """On or off: true/false in the settings file, 1/0, yes/no, on/off in the environment."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"must be true or false, not {value!r}")


def port(value) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if isinstance(value, (bool, float)) or not 1 <= number <= 65535:
        raise ValueError(f"must be a port number from 1 to 65535, not {value!r}")
    return number


def _one_of(value, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"must be {' or '.join(allowed)}, not {value!r}")
    return value


CHECKS = {"UNIT_SYSTEM": unit_system, "PAPER_SIZE": paper_size, "SITE_NAME": site_name,
          "RETENTION_DAYS": retention_days, "TIME_ZONE": time_zone,
          "HTTPS": switch, "HTTP_PORT": port}


def load(data_dir, given: dict) -> dict:
    """The site settings, each from its highest source, checked; `given` is the caller's config."""
    settings = dict(DEFAULTS)
    sources = [(from_file(data_dir), lambda key: f"{key.lower()} in {Path(data_dir) / SETTINGS_FILE}"),
               (from_environment(), lambda key: f"{ENVIRONMENT_PREFIX}_{key}"),
               ({key: value for key, value in given.items() if key in DEFAULTS}, lambda key: key)]
    for values, where in sources:
        for key, value in values.items():
            settings[key] = _checked(key, value, where(key))
    return settings


def _checked(key: str, value, where: str):
    if value is None:  # only the caller's config can say "the default"
        return value
    try:
        return CHECKS[key](value)
    except ValueError as problem:
        raise SettingsError(f"setting {key} ({where}) {problem}") from None


def from_file(data_dir) -> dict:
    """The settings in the data folder's settings.toml (keys: the setting names in lower case)."""
    path = Path(data_dir) / SETTINGS_FILE
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as problem:
        raise SettingsError(f"{path}: not valid TOML: {problem}") from None
    unknown = sorted(key for key in document if key.upper() not in DEFAULTS or key != key.lower())
    if unknown:
        raise SettingsError(f"{path}: unknown setting {', '.join(unknown)}; the settings are "
                            f"{', '.join(key.lower() for key in DEFAULTS)}")
    return {key.upper(): value for key, value in document.items()}


def from_environment() -> dict:
    """The site settings among the CHECKLIST_* variables, as typed (each check parses its own).

    Read into a scratch Config: other CHECKLIST_* variables (the passcode, the PKCS#12 password)
    are read by their own code and must not land in the app's config parsed as JSON numbers."""
    scratch = Config(root_path="")
    scratch.from_prefixed_env(ENVIRONMENT_PREFIX, loads=str)
    return {key: value for key, value in scratch.items() if key in DEFAULTS}
