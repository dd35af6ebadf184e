"""Finding things by name, for the desk's palette and scripts: hubs, series and
attendees whose name (or email) contains the text."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlmodel import col, func, select

from schedtui.domain import text
from schedtui.store import Store
from schedtui.store.engine import transaction
from schedtui.store.models import Attendee, Hub, Registration, Series


@dataclass(frozen=True)
class Hit:
    """One match. ``kind``: hub, series or attendee. For an attendee,
    ``series_id`` is the series of their newest registration (None if none)."""

    kind: str
    id: int
    label: str
    detail: str
    hub_id: int | None = None
    series_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@transaction
def search(store: Store, query: str, *, limit: int = 20) -> list[Hit]:
    """Hubs, then series, then attendees matching ``query`` (case-insensitive)."""
    needle = text.clean(query).lower()
    if not needle:
        return []
    like = f"%{needle}%"
    hits: list[Hit] = []
    with store.read() as session:
        for hub in session.exec(select(Hub).where(func.lower(Hub.name).like(like))
                                .where(Hub.archived == False)  # noqa: E712 - SQL
                                .order_by(Hub.name).limit(limit)):
            hits.append(Hit("hub", hub.id, hub.name, hub.timezone, hub_id=hub.id))
        for row in session.exec(select(Series).where(func.lower(Series.name).like(like))
                                .order_by(Series.name).limit(limit)):
            hits.append(Hit("series", row.id, row.name, row.status, hub_id=row.hub_id,
                            series_id=row.id))
        people = session.exec(select(Attendee).where(func.lower(Attendee.name).like(like) |
                                                     col(Attendee.email_key).like(like))
                              .order_by(Attendee.name).limit(limit)).all()
        for person in people:
            newest = session.exec(select(Registration.series_id, Series.hub_id)
                                  .join(Series, Series.id == Registration.series_id)
                                  .where(Registration.attendee_id == person.id)
                                  .order_by(col(Registration.id).desc())).first()
            hits.append(Hit("attendee", person.id, person.name, person.email,
                            hub_id=newest[1] if newest else None,
                            series_id=newest[0] if newest else None))
    return hits[:limit * 3]
