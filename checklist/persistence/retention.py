"""Retention: drafts left unchanged for RETENTION_DAYS are deleted."""
from __future__ import annotations

import logging
from time import monotonic

PURGE_EVERY_SECONDS = 24 * 3600
log = logging.getLogger(__name__)


class Retention:
    """Deletes drafts left unchanged for RETENTION_DAYS: when the app starts, then at most daily,
    checked on requests (no background thread); RETENTION_DAYS None keeps drafts forever."""

    def __init__(self, store, days):
        self.store, self.days = store, days
        self.next_due = 0.0

    def purge_if_due(self) -> None:
        if self.days is None or monotonic() < self.next_due:
            return
        self.next_due = monotonic() + PURGE_EVERY_SECONDS
        try:
            self.store.purge(self.days)
        except OSError:  # a purge that fails must not stop anyone answering; it is retried tomorrow
            log.exception("The retention purge failed; drafts past retention stay until the next one.")
