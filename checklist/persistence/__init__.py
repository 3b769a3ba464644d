"""Persistence: drafts on disk (TinyDB files), their history, exports and retention."""
