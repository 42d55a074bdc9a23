"""The market service's typed SQLAlchemy 2 models (the schema itself comes from migrations)."""

from marketplace.models.asset import Asset, BiddingUnit, ChargingStation, Vehicle
from marketplace.models.audit import AuditRecord
from marketplace.models.chain import ChainCursor, ChainEvent, ChainTransaction
from marketplace.models.auth import AccessToken, ApiClient, SiweNonce, WebSession
from marketplace.models.meter import MeterDataBatch, MeterDataSource, MeterReading
from marketplace.models.grid import ForecastPoint, GridElement, TrafficLightState, Zone, ZonePostalCode
from marketplace.models.participant import Document, Participant, User
from marketplace.models.prequalification import Prequalification

__all__ = [
    "AccessToken",
    "ApiClient",
    "Asset",
    "AuditRecord",
    "BiddingUnit",
    "ChainCursor",
    "ChainEvent",
    "ChainTransaction",
    "ChargingStation",
    "Document",
    "ForecastPoint",
    "GridElement",
    "MeterDataBatch",
    "MeterDataSource",
    "MeterReading",
    "Participant",
    "Prequalification",
    "SiweNonce",
    "TrafficLightState",
    "User",
    "Vehicle",
    "WebSession",
    "Zone",
    "ZonePostalCode",
]
