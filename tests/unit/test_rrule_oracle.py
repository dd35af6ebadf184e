"""python-dateutil's own rrule tests as an oracle for the desk's engine.

The single-rule cases of dateutil's ``test_rrule.py`` (vendored unchanged in
tests/oracles/dateutil with its licence) are read with ``ast``, never imported,
so the expected instants come from the file whatever dateutil is installed.
Each case is turned into RRULE text, a start date and a time of day (DTSTART)
and a zone, expanded by ``Rule.parse`` + ``expand``, and compared with the
expected list. A case must come out right, or be refused with ``invalid_rule``
naming the rule part it refuses; a wrong answer or any other exception fails.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from schedtui.domain.errors import DeskError
from schedtui.domain.recurrence import Rule, Slot, expand
from schedtui.domain.zones import zone

ORACLE = Path(__file__).resolve().parents[1] / "oracles" / "dateutil" / "test_rrule.py"
FREQ_NAMES = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY")
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
RIGHT, REFUSED, WRONG, CRASH = "right", "refused", "wrong", "crash"


class _Weekday:
    """dateutil's weekday constants, rebuilt so the file's arguments evaluate
    without dateutil: MO, MO(+1), MO(-1)."""

    def __init__(self, weekday: int, n: int | None = None) -> None:
        self.weekday, self.n = weekday, n

    def __call__(self, n: int) -> _Weekday:
        return _Weekday(self.weekday, n)

    def text(self) -> str:
        return f"{self.n or ''}{DAYS[self.weekday]}"


class _Recorded:
    def __init__(self, kind: str, args: tuple, kwargs: dict) -> None:
        self.kind, self.args, self.kwargs = kind, args, kwargs


class _Tz:
    """The few ``dateutil.tz`` calls the file's single-rule cases make."""

    UTC = UTC

    @staticmethod
    def gettz(name: str) -> ZoneInfo:
        return ZoneInfo(name)

    @staticmethod
    def tzutc():
        return UTC


def _namespace() -> dict:
    names = {name: index for index, name in enumerate(FREQ_NAMES)}
    names.update({name: _Weekday(index) for index, name in enumerate(DAYS)})
    names.update(datetime=datetime, date=date, tz=_Tz, int=int,
                 rrule=lambda *a, **k: _Recorded("rrule", a, k),
                 rrulestr=lambda *a, **k: _Recorded("rrulestr", a, k))
    return names


@dataclass(frozen=True)
class Case:
    name: str
    rrule: str
    dtstart: datetime
    zone: str
    expected: tuple[datetime, ...]


def _listed_call(node: ast.AST) -> ast.Call | None:
    """The X of ``list(X)`` when X is a call to rrule or rrulestr."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "list" and len(node.args) == 1
            and isinstance(node.args[0], ast.Call) and isinstance(node.args[0].func, ast.Name)
            and node.args[0].func.id in ("rrule", "rrulestr")):
        return node.args[0]
    return None


def _values(value) -> list:
    return list(value) if isinstance(value, (list, tuple, set)) else [value]


def _stamp(moment: date) -> str:
    if isinstance(moment, datetime):
        return moment.strftime("%Y%m%dT%H%M%S")
    return moment.strftime("%Y%m%d")


def _from_constructor(call: _Recorded) -> tuple[str, datetime] | None:
    kwargs = dict(call.kwargs)
    freq = call.args[0] if call.args else kwargs.pop("freq")
    dtstart = kwargs.pop("dtstart", None)
    kwargs.pop("cache", None)
    if dtstart is None:
        return None
    parts = [f"FREQ={FREQ_NAMES[freq]}"]
    for key, value in kwargs.items():
        if key == "byweekday":
            days = [d if isinstance(d, _Weekday) else _Weekday(d) for d in _values(value)]
            parts.append("BYDAY=" + ",".join(d.text() for d in days))
        elif key == "wkst":
            day = value if isinstance(value, _Weekday) else _Weekday(value)
            parts.append(f"WKST={DAYS[day.weekday]}")
        elif key == "until":
            if not isinstance(value, datetime) and isinstance(dtstart, datetime):
                value = datetime.combine(value, time())  # dateutil reads a date as midnight
            parts.append(f"UNTIL={_stamp(value)}")
        else:
            parts.append(f"{key.upper()}=" + ",".join(str(v) for v in _values(value)))
    if not isinstance(dtstart, datetime):  # a date: midnight, as dateutil reads it
        dtstart = datetime.combine(dtstart, time())
    return ";".join(parts), dtstart.replace(microsecond=0)  # dateutil drops microseconds


def _from_text(call: _Recorded) -> tuple[str, datetime] | None:
    if len(call.args) != 1 or call.kwargs:
        return None
    rule, start = None, None
    for line in call.args[0].strip().splitlines():
        name, _, value = line.strip().partition(":")
        if name.upper() == "RRULE" and rule is None:
            rule = value
        elif name.upper().startswith("DTSTART") and start is None:
            start = (name, value)
        else:  # a rule set, a second rule or a second start: not a single-rule case
            return None
    if rule is None or start is None:
        return None
    params, value = start
    tzid = None
    for param in params.split(";")[1:]:
        key, _, text = param.partition("=")
        if key.upper() == "TZID":
            tzid = text
    if value.endswith("Z") or len(value) not in (8, 15):
        return None
    moment = datetime.strptime(  # noqa: DTZ007 - a wall time, its zone set below
        value, "%Y%m%dT%H%M%S" if len(value) == 15 else "%Y%m%d")
    if tzid is not None:
        try:
            moment = moment.replace(tzinfo=ZoneInfo(tzid))
        except (KeyError, ValueError):
            return None
    return rule, moment


def load_cases() -> list[Case]:
    """Every ``assertEqual(list(rrule(...)|rrulestr(...)), [...])`` of a single rule."""
    tree = ast.parse(ORACLE.read_text(encoding="utf-8"))
    cases = []
    for cls in tree.body:
        if not (isinstance(cls, ast.ClassDef) and cls.name == "RRuleTest"):
            continue
        for fn in cls.body:
            if not isinstance(fn, ast.FunctionDef) or not fn.name.startswith("test"):
                continue
            names = _namespace()
            found = 0
            for stmt in fn.body:
                if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                        and isinstance(stmt.targets[0], ast.Name)):
                    try:
                        names[stmt.targets[0].id] = eval(  # noqa: S307 - the vendored file
                            compile(ast.Expression(stmt.value), str(ORACLE), "eval"), names)
                    except Exception:  # an assignment the cases below do not need
                        names.pop(stmt.targets[0].id, None)
                    continue
                if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
                        and isinstance(stmt.value.func, ast.Attribute)
                        and stmt.value.func.attr == "assertEqual"
                        and len(stmt.value.args) == 2):
                    continue
                call = _listed_call(stmt.value.args[0])
                if call is None or not isinstance(stmt.value.args[1], ast.List):
                    continue
                recorded = eval(  # noqa: S307 - the vendored file, evaluated without dateutil
                    compile(ast.Expression(call), str(ORACLE), "eval"), names)
                expected = eval(  # noqa: S307
                    compile(ast.Expression(stmt.value.args[1]), str(ORACLE), "eval"), names)
                made = (_from_constructor(recorded) if recorded.kind == "rrule"
                        else _from_text(recorded))
                if made is None:
                    continue
                rule, dtstart = made
                tz = dtstart.tzinfo.key if isinstance(dtstart.tzinfo, ZoneInfo) else "UTC"
                found += 1
                cases.append(Case(fn.name if found == 1 else f"{fn.name}#{found}", rule,
                                  dtstart.replace(tzinfo=None), tz, tuple(expected)))
    return cases


CASES = load_cases()


def _names_a_part(message: str, rule: str) -> bool:
    parts = {chunk.split("=", 1)[0].upper() for chunk in rule.split(";")}
    values = {chunk.upper() for chunk in rule.split(";")}
    return any(p in message for p in parts) or any(v in message for v in values)


def run_case(case: Case) -> tuple[str, str]:
    """(verdict, detail) for one case."""
    try:
        rule = Rule.parse(case.rrule)
        tz = zone(case.zone)
        end = max((e.date() for e in case.expected), default=case.dtstart.date())
        plan = expand(rule, case.dtstart.date(), tz, [Slot(case.dtstart.time())],
                      horizon=None if rule.has_end else end)
        got = [p.start for p in plan.items]
    except DeskError as exc:
        if exc.code == "no_occurrences" and not case.expected:
            return RIGHT, ""
        if exc.code == "invalid_rule" and _names_a_part(exc.message, case.rrule):
            return REFUSED, exc.message
        return WRONG, f"{exc.code}: {exc.message}"
    except Exception as exc:  # noqa: BLE001 - a crash is a verdict here
        return CRASH, f"{type(exc).__name__}: {exc}"
    if case.zone == "UTC":
        got_cmp = [g.replace(tzinfo=None) for g in got]
        want = [e.replace(tzinfo=None) if e.tzinfo in (None, UTC) else e.astimezone(UTC)
                .replace(tzinfo=None) for e in case.expected]
    else:
        got_cmp, want = got, list(case.expected)
    if got_cmp == want:
        return RIGHT, ""
    return WRONG, f"got {[g.isoformat() for g in got_cmp][:6]}, want " \
                  f"{[w.isoformat() for w in want][:6]}"


def tally() -> dict[str, list[tuple[Case, str]]]:
    result: dict[str, list[tuple[Case, str]]] = {RIGHT: [], REFUSED: [], WRONG: [], CRASH: []}
    for case in CASES:
        verdict, detail = run_case(case)
        result[verdict].append((case, detail))
    return result


def test_the_oracle_file_is_read_whole():
    assert len(CASES) >= 240
    assert len({c.name for c in CASES}) == len(CASES)


def test_dateutil_cases_are_right_or_refused_by_name(capsys):
    result = tally()
    with capsys.disabled():
        print("\ndateutil test_rrule.py single-rule cases: " + ", ".join(
            f"{k} {len(v)}" for k, v in result.items()))
    bad = [f"{c.name} {c.rrule} from {c.dtstart}: {detail}"
           for c, detail in result[WRONG] + result[CRASH]]
    assert not bad, "\n".join(bad)
    assert len(result[RIGHT]) >= 200


@pytest.mark.parametrize("name", ["testYearly", "testDailyByMonth", "testHourlyInterval",
                                  "testYearlyByWeekNo", "testStrWithTZID"])
def test_named_cases_are_right(name):
    case = next(c for c in CASES if c.name == name)
    assert run_case(case) == (RIGHT, "")
