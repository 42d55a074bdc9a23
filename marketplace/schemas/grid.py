"""Schemas of the grid: topology elements, zones, traffic lights, congestion forecasts."""

from __future__ import annotations

from pydantic import Field, model_validator

from marketplace.models.enums import GridElementKind, TrafficLight, TrafficLightSource
from marketplace.schemas.common import (
    Id,
    LatitudeMicroDeg,
    LongitudeMicroDeg,
    LongText,
    Name,
    Paging,
    PostalCode,
    Query,
    Request,
    Response,
    ShortText,
    SignedWatts,
    UnixTime,
    Watts,
    text,
)

ElementCode = text(64)

#: Length of a market interval (forecast resolution), s.
INTERVAL_S = 900
#: Most forecast points in one upload.
MAX_FORECAST_POINTS = 10_000


class GridElementIn(Request):
    """A topology element. ``parent_id`` is required except for an HV/MV substation and must be
    one of the DSO's own elements one level up."""

    kind: GridElementKind
    code: ElementCode = Field(description="The DSO's identifier of the element (unique per DSO).")
    name: Name
    parent_id: Id | None = None
    latitude_udeg: LatitudeMicroDeg | None = None
    longitude_udeg: LongitudeMicroDeg | None = None
    postal_code: PostalCode | None = None

    @model_validator(mode="after")
    def _both_coordinates(self) -> GridElementIn:
        if (self.latitude_udeg is None) != (self.longitude_udeg is None):
            raise ValueError("give both latitude_udeg and longitude_udeg, or neither")
        return self


class GridElementOut(Response):
    id: int
    dso_id: int
    kind: GridElementKind
    code: str
    name: str
    parent_id: int | None
    latitude_udeg: int | None
    longitude_udeg: int | None
    postal_code: str | None
    created_at: UnixTime


class GridElementQuery(Paging):
    kind: GridElementKind | None = None
    parent_id: int | None = Field(None, ge=1, le=2**31 - 1)
    dso_id: int | None = Field(None, ge=1, le=2**31 - 1)


class TrafficLightIn(Request):
    """A new traffic-light state (seed table 8). ``valid_from`` defaults to now."""

    state: TrafficLight
    valid_from: UnixTime | None = None
    note: text(500) | None = None


class TrafficLightOut(Response):
    id: int
    grid_element_id: int
    state: TrafficLight
    valid_from: UnixTime
    set_at: UnixTime
    source: TrafficLightSource
    note: str | None


class TrafficLightStatus(Response):
    """The current state (green when none was ever set) and the history, newest first."""

    grid_element_id: int
    state: TrafficLight
    since: UnixTime | None
    history: list[TrafficLightOut]


class CurrentLight(Response):
    grid_element_id: int
    state: TrafficLight
    since: UnixTime


class TrafficLightQuery(Query):
    history_limit: int = Field(100, ge=0, le=1000, description="Most history entries to return.")


class ForecastPointIn(Request):
    """The forecast for the 15-min interval starting at ``start`` (a multiple of 900)."""

    start: UnixTime
    load_w: SignedWatts
    planning_limit_w: Watts | None = None
    operational_limit_w: Watts | None = None

    @model_validator(mode="after")
    def _aligned(self) -> ForecastPointIn:
        if self.start % INTERVAL_S:
            raise ValueError(f"start must be a multiple of {INTERVAL_S} s")
        return self


class ForecastIn(Request):
    """A congestion forecast for a transformer: points replace earlier ones at the same start."""

    points: list[ForecastPointIn] = Field(min_length=1, max_length=MAX_FORECAST_POINTS)


class ForecastPointOut(Response):
    start: UnixTime
    load_w: int
    planning_limit_w: int | None
    operational_limit_w: int | None
    issued_at: UnixTime


class ForecastOut(Response):
    grid_element_id: int
    points: list[ForecastPointOut]


class ForecastStored(Response):
    grid_element_id: int
    stored: int


class ForecastQuery(Query):
    start: UnixTime | None = Field(None, alias="from", description="First interval start (default: now - 24 h).")
    end: UnixTime | None = Field(None, alias="to", description="End, exclusive (default: from + 8 days).")


class ZoneIn(Request):
    """An aggregated zone (seed fig. 8): a descriptive name, its province and postal codes."""

    name: ShortText
    province: ShortText
    postal_codes: list[PostalCode] = Field(min_length=1, max_length=2000)


class ZoneOut(Response):
    id: int
    dso_id: int
    name: str
    province: str
    postal_codes: list[str]
    created_at: UnixTime


class ZoneQuery(Paging):
    dso_id: int | None = Field(None, ge=1, le=2**31 - 1)
    postal_code: PostalCode | None = None


class ElementNote(Request):
    note: LongText | None = None
