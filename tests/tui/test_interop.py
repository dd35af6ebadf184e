"""Export and import from the desk, with real files in tmp_path: CSV of an
attendee list (E), CSV import with a dry run first (I), iCalendar export (X)
and import (I) from the series and hub screens."""

from __future__ import annotations

import csv

from textual.widgets import Checkbox, DataTable, Input, Static

from schedtui.services import hubs, occurrences, registrations, series
from schedtui.tui.screens.attendee_list import AttendeesScreen
from schedtui.tui.screens.interop import PathPrompt, ReportScreen
from schedtui.tui.screens.series_list import SeriesScreen
from tests.tui.conftest import settle


def report_text(app) -> str:
    return str(app.screen.query_one("#report", Static).render())


async def answer_prompt(app, pilot, path=None, option: bool = False) -> None:
    prompt = app.screen
    assert isinstance(prompt, PathPrompt)
    if path is not None:
        prompt.query_one("#path", Input).value = str(path)
    if option:
        prompt.query_one("#option", Checkbox).value = True
    await pilot.press("ctrl+s")
    await settle(pilot)


async def test_csv_export_of_an_occurrence_with_default_name(seeded, make_app, desk_store,
                                                             tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("Ann", "=cmd|' /C calc'!A0"):
        registrations.register(desk_store, seeded.standup_id, name=name,
                               email=f"{len(name)}@example.org")
    first = occurrences.list_occurrences(desk_store, seeded.standup_id)[0]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(AttendeesScreen(series_id=seeded.standup_id,
                                              occurrence_id=first.id))
        await settle(pilot)
        await pilot.press("E")
        await settle(pilot)
        default = app.screen.query_one("#path", Input).value
        assert default.startswith(str(tmp_path)) and default.endswith(".csv")
        assert f"attendees-occurrence-{first.id}-" in default
        await answer_prompt(app, pilot)
        assert isinstance(app.screen, ReportScreen)
        assert "2 rows written" in report_text(app) and default in report_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, AttendeesScreen)
        with open(default, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        assert [r[0] for r in rows[1:]] == ["Ann", "'=cmd|' /C calc'!A0"]
        await pilot.press("E")  # the same name again: a second Save replaces the file
        await settle(pilot)
        await answer_prompt(app, pilot)
        assert isinstance(app.screen, PathPrompt)
        assert "exists" in str(app.screen.query_one("#form-error", Static).render())
        await answer_prompt(app, pilot)
        assert isinstance(app.screen, ReportScreen) and "2 rows written" in report_text(app)


async def test_csv_import_dry_run_then_import_with_refusals(seeded, make_app, desk_store,
                                                            tmp_path):
    registrations.register(desk_store, seeded.standup_id, name="Ann", email="ann@example.org")
    source = tmp_path / "people.csv"
    source.write_text("Full name;E-mail;Tickets\n"
                      "Bo Chan;bo@example.org;1\n"
                      "Ann again;ann@example.org;1\n"
                      "Cy Diaz;cy@example.org;2\n"
                      "No mail;;1\n", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await app.push_screen(AttendeesScreen(series_id=seeded.standup_id, title="standup"))
        await settle(pilot)
        screen = app.screen
        await pilot.press("I")
        await settle(pilot)
        await answer_prompt(app, pilot, source)  # a malformed row refuses the whole file
        assert isinstance(app.screen, ReportScreen)
        text = report_text(app)
        assert "Refused: nothing was changed." in text and "line 5" in text
        await pilot.press("y")  # nothing to confirm after a refusal
        await settle(pilot)
        assert screen is app.screen
        await pilot.press("I")
        await settle(pilot)
        await answer_prompt(app, pilot, source, option=True)  # skip the bad row
        dry = report_text(app)
        assert dry.startswith("Dry run (nothing saved yet): 2 confirmed, 1 refused, 1 skipped")
        assert "line 3 ann@example.org: refused" in dry and "line 5" in dry
        assert registrations.count_registrations(desk_store, series_id=seeded.standup_id) == 1
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ReportScreen)
        assert report_text(app).startswith("Imported: 2 confirmed, 1 refused, 1 skipped")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        names = [screen.table.get_row_at(i)[0].plain for i in range(screen.table.row_count)]
        assert names == ["Ann", "Bo Chan", "Cy Diaz"]
    assert registrations.count_registrations(desk_store, series_id=seeded.standup_id) == 3


async def test_csv_import_dry_run_declined_keeps_nothing(seeded, make_app, desk_store,
                                                         tmp_path):
    source = tmp_path / "one.csv"
    source.write_text("email,name\nzed@example.org,Zed\n", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(AttendeesScreen(series_id=seeded.standup_id))
        await settle(pilot)
        await pilot.press("I")
        await settle(pilot)
        await answer_prompt(app, pilot, source)
        assert "1 confirmed" in report_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, AttendeesScreen)
    assert registrations.count_registrations(desk_store, series_id=seeded.standup_id) == 0


async def test_ics_export_from_series_then_import_into_another_hub(seeded, make_app,
                                                                   desk_store, tmp_path):
    target = tmp_path / "standup.ics"
    riverside = next(h for h in hubs.list_hubs(desk_store) if h.name == "Riverside studio")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(SeriesScreen(seeded.hub_id, "Platform team"))
        await settle(pilot)
        await pilot.press("down", "X")  # Weekly standup
        await settle(pilot)
        assert app.screen.query_one("#path", Input).value.endswith(".ics")
        await answer_prompt(app, pilot, target)
        assert "1 series, 1 event(s) written" in report_text(app)
        await pilot.press("escape", "escape")  # the report, then back to the hubs
        await settle(pilot)
        body = target.read_text()
        assert "BEGIN:VCALENDAR" in body and "Weekly standup" in body and "RRULE" in body
        await pilot.press("down", "I")  # import into Riverside studio
        await settle(pilot)
        assert "Riverside studio" in str(app.screen.query_one(".form-title", Static).render())
        await answer_prompt(app, pilot, target)
        dry = report_text(app)
        assert dry.startswith("Dry run (nothing saved yet): 1 event(s) would import")
        assert "Weekly standup" in dry and "12 occurrences" in dry
        assert series.list_series(desk_store, hub_id=riverside.id) == []
        await pilot.press("y")
        await settle(pilot)
        assert "1 event(s) imported as series" in report_text(app)
        await pilot.press("escape")
        await settle(pilot)
        table = app.screen.query_one("#list", DataTable)
        assert table.get_row_at(1)[2] == "1"  # Riverside's series count, reloaded
    imported = series.list_series(desk_store, hub_id=riverside.id)
    assert [s.name for s in imported] == ["Weekly standup"]
    assert imported[0].occurrence_count == 12


async def test_ics_import_of_a_bad_file_is_refused_in_words(seeded, make_app, tmp_path):
    bad = tmp_path / "bad.ics"
    bad.write_text("this is not a calendar")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(SeriesScreen(seeded.hub_id, "Platform team"))
        await settle(pilot)
        await pilot.press("I")
        await settle(pilot)
        await answer_prompt(app, pilot, tmp_path / "missing.ics")
        assert isinstance(app.screen, PathPrompt)  # no such file: said in the prompt
        assert "There is no file" in str(app.screen.query_one("#form-error", Static).render())
        await answer_prompt(app, pilot, bad)
        text = report_text(app)
        assert "Refused: nothing was changed." in text and "not an iCalendar file" in text
        assert "Import (y)" not in str(app.screen.query_one("#yes").label) or \
            app.screen.query_one("#yes").has_class("-hidden")


def test_the_csv_import_report_says_what_was_assumed_in_reading_the_file(seeded, desk_store,
                                                                         tmp_path):
    from schedtui.interop.csvio import import_attendees
    from schedtui.tui.screens.interop import csv_import_report

    source = tmp_path / "legacy.csv"  # an old spreadsheet's Windows-1252, not UTF-8
    source.write_bytes("Name,Email\nZoë Ünal,zoe@example.org\n".encode("cp1252"))
    report = import_attendees(desk_store, source, seeded.standup_id, dry_run=True)
    assert report.notes, "reading a legacy encoding is noted"
    shown = csv_import_report(report).plain
    assert all(note in shown for note in report.notes)
