"""A simulated meter data source for the local dev market, the demo and the browser tests.

On a real market, readings come from DSOs and meter data providers (push API, uploads).
On the local dev market nothing meters the registered assets, so this feed plays every
registered asset's smart meter: each asset is simulated by its type (charging stations and
EVs with charging sessions, batteries, heat pumps, PV; other loads as heat pumps) with
:mod:`oracle.simulator`, and the assets of a bidding unit respond to the market's
agreements and activations — delivering ``delivery_pct`` percent of what was ordered
(100 by default; less to under-deliver on purpose). Each round stores the readings of the
quarter-hours completed since the last round (source ``simulator``), so stored readings
never change.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.db import Database
from marketplace.models import Activation, Agreement, Asset
from marketplace.models.enums import AssetType
from marketplace.models.market import ActivationStatus, AgreementKind
from marketplace.models.meter import MeterDataBatch, MeterDataSource
from oracle import intake
from oracle.baselines import DAY_S
from oracle.meterdata import INTERVAL_S, MeterReadings
from oracle.simulator import Activation as SimulatedActivation
from oracle.simulator import simulate_meters

log = logging.getLogger(__name__)

#: The simulated device behind each asset type.
DEVICE_OF: dict[AssetType, str] = {
    AssetType.EV_CHARGING: "charging_station",
    AssetType.ELECTRIC_VEHICLE: "ev",
    AssetType.BATTERY: "battery",
    AssetType.HEAT_PUMP: "heat_pump",
    AssetType.PHOTOVOLTAIC: "pv",
}
#: Device for every other asset type: a flexible load.
DEFAULT_DEVICE = "heat_pump"


@dataclass
class SimulatedMeterFeed:
    """Writes simulated readings of every registered asset's meter into ``database``.

    ``delivery_pct`` is how much of each ordered quantity the assets deliver (percent);
    ``by_unit`` overrides it per bidding unit id.
    """

    database: Database
    seed: int = 0
    delivery_pct: int = 100
    by_unit: dict[int, int] = field(default_factory=dict)

    def run_once(self, now: int) -> int:
        """Store readings of every quarter-hour completed by ``now`` (Unix s) and not yet
        stored; returns how many readings were stored."""
        last = now // INTERVAL_S * INTERVAL_S - INTERVAL_S  # start of the last completed quarter-hour
        with self.database.transaction() as s:
            kinds = self._meters(s)
            if not kinds:
                return 0
            done = s.scalar(select(func.max(MeterDataBatch.last_interval)).where(
                MeterDataBatch.source == MeterDataSource.SIMULATOR))
            first = (now // DAY_S - 1) * DAY_S if done is None else done + INTERVAL_S
            if first > last:
                return 0
            activations = self._activations(s, kinds)
            stored = 0
            for day in range(first // DAY_S * DAY_S, last + 1, DAY_S):
                simulation = simulate_meters(kinds, seed=self.seed, start=day, days=1,
                                             activations=[a for a in (_clip(x, day) for x in activations) if a])
                lo, hi = max(first, day), min(last, day + DAY_S - INTERVAL_S)
                readings = MeterReadings({
                    m: {t: v for t, v in zip(simulation.starts, values) if lo <= t <= hi}
                    for m, values in simulation.series.items()
                })
                result = intake.store(s, readings, source=MeterDataSource.SIMULATOR,
                                      sha256=intake.sha256_hex(f"simulator:{self.seed}:{lo}:{hi}"),
                                      filename=f"simulated {lo}..{hi}")
                stored += result.stored
        return stored

    def run(self, stop: threading.Event, clock, *, interval_s: float = 5.0) -> None:
        """Rounds until ``stop`` is set; ``clock()`` gives the market's time (Unix s)."""
        while not stop.is_set():
            try:
                self.run_once(clock())
            except Exception:  # a failed round is retried; the feed must keep the meters going
                log.exception("simulated meter feed: round failed; retrying")
            stop.wait(interval_s)

    # ------------------------------------------------------------------ internals
    def _meters(self, s: Session) -> dict[str, str]:
        kinds: dict[str, str] = {}
        for meter_id, asset_type in s.execute(select(Asset.metering_point_id, Asset.asset_type).order_by(Asset.id)):
            kinds.setdefault(meter_id, DEVICE_OF.get(asset_type, DEFAULT_DEVICE))
        return kinds

    def _unit_meters(self, s: Session, unit_id: int, kinds: Mapping[str, str]) -> tuple[str, ...]:
        meters = s.scalars(select(Asset.metering_point_id).where(Asset.bidding_unit_id == unit_id))
        return tuple(sorted({m for m in meters if m in kinds}))

    def _activations(self, s: Session, kinds: Mapping[str, str]) -> list[SimulatedActivation]:
        out = []
        energy = s.scalars(select(Agreement).where(Agreement.kind == AgreementKind.ENERGY))
        for agreement in energy:
            meters = self._unit_meters(s, agreement.bidding_unit_id, kinds)
            if meters and agreement.intervals:
                out.append(SimulatedActivation(
                    meters, agreement.direction.value, tuple((i.start, i.quantity_wh) for i in agreement.intervals),
                    self.by_unit.get(agreement.bidding_unit_id, self.delivery_pct)))
        for activation in s.scalars(select(Activation).where(Activation.status == ActivationStatus.ORDERED)):
            meters = self._unit_meters(s, activation.bidding_unit_id, kinds)
            if meters and activation.intervals:
                out.append(SimulatedActivation(
                    meters, activation.direction.value, tuple((i.start, i.quantity_wh) for i in activation.intervals),
                    self.by_unit.get(activation.bidding_unit_id, self.delivery_pct)))
        return out


def _clip(activation: SimulatedActivation, day: int) -> SimulatedActivation | None:
    """The part of an activation inside the UTC day starting at ``day``."""
    inside = tuple((t, q) for t, q in activation.intervals if day <= t < day + DAY_S)
    if not inside:
        return None
    return SimulatedActivation(activation.meter_ids, activation.direction, inside, activation.delivery_pct)
