"""Where the files the app ships with live: inside the package when it is installed from a wheel
(pyproject.toml maps them there at build time), at the repository's top level in a clone or an
editable install, where they are kept and edited."""
from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def _bundled(installed: Path, in_clone: Path) -> Path:
    return installed if installed.exists() else in_clone


TEMPLATES = _bundled(PACKAGE / "templates", PACKAGE.parent / "templates")
STATIC = _bundled(PACKAGE / "static", PACKAGE.parent / "static")
DEFAULT_RULES = _bundled(PACKAGE / "trial" / "rules.json", PACKAGE.parent / "rules.json")
