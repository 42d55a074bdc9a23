"""Schemas of assets (seed table 4, fig. 9, 3.4.2-3.4.3), bidding units and prequalification.

Seed units converted to integers: kW → W, kVAR → var, minutes → s, kV → V.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from marketplace.models.enums import (
    ActivationMode,
    AssetStatus,
    AssetType,
    Connector,
    Decision,
    Direction,
    PrequalificationPath,
    PrequalificationStatus,
    Product,
)
from marketplace.models.enums import VOLTAGE_LEVELS_V
from marketplace.schemas.common import (
    Country,
    Id,
    LatitudeMicroDeg,
    LongitudeMicroDeg,
    LongText,
    Name,
    Paging,
    Phone,
    PostalCode,
    Request,
    Response,
    Seconds,
    ShortText,
    UnixTime,
    VoltAmpsReactive,
    WattHours,
    Watts,
    text,
)

def _voltage_level(value: int) -> int:
    if value not in VOLTAGE_LEVELS_V:
        raise ValueError(f"voltage level must be one of {', '.join(map(str, VOLTAGE_LEVELS_V))} V")
    return value


VoltageLevel = Annotated[
    int,
    AfterValidator(_voltage_level),
    Field(description="Voltage at the connection point, V (seed table 4: 0.4, 10, 20, 35 kV).",
          json_schema_extra={"enum": list(VOLTAGE_LEVELS_V)}),
]

#: Most items in one bulk request.
MAX_BULK_ITEMS = 10_000


class ChargingStationIn(Request):
    """Technical details of an EV charging station (Italian pilot)."""

    model: ShortText
    country: Country
    city: ShortText
    address: text(200)
    max_ac_power_w: Watts
    max_dc_power_w: Watts
    connectors: list[Connector] = Field(min_length=1, max_length=16)


class ChargingStationOut(Response):
    model: str
    country: str
    city: str
    address: str
    max_ac_power_w: int
    max_dc_power_w: int
    connectors: list[Connector]


class VehicleIn(Request):
    """Technical details of an electric vehicle (Italian pilot)."""

    model: ShortText
    battery_capacity_wh: WattHours
    max_charging_power_w: Watts


class VehicleOut(Response):
    model: str
    battery_capacity_wh: int
    max_charging_power_w: int


class AssetIn(Request):
    """An asset to register (seed table 4). ``grid_element_id`` is where it connects: one of
    a DSO's LV feeders or MV/LV substations for 400 V, MV feeders or HV/MV substations for
    10-35 kV. ``active_export_w`` is its upward (positive) flexibility, ``active_import_w``
    its downward (negative) flexibility. ``charging_station`` is required for ``EV_charging``
    and ``vehicle`` for ``electric_vehicle`` (and not allowed otherwise)."""

    name: Name
    description: LongText | None = None
    asset_type: AssetType
    status: AssetStatus = AssetStatus.OPERATIONAL
    activation_mode: ActivationMode = ActivationMode.AUTOMATIC
    voltage_level_v: VoltageLevel
    installed_generation_w: Watts
    installed_consumption_w: Watts
    active_import_w: Watts
    active_export_w: Watts
    reactive_import_var: VoltAmpsReactive | None = None
    reactive_export_var: VoltAmpsReactive | None = None
    response_time_s: Seconds | None = None
    min_activation_s: Seconds | None = None
    max_activation_s: Seconds | None = None
    recovery_s: Seconds | None = None
    metering_point_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/\-]{0,63}$", description="Metering point (EAN/POD) id.")
    grid_element_id: Id
    postal_code: PostalCode
    province: ShortText | None = None
    municipality: ShortText | None = None
    address: text(200) | None = None
    latitude_udeg: LatitudeMicroDeg | None = None
    longitude_udeg: LongitudeMicroDeg | None = None
    contact_phone: Phone | None = None
    charging_station: ChargingStationIn | None = None
    vehicle: VehicleIn | None = None

    @model_validator(mode="after")
    def _consistent(self) -> AssetIn:
        if self.active_import_w == 0 and self.active_export_w == 0:
            raise ValueError("an asset must offer flexibility: active_import_w or active_export_w above 0")
        if (
            self.min_activation_s is not None
            and self.max_activation_s is not None
            and self.min_activation_s > self.max_activation_s
        ):
            raise ValueError("min_activation_s is above max_activation_s")
        if (self.latitude_udeg is None) != (self.longitude_udeg is None):
            raise ValueError("give both latitude_udeg and longitude_udeg, or neither")
        if (self.asset_type is AssetType.EV_CHARGING) != (self.charging_station is not None):
            raise ValueError("charging_station is required for EV_charging assets and only for them")
        if (self.asset_type is AssetType.ELECTRIC_VEHICLE) != (self.vehicle is not None):
            raise ValueError("vehicle is required for electric_vehicle assets and only for them")
        return self


class AssetUpdate(Request):
    """Fields an FSP may change after registration (not the technical or locational data:
    register a new asset for those, so prequalifications stay true)."""

    name: Name | None = None
    description: LongText | None = None
    status: AssetStatus | None = None
    contact_phone: Phone | None = None


class BulkAssets(Request):
    items: list[dict] = Field(min_length=1, max_length=MAX_BULK_ITEMS, description="Assets as in `POST /assets`.")


class PrequalificationSummary(Response):
    """Status per product and direction: qualified, failed or not_attempted; ``pending``
    tells whether an attempt is under way."""

    product: Product
    direction: Direction
    status: PrequalificationStatus
    pending: bool
    qualified_power_w: int | None


class AssetOut(Response):
    id: int
    fsp_id: int
    dso_id: int
    bidding_unit_id: int | None
    name: str
    description: str | None
    asset_type: AssetType
    status: AssetStatus
    activation_mode: ActivationMode
    voltage_level_v: int
    installed_generation_w: int
    installed_consumption_w: int
    active_import_w: int
    active_export_w: int
    reactive_import_var: int | None
    reactive_export_var: int | None
    response_time_s: int | None
    min_activation_s: int | None
    max_activation_s: int | None
    recovery_s: int | None
    metering_point_id: str
    grid_element_id: int
    location: dict[str, int | None] = Field(
        description="The asset's place along the topology: lv_feeder, mv_lv_substation, mv_feeder, hv_mv_substation ids."
    )
    postal_code: str
    province: str | None
    municipality: str | None
    address: str | None
    latitude_udeg: int | None
    longitude_udeg: int | None
    contact_phone: str | None
    charging_station: ChargingStationOut | None
    vehicle: VehicleOut | None
    prequalification: list[PrequalificationSummary]
    created_at: UnixTime
    updated_at: UnixTime


class AssetQuery(Paging):
    asset_type: AssetType | None = None
    status: AssetStatus | None = None
    grid_element_id: int | None = Field(None, ge=1, le=2**31 - 1)
    postal_code: PostalCode | None = None
    zone_id: int | None = Field(None, ge=1, le=2**31 - 1)
    fsp_id: int | None = Field(None, ge=1, le=2**31 - 1)
    dso_id: int | None = Field(None, ge=1, le=2**31 - 1)


class BiddingUnitIn(Request):
    """A local bidding unit: one or more of the FSP's assets on one DSO's grid."""

    name: Name
    asset_ids: list[Id] = Field(min_length=1, max_length=1000)


class BiddingUnitOut(Response):
    id: int
    fsp_id: int
    dso_id: int
    name: str
    location_element_id: int = Field(description="Lowest grid element above every member asset.")
    asset_ids: list[int]
    active_import_w: int = Field(description="Sum over the member assets, W.")
    active_export_w: int = Field(description="Sum over the member assets, W.")
    prequalification: list[PrequalificationSummary] = Field(
        description="Qualified only where every member asset is; qualified power is their sum."
    )
    created_at: UnixTime


class BiddingUnitQuery(Paging):
    pass


class PrequalificationIn(Request):
    """Ask for prequalification of an asset for one product and direction, by review (DSO and
    operator check) or by an automated activation test (upload it next)."""

    asset_id: Id
    product: Product
    direction: Direction
    path: PrequalificationPath = PrequalificationPath.REVIEW


class BulkPrequalifications(Request):
    items: list[dict] = Field(min_length=1, max_length=MAX_BULK_ITEMS, description="Requests as in `POST /prequalifications`.")


class Review(Request):
    """A reviewer's decision; a rejection needs a reason."""

    decision: Decision
    reason: LongText | None = None

    @model_validator(mode="after")
    def _reason_for_rejection(self) -> Review:
        if self.decision is Decision.REJECTED and not self.reason:
            raise ValueError("a rejection needs a reason")
        return self


class TestSample(Request):
    """One sample of an activation test: time (Unix s), setpoint and measured power (W).

    Powers are the asset's net active power at its connection point, consumption positive
    (as meter data): an upward activation lowers it, a downward one raises it."""

    t: UnixTime
    setpoint_w: int = Field(ge=-(10**12), le=10**12)
    measured_w: int = Field(ge=-(10**12), le=10**12)


class ActivationTestIn(Request):
    samples: list[TestSample] = Field(min_length=2, max_length=100_000)


class PrequalificationOut(Response):
    id: int
    asset_id: int
    product: Product
    direction: Direction
    path: PrequalificationPath
    status: PrequalificationStatus
    requested_at: UnixTime
    qualified_power_w: int | None
    dso_decision: Decision | None
    dso_reason: str | None
    dso_decided_at: UnixTime | None
    operator_decision: Decision | None
    operator_reason: str | None
    operator_decided_at: UnixTime | None
    test_result: dict | None
    tested_at: UnixTime | None
    decided_at: UnixTime | None
    reason: str | None


class PrequalificationQuery(Paging):
    asset_id: int | None = Field(None, ge=1, le=2**31 - 1)
    status: PrequalificationStatus | None = None
    product: Product | None = None
    direction: Direction | None = None


class ProductOut(Response):
    """A product and the tolerances its automated prequalification test checks."""

    product: Product
    description: str
    min_change_w: int
    preparation_s: int
    max_response_s: int
    hold_s: int
    tolerance_pct: int
    success_pct: int
    max_sample_gap_s: int
