"""The fixed vocabularies of the market service (stored as their string values).

Products, directions and traffic-light states are the clearing engine's own enums
(:mod:`marketplace.clearing.model`), so one spelling holds from the API to the clearing.
"""

from __future__ import annotations

from enum import StrEnum

from marketplace.clearing.model import Direction, Product, TrafficLight

__all__ = [
    "ActivationMode",
    "AssetStatus",
    "AssetType",
    "Connector",
    "Decision",
    "Direction",
    "DocumentKind",
    "FspKind",
    "GridElementKind",
    "Grant",
    "ParticipantRole",
    "ParticipantStatus",
    "PrequalificationPath",
    "PrequalificationStatus",
    "Product",
    "TrafficLight",
    "TrafficLightSource",
]


class ParticipantRole(StrEnum):
    """A participant's market role; each maps to one role flag of the on-chain registry."""

    MARKET_OPERATOR = "market_operator"
    DSO = "dso"
    FSP = "fsp"
    METER_ORACLE = "meter_oracle"


class FspKind(StrEnum):
    """What kind of flexibility service provider a participant is."""

    AGGREGATOR = "aggregator"
    CPO = "cpo"
    ENERGY_COMMUNITY = "energy_community"
    PROSUMER = "prosumer"
    OTHER = "other"


class ParticipantStatus(StrEnum):
    """Where a participant's registration stands: the operator approves or rejects it."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Grant(StrEnum):
    """What a user (or API client) may do for its participant (seed fig. 7), in rising order."""

    READ_ONLY = "read_only"
    TRADER = "trader"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _GRANT_RANK[self]

    def covers(self, needed: Grant) -> bool:
        """Whether this grant includes ``needed``."""
        return self.rank >= needed.rank


_GRANT_RANK = {Grant.READ_ONLY: 0, Grant.TRADER: 1, Grant.ADMIN: 2}


class DocumentKind(StrEnum):
    """Registration documents of seed table 1 (.pdf or .xml, at most 10 MB)."""

    CONFIDENTIALITY_COMMITMENT = "confidentiality_commitment"
    NON_COLLUSION_COMMITMENT = "non_collusion_commitment"
    POWER_OF_ATTORNEY = "power_of_attorney"


#: Documents a participant must have uploaded before the operator may approve it.
REQUIRED_DOCUMENTS = (
    DocumentKind.CONFIDENTIALITY_COMMITMENT,
    DocumentKind.NON_COLLUSION_COMMITMENT,
    DocumentKind.POWER_OF_ATTORNEY,
)


class GridElementKind(StrEnum):
    """Levels of a DSO's topology, top to bottom (seed table 4, fig. 33)."""

    HV_MV_SUBSTATION = "hv_mv_substation"
    MV_FEEDER = "mv_feeder"
    MV_LV_SUBSTATION = "mv_lv_substation"
    LV_FEEDER = "lv_feeder"


#: The kind a parent must have for each kind (None: a root).
PARENT_KIND: dict[GridElementKind, GridElementKind | None] = {
    GridElementKind.HV_MV_SUBSTATION: None,
    GridElementKind.MV_FEEDER: GridElementKind.HV_MV_SUBSTATION,
    GridElementKind.MV_LV_SUBSTATION: GridElementKind.MV_FEEDER,
    GridElementKind.LV_FEEDER: GridElementKind.MV_LV_SUBSTATION,
}
#: Elements with a transformer: congestion forecasts are kept for these.
TRANSFORMER_KINDS = frozenset({GridElementKind.HV_MV_SUBSTATION, GridElementKind.MV_LV_SUBSTATION})


class TrafficLightSource(StrEnum):
    """Who set a traffic-light state: the DSO's staff or an external grid tool (API client)."""

    DSO = "dso"
    GRID_TOOL = "grid_tool"


class AssetType(StrEnum):
    """Technology of a flexible asset (seed table 4, 3.4.2)."""

    BATTERY = "battery"
    EV_CHARGING = "EV_charging"
    ELECTRIC_VEHICLE = "electric_vehicle"
    HEAT_PUMP = "heat_pump"
    PHOTOVOLTAIC = "photovoltaic"
    WIND = "wind"
    HYDRO = "hydro"
    CHP = "chp"
    INDUSTRIAL_LOAD = "industrial_load"
    HOUSEHOLD_LOAD = "household_load"
    OTHER = "other"


class AssetStatus(StrEnum):
    """Operational status of an asset (seed table 4)."""

    OPERATIONAL = "operational"
    IN_DEVELOPMENT = "in_development"
    NON_OPERATIONAL = "non_operational"


class ActivationMode(StrEnum):
    """How the asset is activated (seed fig. 9)."""

    AUTOMATIC = "automatic"
    MANUAL = "manual"


class Connector(StrEnum):
    """Charging connector types of a charging station (seed 3.4.3)."""

    TYPE1 = "type1"
    TYPE2 = "type2"
    CCS1 = "ccs1"
    CCS2 = "ccs2"
    CHADEMO = "chademo"
    GBT = "gbt"
    SCHUKO = "schuko"
    NACS = "nacs"


#: Voltage levels at the point of connection (seed table 4: 0.4, 10, 20, 35 kV), in volts.
VOLTAGE_LEVELS_V = (400, 10_000, 20_000, 35_000)


class PrequalificationPath(StrEnum):
    """How an asset is prequalified: reviewed by DSO and operator, or by an activation test."""

    REVIEW = "review"
    TEST = "test"


class PrequalificationStatus(StrEnum):
    """Status of one prequalification attempt; an asset with none is ``not_attempted``."""

    PENDING = "pending"
    QUALIFIED = "qualified"
    FAILED = "failed"
    NOT_ATTEMPTED = "not_attempted"


class Decision(StrEnum):
    """A reviewer's decision."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
