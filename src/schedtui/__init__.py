"""schedtui: a keyboard-driven scheduling desk for recurring events."""

__version__ = "0.1.0"
