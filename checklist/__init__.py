"""An offline-first bedside eligibility checklist for clinical trials.

The rules engine and `checklist evaluate` need no Flask, so the app factory (checklist.app) is
imported only when it is first asked for: `from checklist import create_app`.
"""
from __future__ import annotations


def __getattr__(name):
    if name == "create_app":
        from .app import create_app
        return create_app
    raise AttributeError(f"module 'checklist' has no attribute {name!r}")
