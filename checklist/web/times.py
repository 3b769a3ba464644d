"""Times as people at the site read them: stored in UTC, shown in the site's zone, which is named.

The zone is the TIME_ZONE setting (an IANA name such as "Europe/Paris"), or else this server's own.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app


def init_app(app) -> None:
    app.config.setdefault("TIME_ZONE", None)
    app.add_template_filter(local_time)
    app.add_template_global(zone_name)


def site_zone() -> dt.tzinfo | None:
    """The configured zone; None means the server's local zone."""
    name = current_app.config["TIME_ZONE"]
    return ZoneInfo(name) if name else None


def local_moment(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(site_zone())


def local_time(stamp: str, named: bool = True) -> str:
    """An ISO UTC timestamp as '2026-06-15 14:05 CEST': local to the site, its zone named unless
    a heading names it already."""
    moment = local_moment(stamp)
    return f"{moment:%Y-%m-%d %H:%M %Z}" if named else f"{moment:%Y-%m-%d %H:%M}"


def zone_name() -> str:
    """The site zone's abbreviation now, for column headings ('When (CEST)')."""
    return f"{dt.datetime.now(dt.timezone.utc).astimezone(site_zone()):%Z}"
