"""The one error class the desk raises for anything a user can get wrong.

Each error carries a stable snake_case ``code`` (scripts rely on it) and a
message written for a person. The CLI maps it to exit status 1 and the desk
shows it as a notification; neither ever shows a traceback.
"""

from __future__ import annotations

from typing import Any


class DeskError(Exception):
    """A value or rule the desk refuses. Nothing was changed."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return {"error": body}

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"DeskError({self.code!r}, {self.message!r})"


def not_found(kind: str, ident: object) -> DeskError:
    return DeskError("not_found", f"No {kind} with id {ident}.", kind=kind, id=ident)


def invalid(message: str, **details: Any) -> DeskError:
    return DeskError("invalid_value", message, **details)
