"""The one error class the desk raises for anything a user can get wrong.

Each error carries a stable snake_case ``code`` (scripts rely on it) and a
message written for a person. The CLI maps it to exit status 1 and the desk
shows it as a notification; neither ever shows a traceback.
"""

from __future__ import annotations

from typing import Any

CODES: dict[str, str] = {
    # values and rules
    "invalid_value": "a value is out of range or not in its format",
    "invalid_timezone": "not an IANA time zone name",
    "invalid_rule": "a recurrence rule the desk cannot read or hold",
    "no_occurrences": "the rule yields no occurrence",
    "too_many_occurrences": "a finite series over 5,000 occurrences",
    "not_found": "no hub, series, occurrence, registration or file with that name or id",
    "has_registrations": "the change drops occurrences people hold seats in (add --confirm)",
    "invalid_state": "not possible in the current state (resume a published series...)",
    "series_archived": "the series is archived and cannot change",
    "occurrence_started": "the occurrence has begun or is past",
    "occurrence_clash": "another occurrence of the series is already at that time",
    "nothing_to_undo": "no occurrence edit left to undo",
    "capacity_below_booked": "a capacity below the confirmed seats (add --demote)",
    # registrations
    "occurrence_not_open": "the occurrence is cancelled or past",
    "series_not_open": "the series is a draft, paused or archived",
    "outside_booking_window": "too early or too late to book",
    "duplicate_registration": "the person is already registered",
    "registration_option_mismatch": "the sessions chosen do not fit the series' option",
    "too_many_seats": "more seats than the series allows per booking",
    "idempotency_conflict": "the idempotency key was used for a different request",
    "idempotency_in_progress": "the same idempotency key is being served; retry it",
    "invalid_email": "not an e-mail address, or a notice that cannot be written as mail",
    "no_room": "no free seat at the occurrence switched to",
    # policies: contact requirements, one-off events
    "invalid_phone": "not a phone number, or not a valid one for its region",
    "contact_required": "the series asks for a contact the registration lacks (email, phone)",
    "one_off_event": "a one-off event has no rule: split, rule edits and the horizon do not apply",
    # tickets and payments
    "invalid_amount": "an amount that is negative, not a number, or has more decimals than "
                      "its currency",
    "unknown_currency": "not an ISO 4217 currency code",
    "currency_mismatch": "a series sells in one currency; a sold ticket keeps its currency",
    "quantity_below_sold": "a ticket quantity below the seats already sold",
    "ticket_required": "the series sells tickets: choose one (--ticket)",
    "ticket_not_on_sale": "the ticket is archived or outside its sales window",
    "ticket_sold_out": "the ticket's quantity cannot hold the seats asked for",
    "ticket_mismatch": "the ticket is not sold for that series",
    "overpayment": "a payment above what is still due",
    "over_refund": "a refund above what was paid",
    # files
    "invalid_path": "a path that names a folder, a device or nothing",
    "file_exists": "the file exists (add --force to replace it)",
    "file_too_large": "a file over the size limit",
    "read_failed": "a file cannot be read",
    "write_failed": "a file cannot be written; nothing was written",
    "backup_failed": "the backup cannot be written or verified",
    "unsupported": "not possible on this kind of store",
    "csv_empty": "the CSV file holds no rows",
    "csv_malformed": "the CSV file cannot be read as CSV",
    "csv_no_email_column": "no email column in the CSV header",
    "csv_encoding": "the CSV file's encoding cannot be told; the line and byte are named",
    "invalid_ics": "not an iCalendar file",
    "ics_empty": "the iCalendar file holds no events",
    "ics_unsupported": "events the desk cannot hold; nothing was imported",
    # the database
    "not_a_database": "the file or schema belongs to another program",
    "invalid_database": "a database path or URL that cannot be used",
    "damaged_database": "a schedtui database with a damaged schema",
    "schema_too_new": "written by a newer schedtui",
    "database_unavailable": "the database cannot be reached",
    "database_busy": "another writer held the lock too long; try again",
    "database_exists": "the benchmark data set's file exists",
    # sending mail
    "invalid_smtp_url": "not an smtp:// or smtps:// URL (no password in it)",
    "invalid_config": "the config file cannot be read",
    "smtp_not_configured": "no mail server given (--smtp, SCHEDTUI_SMTP_URL or the config)",
    "smtp_password_missing": "the server asks for a password and none is set",
    "smtp_unreachable": "the mail server cannot be reached; nothing was sent",
    "smtp_tls_unavailable": "a server away from this machine offers no STARTTLS",
    "smtp_tls_failed": "the TLS handshake or certificate check failed",
    "smtp_auth_failed": "the mail server refused the login",
    "outbox_busy": "another run is sending the outbox",
    # the command line itself
    "output_failed": "the command was carried out, but its output could not be written",
    "usage": "a malformed command line (exit status 2)",
    # batches
    "not_in_batch": "a command that cannot run on a batch line (the desk, another batch...)",
    "batch_rolled_back": "an atomic batch's line undone or not run: another line was refused",
    "internal_error": "a defect in schedtui (details in the crash log)",
}
"""Every code the desk gives, with what it means. The README's list is checked
against this catalogue, and the catalogue against every code raised in src."""


def codes_table() -> str:
    """The README's list of error codes, as a Markdown table."""
    rows = ["| Code | Meaning |", "| --- | --- |"]
    rows += [f"| `{code}` | {meaning} |" for code, meaning in CODES.items()]
    return "\n".join(rows)


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
