"""A deterministic meter simulator: EV chargers, charging stations, batteries, heat pumps, PV.

It produces what smart meters would report — integer Wh per 15-min interval, net energy drawn
from the grid (consumption positive, injection negative) — for a fleet of devices over whole
UTC days, and it responds to activations by shifting load, delivering on purpose only part
of what was ordered when asked to (``delivery_pct``). Same arguments, same seed: the same
numbers, on every machine (``random.Random`` seeded with strings; integer arithmetic only).

Models (times in UTC; powers in W; one meter per device):

- ``ev`` — a home wallbox (3.7, 7.4 or 11 kW). On 85 % of days a car arrives between 16:30
  and 21:00, leaves the next morning between 06:00 and 08:30, and needs 4-30 kWh; it charges
  at full power from arrival until full (uncontrolled charging).
- ``charging_station`` — a public charge point (D4.2 3.4: the Italian pilot's CPO stations):
  2 x 11 kW AC, 2 x 22 kW AC or 1 x 50 kW DC. Per connector, sessions follow each other from
  06:00 to 22:00 (60 % chance a car is waiting after each gap of 10-120 min; AC stays
  45 min-8 h, DC 15-60 min), each car with its own maximum power and 5-45 kWh to charge.
- ``battery`` — a stationary battery (10-50 kWh, 5-25 kW) that charges 01:00-05:00 and
  discharges at half power 17:00-22:00 down to a 10 % reserve (peak shaving); 100 % efficient.
- ``heat_pump`` — space heating for a house losing 100-300 W/K, set to 20 degC 05:00-21:00 and
  18 degC at night, COP rising with the outdoor temperature (2.0-5.0), plus two 30-min hot
  water boosts (06:00, 18:00); rated 3-9 kW; +-5 % noise.
- ``pv`` — a household with rooftop PV (3-10 kWp): a typical load profile (scaled 70-140 %,
  +-20 % noise) minus PV generation, a parabola between the month's sunrise and sunset
  (45.5 degN, 14 degE), scaled by the day's cloudiness and +-10 % noise. Net is often negative
  at midday.

Weather (daily mean temperature with a day/night swing, cloudiness) is shared by all meters
of a seed; devices differ by their own draws.

Activations. An activation asks ``quantity_wh`` per interval of its window in ``direction``
(``up``: less net consumption, ``down``: more) from a set of meters. In each interval the
simulator aims at ``quantity_wh x delivery_pct / 100`` of change against the counterfactual
(what the meters would have done anyway) and splits it over the meters in proportion to what
each can do in that interval; when they cannot do enough, less is delivered:

- up: chargers pause (down to 0), heat pumps switch off, batteries discharge harder (to -P,
  within their charge); PV households cannot do more.
- down: chargers charge faster where a car still needs energy, heat pumps boost to rated
  power, batteries charge harder (within their capacity), PV is curtailed.

Energy moved by chargers, heat pumps and batteries comes back right after the window
(rebound: the car still wants its energy, the house its heat, the battery its charge) as fast
as each device allows, for at most a day; a car that has left takes less. Curtailed PV is
lost. Whether the verdict then sees the delivery also depends on the baseline method: the
pre-window baseline (seed 3.3.3.3) measures against the interval before the window, not
against the counterfactual; :meth:`Simulation.counterfactual_wh` gives what an FSP would
declare for the ``declared`` method.
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TextIO

from oracle.agreement import Agreement
from oracle.errors import SimulationError
from oracle.meterdata import INTERVAL_S, MeterReadings, write_csv

DAY_S = 86_400
INTERVALS_PER_DAY = DAY_S // INTERVAL_S
#: Meter id prefix per device kind (meter ``EV-0003`` is the fourth home wallbox).
PREFIXES = {"ev": "EV", "charging_station": "CS", "battery": "BAT", "heat_pump": "HP", "pv": "PV"}
KINDS = tuple(PREFIXES)
#: How far after a window a rebound may reach, intervals (one day).
REBOUND_INTERVALS = INTERVALS_PER_DAY
#: Largest delivery_pct accepted (over-delivery on purpose up to 3x).
MAX_DELIVERY_PCT = 300


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    """Seconds shared by [a0, a1) and [b0, b1)."""
    return max(0, min(a1, b1) - max(a0, b0))


def _jitter(rng: random.Random, value: int, pct: int) -> int:
    """``value`` scaled by a uniform integer percentage in [100 - pct, 100 + pct]."""
    return value * (100 - pct + rng.randrange(2 * pct + 1)) // 100


# ------------------------------------------------------------------------------ weather
#: Monthly mean temperature, deci-degC (central Europe, 45-46 degN).
_MONTH_MEAN_DECI_C = (5, 25, 65, 110, 155, 195, 215, 210, 165, 115, 65, 15)
#: Monthly sunrise, sunset (minutes after 00:00 UTC) and clear-sky peak (% of kWp) at 45.5 degN, 14 degE.
_MONTH_SUN = (
    (405, 950, 45), (375, 995, 55), (330, 1035, 65), (280, 1080, 75), (240, 1120, 80), (220, 1145, 82),
    (235, 1140, 82), (270, 1100, 78), (310, 1045, 70), (350, 990, 60), (390, 945, 48), (415, 935, 42),
)
#: Day/night temperature swing, deci-degC either side of the daily mean (coldest 05:00, warmest 15:00).
_SWING_DECI_C = 40
#: Cloudiness choices: share of clear-sky PV output, percent.
_SKY_PCT = (100, 100, 95, 90, 80, 65, 45, 30, 20)


class _Weather:
    """Daily weather shared by every meter of one seed."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._days: dict[int, tuple[int, int, int]] = {}

    def day(self, day_start: int) -> tuple[int, int, int]:
        """(month 1-12, mean temperature deci-degC, sky percent) of the UTC day at ``day_start``."""
        cached = self._days.get(day_start)
        if cached is None:
            rng = random.Random(f"flexmarket-weather:{self.seed}:{day_start}")
            month = datetime.fromtimestamp(day_start, UTC).month
            mean = _MONTH_MEAN_DECI_C[month - 1] + rng.randrange(-50, 51)
            cached = self._days[day_start] = (month, mean, rng.choice(_SKY_PCT))
        return cached

    def temperature(self, moment: int) -> int:
        """Outdoor temperature at Unix s ``moment``, deci-degC."""
        day_start = moment - moment % DAY_S
        _, mean, _ = self.day(day_start)
        minute = (moment - day_start) // 60
        if 300 <= minute < 900:  # 05:00 -> 15:00 warming
            return mean - _SWING_DECI_C + 2 * _SWING_DECI_C * (minute - 300) // 600
        since_peak = (minute - 900) % 1440  # 15:00 -> 05:00 cooling
        return mean + _SWING_DECI_C - 2 * _SWING_DECI_C * since_peak // 840


# ------------------------------------------------------------------------------ devices
class _Device:
    """One metered device over the simulated horizon.

    ``base[i]`` is its counterfactual net energy in interval ``i`` (Wh). The ``*_cap`` methods
    say how much more it could lower (up) or raise (down) its energy in interval ``i`` from
    ``value``, given the energy ``moved`` so far by the current activation; ``rebound_room``
    how much of a moved energy it can take back in interval ``j``.
    """

    shiftable = True

    def __init__(self, meter_id: str, n: int) -> None:
        self.meter_id = meter_id
        self.base = [0] * n

    def up_cap(self, i: int, value: int, moved: int) -> int:
        return 0

    def down_cap(self, i: int, value: int, moved: int) -> int:
        return 0

    def rebound_room(self, j: int, value: int, direction: str) -> int:
        return 0


@dataclass(frozen=True)
class _Session:
    arrival: int
    departure: int
    energy_wh: int
    power_w: int


class _Charger(_Device):
    """EV charging (home wallbox or public station) from a list of sessions."""

    def __init__(self, meter_id: str, start: int, n: int, sessions: list[_Session]) -> None:
        super().__init__(meter_id, n)
        self.connected_wh = [0] * n  # energy at full power of the cars connected
        self.later_wh = [0] * n  # energy the connected cars still charge after interval i
        end = start + n * INTERVAL_S
        for session in sessions:
            arrival, departure = max(session.arrival, start), min(session.departure, end)
            if arrival >= departure:
                continue
            full_s = -(-session.energy_wh * 3600 // session.power_w)
            charge_end = min(session.arrival + full_s, session.departure)
            first = (arrival - start) // INTERVAL_S
            last = (departure - 1 - start) // INTERVAL_S
            charged = []
            for i in range(first, last + 1):
                t0 = start + i * INTERVAL_S
                wh = session.power_w * _overlap(t0, t0 + INTERVAL_S, session.arrival, charge_end) // 3600
                self.base[i] += wh
                self.connected_wh[i] += (
                    session.power_w * _overlap(t0, t0 + INTERVAL_S, session.arrival, session.departure) // 3600
                )
                charged.append(wh)
            remaining = sum(charged)
            for offset, wh in enumerate(charged):
                remaining -= wh
                self.later_wh[first + offset] += remaining

    def up_cap(self, i: int, value: int, moved: int) -> int:
        return max(0, value)

    def down_cap(self, i: int, value: int, moved: int) -> int:
        return max(0, min(self.connected_wh[i] - value, self.later_wh[i] - moved))

    def rebound_room(self, j: int, value: int, direction: str) -> int:
        if direction == "up":  # paused energy: charge more while a car is connected
            return max(0, self.connected_wh[j] - value)
        return max(0, value)  # charged early: charge less later


def _home_sessions(rng: random.Random, start: int, days: int) -> list[_Session]:
    power_w = rng.choice((3_700, 7_400, 7_400, 11_000))
    sessions = []
    for d in range(-1, days):
        day = start + d * DAY_S
        if rng.randrange(100) >= 85:
            continue
        arrival = day + 16 * 3600 + 1800 + rng.randrange(271) * 60
        departure = day + DAY_S + 6 * 3600 + rng.randrange(151) * 60
        sessions.append(_Session(arrival, departure, rng.randrange(4_000, 30_001, 100), power_w))
    return sessions


def _station_sessions(rng: random.Random, start: int, days: int) -> list[_Session]:
    connectors, connector_w, dc = rng.choice(((2, 11_000, False), (2, 22_000, False), (1, 50_000, True)))
    sessions = []
    for d in range(-1, days):
        day = start + d * DAY_S
        for _ in range(connectors):
            t = day + 6 * 3600 + rng.randrange(121) * 60
            while t < day + 22 * 3600:
                if rng.randrange(100) < 60:
                    dwell_min = rng.randrange(15, 61) if dc else rng.randrange(45, 481)
                    car_w = min(connector_w, rng.choice((7_400, 11_000, 22_000, 50_000, 100_000)))
                    energy_wh = min(rng.randrange(5_000, 45_001, 100), car_w * dwell_min // 60)
                    sessions.append(_Session(t, t + dwell_min * 60, energy_wh, car_w))
                    t += dwell_min * 60
                t += rng.randrange(10, 121) * 60
    return sessions


class _Battery(_Device):
    """A stationary battery with a fixed daily schedule; SoC bounds hold under activations."""

    def __init__(self, meter_id: str, rng: random.Random, start: int, n: int) -> None:
        super().__init__(meter_id, n)
        self.capacity_wh = rng.choice((10_000, 13_500, 20_000, 50_000))
        self.power_wh = rng.choice((5_000, 10_000, 25_000)) * INTERVAL_S // 3600
        reserve = self.capacity_wh // 10
        soc = self.capacity_wh // 5
        self.soc = [0] * n
        for i in range(n):
            hour = (i % INTERVALS_PER_DAY) // 4
            if 1 <= hour < 5:
                wh = min(self.power_wh, self.capacity_wh - soc)
            elif 17 <= hour < 22:
                wh = -min(self.power_wh // 2, max(0, soc - reserve))
            else:
                wh = 0
            soc += wh
            self.base[i] = wh
            self.soc[i] = soc

    def _ahead(self, i: int) -> list[int]:
        return self.soc[i:i + 16]

    def up_cap(self, i: int, value: int, moved: int) -> int:
        return max(0, min(value + self.power_wh, min(self._ahead(i)) - moved))

    def down_cap(self, i: int, value: int, moved: int) -> int:
        return max(0, min(self.power_wh - value, self.capacity_wh - max(self._ahead(i)) - moved))

    def rebound_room(self, j: int, value: int, direction: str) -> int:
        return max(0, self.power_wh - value) if direction == "up" else max(0, value + self.power_wh)


class _HeatPump(_Device):
    """Space heating plus hot water, driven by the shared outdoor temperature."""

    def __init__(self, meter_id: str, rng: random.Random, start: int, n: int, weather: _Weather) -> None:
        super().__init__(meter_id, n)
        loss_w_per_k = rng.randrange(100, 301)
        rated_w = rng.choice((3_000, 5_000, 7_000, 9_000))
        dhw_w = rated_w * 2 // 3
        self.rated_wh = rated_w * INTERVAL_S // 3600
        for i in range(n):
            t0 = start + i * INTERVAL_S
            outdoor = weather.temperature(t0 + INTERVAL_S // 2)
            hour = (i % INTERVALS_PER_DAY) // 4
            setpoint = 200 if 5 <= hour < 21 else 180
            heat_w = loss_w_per_k * max(0, setpoint - outdoor) // 10
            cop_tenths = min(50, max(20, 30 + outdoor // 14))
            electric_w = heat_w * 10 // cop_tenths
            if (i % INTERVALS_PER_DAY) in (24, 25, 72, 73):  # 06:00 and 18:00 hot water
                electric_w += dhw_w
            self.base[i] = _jitter(rng, min(rated_w, electric_w), 5) * INTERVAL_S // 3600

    def up_cap(self, i: int, value: int, moved: int) -> int:
        return max(0, value)

    def down_cap(self, i: int, value: int, moved: int) -> int:
        return max(0, self.rated_wh - value)

    def rebound_room(self, j: int, value: int, direction: str) -> int:
        return max(0, self.rated_wh - value) if direction == "up" else max(0, value)


#: Household load by UTC hour, W (a typical residential profile).
_LOAD_W = (220, 200, 190, 190, 200, 260, 420, 650, 600, 450, 400, 420,
           480, 450, 400, 420, 520, 750, 950, 1000, 880, 650, 420, 300)


class _PvHousehold(_Device):
    """A household load minus rooftop PV; PV can be curtailed (down), nothing else moves."""

    shiftable = False

    def __init__(self, meter_id: str, rng: random.Random, start: int, n: int, weather: _Weather) -> None:
        super().__init__(meter_id, n)
        peak_w = rng.randrange(3_000, 10_001, 100)
        load_pct = rng.randrange(70, 141)
        self.pv_wh = [0] * n
        for i in range(n):
            t0 = start + i * INTERVAL_S
            day_start = t0 - t0 % DAY_S
            month, _, sky_pct = weather.day(day_start)
            sunrise, sunset, clear_pct = _MONTH_SUN[month - 1]
            minute = (t0 - day_start + INTERVAL_S // 2) // 60
            pv_w = 0
            if sunrise < minute < sunset:
                shape = 4 * (minute - sunrise) * (sunset - minute)
                pv_w = peak_w * clear_pct * sky_pct * shape // ((sunset - sunrise) ** 2 * 10_000)
                pv_w = _jitter(rng, pv_w, 10)
            load_w = _jitter(rng, _LOAD_W[minute // 60] * load_pct // 100, 20)
            self.pv_wh[i] = pv_w * INTERVAL_S // 3600
            self.base[i] = load_w * INTERVAL_S // 3600 - self.pv_wh[i]

    def down_cap(self, i: int, value: int, moved: int) -> int:
        return max(0, self.pv_wh[i] - (value - self.base[i]))


# ------------------------------------------------------------------------------ activations
@dataclass(frozen=True)
class Activation:
    """A request to move energy: ``intervals`` are (start Unix s, quantity_wh) of a window,
    ``direction`` ``up`` or ``down``, on ``meter_ids``. ``delivery_pct`` is how much of the
    quantity the fleet tries to deliver (100 full, 50 half, 0 nothing, 150 over-delivery)."""

    meter_ids: tuple[str, ...]
    direction: str
    intervals: tuple[tuple[int, int], ...]
    delivery_pct: int = 100

    @classmethod
    def from_agreement(cls, agreement: Agreement, delivery_pct: int = 100) -> Activation:
        """The activation an agreement asks for, delivered at ``delivery_pct`` percent."""
        return cls(
            meter_ids=tuple(agreement.meter_ids),
            direction=agreement.direction,
            intervals=tuple((i.start, i.quantity_wh) for i in agreement.intervals),
            delivery_pct=delivery_pct,
        )


def _allocate(caps: list[int], target: int) -> list[int]:
    """Split ``target`` Wh over devices in proportion to ``caps`` (never above a cap), exactly
    and deterministically (largest remainder, ties to the first device)."""
    total = sum(caps)
    if total <= target:
        return list(caps)
    shares = [cap * target // total for cap in caps]
    order = sorted(range(len(caps)), key=lambda k: (-(caps[k] * target % total), k))
    for k in order[:target - sum(shares)]:
        shares[k] += 1
    return shares


# ------------------------------------------------------------------------------ simulation
@dataclass
class Simulation:
    """Simulated meter data: ``series[meter_id][i]`` is the net energy (Wh) of the interval
    starting at ``start + i x 900``; ``counterfactual`` the same without any activation."""

    start: int
    intervals: int
    kinds: dict[str, str]
    series: dict[str, list[int]]
    counterfactual: dict[str, list[int]] = field(repr=False)

    @property
    def starts(self) -> list[int]:
        return [self.start + i * INTERVAL_S for i in range(self.intervals)]

    def readings(self) -> MeterReadings:
        """The simulated data as readings, as if parsed from its CSV."""
        starts = self.starts
        return MeterReadings({m: dict(zip(starts, values)) for m, values in self.series.items()})

    def write_csv(self, target: str | os.PathLike[str] | TextIO) -> int:
        """Write the simulated data as meter data CSV; returns the number of rows."""
        starts = self.starts
        return write_csv(target, {m: dict(zip(starts, values)) for m, values in self.series.items()})

    def _index(self, start: int) -> int:
        i, rest = divmod(start - self.start, INTERVAL_S)
        if rest or not 0 <= i < self.intervals:
            raise SimulationError(f"interval {start} is outside the simulated horizon or not aligned")
        return i

    def counterfactual_wh(self, meter_ids: Sequence[str], starts: Sequence[int]) -> list[int]:
        """What ``meter_ids`` would have drawn at ``starts`` without activations, summed, Wh
        (the schedule an FSP would declare for a ``declared`` baseline)."""
        return [sum(self.counterfactual[m][self._index(s)] for m in meter_ids) for s in starts]


def meter_ids_for(fleet: Mapping[str, int]) -> list[str]:
    """The meter ids a fleet gets: ``<PREFIX>-0000`` upwards per kind, kinds in KINDS order."""
    return [f"{PREFIXES[kind]}-{n:04d}" for kind in KINDS for n in range(fleet.get(kind, 0))]


def simulate(
    fleet: Mapping[str, int],
    *,
    seed: int,
    start: int,
    days: int = 1,
    activations: Sequence[Activation] = (),
) -> Simulation:
    """Simulate ``fleet`` (device kind -> count) for ``days`` UTC days from ``start`` (Unix s,
    a midnight UTC), applying ``activations`` in window order. Deterministic in ``seed``.
    Meter ids are :func:`meter_ids_for` the fleet."""
    unknown = set(fleet) - set(KINDS)
    if unknown:
        raise SimulationError(f"unknown device kinds {sorted(unknown)}; known: {', '.join(KINDS)}")
    if any(count < 0 for count in fleet.values()):
        raise SimulationError("device counts must not be negative")
    kinds = {m: next(k for k, p in PREFIXES.items() if m.startswith(p + "-")) for m in meter_ids_for(fleet)}
    return simulate_meters(kinds, seed=seed, start=start, days=days, activations=activations)


def simulate_meters(
    kinds: Mapping[str, str],
    *,
    seed: int,
    start: int,
    days: int = 1,
    activations: Sequence[Activation] = (),
) -> Simulation:
    """Simulate the named meters (meter id -> device kind, one of KINDS) for ``days`` UTC days
    from ``start`` (a midnight UTC), applying ``activations``. Deterministic in ``seed`` and
    each meter id: a meter's own load does not depend on which other meters are simulated."""
    unknown = set(kinds.values()) - set(KINDS)
    if unknown:
        raise SimulationError(f"unknown device kinds {sorted(unknown)}; known: {', '.join(KINDS)}")
    if start % DAY_S:
        raise SimulationError(f"the simulation starts at a midnight UTC (a multiple of {DAY_S} s), got {start}")
    if not 1 <= days <= 366:
        raise SimulationError(f"days must be 1..366, got {days}")
    n = days * INTERVALS_PER_DAY
    weather = _Weather(seed)
    devices: dict[str, _Device] = {}
    for meter_id, kind in kinds.items():
        rng = random.Random(f"flexmarket-meter:{seed}:{meter_id}")
        if kind == "ev":
            devices[meter_id] = _Charger(meter_id, start, n, _home_sessions(rng, start, days))
        elif kind == "charging_station":
            devices[meter_id] = _Charger(meter_id, start, n, _station_sessions(rng, start, days))
        elif kind == "battery":
            devices[meter_id] = _Battery(meter_id, rng, start, n)
        elif kind == "heat_pump":
            devices[meter_id] = _HeatPump(meter_id, rng, start, n, weather)
        else:
            devices[meter_id] = _PvHousehold(meter_id, rng, start, n, weather)
    series = {m: list(device.base) for m, device in devices.items()}
    simulation = Simulation(start, n, dict(kinds), series, {m: device.base for m, device in devices.items()})
    for activation in sorted(activations, key=lambda a: a.intervals[0][0] if a.intervals else 0):
        _activate(simulation, devices, activation)
    return simulation


def _activate(simulation: Simulation, devices: Mapping[str, _Device], activation: Activation) -> None:
    if activation.direction not in ("up", "down"):
        raise SimulationError(f"direction must be 'up' or 'down', got {activation.direction!r}")
    if not 0 <= activation.delivery_pct <= MAX_DELIVERY_PCT:
        raise SimulationError(f"delivery_pct must be 0..{MAX_DELIVERY_PCT}, got {activation.delivery_pct}")
    missing = [m for m in activation.meter_ids if m not in devices]
    if missing:
        raise SimulationError(f"activation names meters the simulation does not have: {', '.join(missing)}")
    if not activation.intervals:
        return
    up = activation.direction == "up"
    moved = dict.fromkeys(activation.meter_ids, 0)
    last = 0
    for start, quantity_wh in activation.intervals:
        i = simulation._index(start)
        last = max(last, i)
        target = quantity_wh * activation.delivery_pct // 100
        caps = []
        for m in activation.meter_ids:
            cap_of = devices[m].up_cap if up else devices[m].down_cap
            caps.append(cap_of(i, simulation.series[m][i], moved[m]))
        for m, share in zip(activation.meter_ids, _allocate(caps, target)):
            simulation.series[m][i] += -share if up else share
            moved[m] += share
    for m in activation.meter_ids:
        device, remaining = devices[m], moved[m]
        if not device.shiftable:
            continue
        for j in range(last + 1, min(simulation.intervals, last + 1 + REBOUND_INTERVALS)):
            if remaining <= 0:
                break
            take = min(remaining, device.rebound_room(j, simulation.series[m][j], activation.direction))
            simulation.series[m][j] += take if up else -take
            remaining -= take
