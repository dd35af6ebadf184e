"""Pure rules: recurrence, time zones, text hygiene and errors. No database, no UI."""
