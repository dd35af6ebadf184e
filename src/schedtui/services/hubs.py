"""Hubs: the places that group series."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import select

from schedtui.domain import policies, text
from schedtui.domain.errors import DeskError
from schedtui.domain.zones import zone
from schedtui.services import audit, idempotency
from schedtui.services.common import get, hub_view, naive_now
from schedtui.services.reads import get_hub, list_hubs  # noqa: F401 - the read services
from schedtui.services.views import HubView
from schedtui.store import Store
from schedtui.store.engine import transaction
from schedtui.store.models import Hub, Series


@transaction
def create_hub(store: Store, name: str, timezone: str = "UTC", *,
               idempotency_key: str | None = None, region: str | None = None) -> HubView:
    """Add a hub with a default time zone for its series (and a region for
    phone numbers given without a country code)."""
    clean_name = text.field(name, "Name", min_len=1, max_len=200)
    zone(timezone)
    clean_region = policies.check_region(region)
    key = idempotency.clean_key(idempotency_key)
    params = {"name": clean_name, "timezone": timezone} | (
        {"region": clean_region} if clean_region else {})
    with store.write() as session:
        now = naive_now(store.now())
        earlier = idempotency.claim(session, key, "hub.add", params, now)
        if earlier is not None:
            return hub_view(session, get(session, Hub, earlier, "hub"), store.now())
        hub = Hub(name=clean_name, timezone=timezone, created_at=now, region=clean_region)
        session.add(hub)
        session.flush()
        idempotency.remember(session, key, hub.id)
        audit.record(session, store, "hub.create", "hub", hub.id, after=audit.snapshot(hub),
                     hub_id=hub.id)
        return hub_view(session, hub, store.now())


@dataclass(frozen=True)
class HubEditImpact:
    """What a hub edit would touch, said before it is made: the hub's series with
    their own zones (a hub's zone is only the default for new series, so their
    times stay as they are)."""

    hub: HubView
    name: str
    timezone: str
    series: list[tuple[str, str]] = field(default_factory=list)
    """(name, time zone) of each series in the hub, archived ones left out."""

    @property
    def changes(self) -> bool:
        return (self.name, self.timezone) != (self.hub.name, self.hub.timezone)

    def lines(self) -> list[str]:
        """The impact in words, one line each."""
        if not self.changes:
            return ["Nothing changes."]
        said = []
        if self.name != self.hub.name:
            said.append(f'The hub is renamed from "{self.hub.name}" to "{self.name}".')
        if self.timezone != self.hub.timezone:
            said.append(f"New series will start in {self.timezone} instead of "
                        f"{self.hub.timezone}.")
            if self.series:
                said.append(f"{len(self.series)} series keep their own zone and times: " +
                            "; ".join(f"{n} ({z})" for n, z in self.series[:20]) +
                            (f"; and {len(self.series) - 20} more" if len(self.series) > 20
                             else "") + ".")
            else:
                said.append("The hub has no series yet.")
        return said

    def to_json(self) -> dict:
        return {"hub": self.hub.to_json(), "name": self.name, "timezone": self.timezone,
                "series": [{"name": n, "timezone": z} for n, z in self.series],
                "lines": self.lines()}


def _edit_values(name: str | None, timezone: str | None) -> tuple[str | None, str | None]:
    clean_name = text.field(name, "Name", min_len=1, max_len=200) if name is not None \
        else None
    if timezone is not None:
        timezone = timezone.strip()
        zone(timezone)
    return clean_name, timezone


@transaction
def edit_impact(store: Store, hub_id: int, *, name: str | None = None,
                timezone: str | None = None) -> HubEditImpact:
    """What ``rename_hub`` with these values would do, changing nothing (the desk
    shows it before the change; ``hub edit --dry-run`` prints it)."""
    clean_name, timezone = _edit_values(name, timezone)
    with store.read() as session:
        hub = get(session, Hub, hub_id, "hub")
        rows = session.exec(select(Series.name, Series.timezone)
                            .where(Series.hub_id == hub_id)
                            .where(Series.status != "archived")
                            .order_by(Series.name, Series.id)).all()
        return HubEditImpact(hub_view(session, hub, store.now()), clean_name or hub.name,
                             timezone or hub.timezone, [(n, z) for n, z in rows])


@transaction
def rename_hub(store: Store, hub_id: int, *, name: str | None = None,
               timezone: str | None = None, region: str | None = None) -> HubView:
    """Rename a hub or change its time zone (the default for its new series;
    the series it has keep theirs: see :func:`edit_impact`) or its region
    (phone numbers stored before keep their country)."""
    clean_name, timezone = _edit_values(name, timezone)
    clean_region = None if region is None else policies.check_region(region)
    with store.write() as session:
        hub = get(session, Hub, hub_id, "hub")
        before = audit.snapshot(hub)
        if clean_name is not None:
            hub.name = clean_name
        if timezone is not None:
            hub.timezone = timezone
        if clean_region is not None:
            hub.region = clean_region
        session.add(hub)
        audit.record(session, store, "hub.edit", "hub", hub.id, before=before,
                     after=audit.snapshot(hub), hub_id=hub.id)
        return hub_view(session, hub, store.now())


@transaction
def archive_hub(store: Store, hub_id: int, *, confirm: bool = False) -> HubView:
    """Archive a hub and every series in it; nothing is deleted. Upcoming
    sessions people hold seats in are refused unless ``confirm``, which
    cancels them as archiving each series does."""
    from schedtui.services.series import end_upcoming

    with store.write() as session:
        hub = get(session, Hub, hub_id, "hub")
        if hub.archived:
            raise DeskError("invalid_state", f"Hub {hub_id} is already archived.")
        hub.archived = True
        session.add(hub)
        for series in session.exec(select(Series).where(Series.hub_id == hub_id)
                                   .where(Series.status != "archived")
                                   .order_by(Series.id).with_for_update()).all():
            end_upcoming(session, store, series, confirm=confirm)
            before = series.status
            series.status = "archived"
            session.add(series)
            audit.record(session, store, "series.archive", "series", series.id,
                         before={"status": before}, after={"status": "archived"},
                         series_id=series.id, hub_id=hub_id)
        audit.record(session, store, "hub.archive", "hub", hub.id, before={"archived": False},
                     after={"archived": True}, hub_id=hub.id)
        return hub_view(session, hub, store.now())
