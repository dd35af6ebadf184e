"""iCalendar, CSV and backups: connecting the desk to calendars and spreadsheets."""
