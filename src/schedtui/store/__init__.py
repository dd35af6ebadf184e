"""Persistence: SQLModel tables, engine set-up, schema versions and transactions."""

from schedtui.store.engine import Store, open_store

__all__ = ["Store", "open_store"]
