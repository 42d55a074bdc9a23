"""A DSO's grid: topology elements, aggregated zones, traffic lights and congestion forecasts.

Topology (seed table 4, fig. 33): HV/MV substation → MV feeder → MV/LV secondary substation
(transformer) → LV feeder. Coordinates are integer micro-degrees (WGS 84). Zones group
postal codes (seed fig. 8). Powers in W, times in Unix seconds.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base
from marketplace.models.base import enum_column, fk, id_column, int_column, time_column
from marketplace.models.enums import GridElementKind, TrafficLight, TrafficLightSource


class GridElement(Base):
    """One element of a DSO's topology; ``code`` is the DSO's own identifier for it."""

    __tablename__ = "grid_element"
    __table_args__ = (UniqueConstraint("dso_id", "code"),)

    id: Mapped[int] = id_column()
    dso_id: Mapped[int] = fk("participant.id")
    kind: Mapped[GridElementKind] = enum_column(GridElementKind)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = fk("grid_element.id", nullable=True)
    latitude_udeg: Mapped[int | None] = int_column(nullable=True)
    longitude_udeg: Mapped[int | None] = int_column(nullable=True)
    postal_code: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[int] = time_column(default_now=True)

    parent: Mapped[GridElement | None] = relationship(remote_side=[id])


class Zone(Base):
    """A DSO's aggregated zone: a named set of postal codes in a province (seed fig. 8)."""

    __tablename__ = "zone"
    __table_args__ = (UniqueConstraint("dso_id", "name"),)

    id: Mapped[int] = id_column()
    dso_id: Mapped[int] = fk("participant.id")
    name: Mapped[str] = mapped_column(String(100))
    province: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[int] = time_column(default_now=True)

    postal_codes: Mapped[list[ZonePostalCode]] = relationship(
        cascade="all, delete-orphan", order_by="ZonePostalCode.postal_code", lazy="selectin"
    )


class ZonePostalCode(Base):
    __tablename__ = "zone_postal_code"

    zone_id: Mapped[int] = mapped_column(Integer, ForeignKey("zone.id", ondelete="CASCADE"), primary_key=True)
    postal_code: Mapped[str] = mapped_column(String(16), primary_key=True, index=True)


class TrafficLightState(Base):
    """One traffic-light state of an element from ``valid_from`` on (history kept).

    The current state is the one with the latest ``valid_from`` not in the future (ties:
    the latest set). Elements without any state are green.
    """

    __tablename__ = "traffic_light_state"

    id: Mapped[int] = id_column()
    grid_element_id: Mapped[int] = fk("grid_element.id")
    state: Mapped[TrafficLight] = enum_column(TrafficLight)
    valid_from: Mapped[int] = time_column(index=True)
    set_at: Mapped[int] = time_column(default_now=True)
    source: Mapped[TrafficLightSource] = enum_column(TrafficLightSource)
    set_by_user_id: Mapped[int | None] = fk("user.id", nullable=True, index=False)
    set_by_api_client_id: Mapped[int | None] = fk("api_client.id", nullable=True, index=False)
    note: Mapped[str | None] = mapped_column(String(500))


class ForecastPoint(Base):
    """Congestion forecast of a transformer for one 15-min interval (latest upload wins).

    ``load_w`` is the forecast loading (W, signed: negative = reverse flow); the limits are
    the planning and operational limits of seed 3.3.3.2.1 (W).
    """

    __tablename__ = "forecast_point"

    grid_element_id: Mapped[int] = mapped_column(Integer, ForeignKey("grid_element.id"), primary_key=True)
    start: Mapped[int] = int_column(primary_key=True)
    load_w: Mapped[int] = int_column()
    planning_limit_w: Mapped[int | None] = int_column(nullable=True)
    operational_limit_w: Mapped[int | None] = int_column(nullable=True)
    issued_at: Mapped[int] = time_column(default_now=True)
