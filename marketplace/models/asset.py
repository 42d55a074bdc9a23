"""Assets (seed table 4, fig. 9, 3.4.2-3.4.3) and the local bidding units that group them.

Units: powers W, reactive powers var, energy Wh, durations s, voltage V, coordinates
micro-degrees. The seed's kW, kVAR and minutes are converted at the API's edge (x1000, x60).
"""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base
from marketplace.models.base import enum_column, fk, id_column, int_column, time_column
from marketplace.models.enums import ActivationMode, AssetStatus, AssetType


class Asset(Base):
    """A flexible asset registered by its FSP (the aggregator of seed table 4).

    ``dso_id`` is the DSO whose grid element ``grid_element_id`` the asset connects to.
    """

    __tablename__ = "asset"

    id: Mapped[int] = id_column()
    fsp_id: Mapped[int] = fk("participant.id")
    dso_id: Mapped[int] = fk("participant.id")
    grid_element_id: Mapped[int] = fk("grid_element.id")
    bidding_unit_id: Mapped[int | None] = fk("bidding_unit.id", nullable=True)

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(1000))
    asset_type: Mapped[AssetType] = enum_column(AssetType)
    status: Mapped[AssetStatus] = enum_column(AssetStatus)
    activation_mode: Mapped[ActivationMode] = enum_column(ActivationMode)
    voltage_level_v: Mapped[int] = int_column()
    installed_generation_w: Mapped[int] = int_column()
    installed_consumption_w: Mapped[int] = int_column()
    #: Most flexible import (negative flexibility, direction ``down``), W.
    active_import_w: Mapped[int] = int_column()
    #: Most flexible export (positive flexibility, direction ``up``), W.
    active_export_w: Mapped[int] = int_column()
    reactive_import_var: Mapped[int | None] = int_column(nullable=True)
    reactive_export_var: Mapped[int | None] = int_column(nullable=True)
    response_time_s: Mapped[int | None] = int_column(nullable=True)
    min_activation_s: Mapped[int | None] = int_column(nullable=True)
    max_activation_s: Mapped[int | None] = int_column(nullable=True)
    recovery_s: Mapped[int | None] = int_column(nullable=True)

    metering_point_id: Mapped[str] = mapped_column(String(64), index=True)
    postal_code: Mapped[str] = mapped_column(String(16), index=True)
    province: Mapped[str | None] = mapped_column(String(100))
    municipality: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(200))
    latitude_udeg: Mapped[int | None] = int_column(nullable=True)
    longitude_udeg: Mapped[int | None] = int_column(nullable=True)
    contact_phone: Mapped[str | None] = mapped_column(String(32))

    created_at: Mapped[int] = time_column(default_now=True)
    updated_at: Mapped[int] = time_column(default_now=True)

    charging_station: Mapped[ChargingStation | None] = relationship(cascade="all, delete-orphan", uselist=False)
    vehicle: Mapped[Vehicle | None] = relationship(cascade="all, delete-orphan", uselist=False)


class ChargingStation(Base):
    """Technical details of an ``EV_charging`` asset (Italian pilot, seed 3.4.3)."""

    __tablename__ = "charging_station"

    asset_id: Mapped[int] = mapped_column(Integer, ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))
    city: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200))
    max_ac_power_w: Mapped[int] = int_column()
    max_dc_power_w: Mapped[int] = int_column()
    #: Connector types (``marketplace.models.enums.Connector`` values), in the order given.
    connectors: Mapped[list[str]] = mapped_column(JSON)


class Vehicle(Base):
    """Technical details of an ``electric_vehicle`` asset (Italian pilot, seed 3.4.3)."""

    __tablename__ = "vehicle"

    asset_id: Mapped[int] = mapped_column(Integer, ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str] = mapped_column(String(100))
    battery_capacity_wh: Mapped[int] = int_column()
    max_charging_power_w: Mapped[int] = int_column()


class BiddingUnit(Base):
    """A local bidding unit: one or more assets of one FSP behind one DSO's grid element.

    ``location_element_id`` is the lowest grid element above (or at) every member asset.
    """

    __tablename__ = "bidding_unit"

    id: Mapped[int] = id_column()
    fsp_id: Mapped[int] = fk("participant.id")
    dso_id: Mapped[int] = fk("participant.id")
    name: Mapped[str] = mapped_column(String(200))
    location_element_id: Mapped[int] = fk("grid_element.id")
    created_at: Mapped[int] = time_column(default_now=True)

    assets: Mapped[list[Asset]] = relationship(foreign_keys=[Asset.bidding_unit_id], order_by=Asset.id)
