"""The meter simulator: deterministic, plausible, and responsive to activations."""

from __future__ import annotations

import pytest

from oracle import meterdata, simulator
from oracle.agreement import agreement_from_dict
from oracle.errors import SimulationError
from oracle.simulator import Activation, simulate
from oracle.verdict import verify
from tests.oracle.support import DAY, Q, agreement_dict

JULY = 1_751_328_000  # 2025-07-01 00:00 UTC
FLEET = {"ev": 6, "charging_station": 2, "battery": 2, "heat_pump": 4, "pv": 4}


def test_same_seed_gives_the_same_data_and_another_seed_other_data():
    a = simulate(FLEET, seed=11, start=DAY, days=2)
    b = simulate(FLEET, seed=11, start=DAY, days=2)
    c = simulate(FLEET, seed=12, start=DAY, days=2)
    assert a.series == b.series
    assert a.series != c.series
    assert a.intervals == 192 and len(a.series) == sum(FLEET.values())
    assert all(type(v) is int for values in a.series.values() for v in values)


def test_meter_ids_follow_the_fleet():
    sim = simulate({"ev": 2, "pv": 1}, seed=0, start=DAY)
    assert sorted(sim.series) == ["EV-0000", "EV-0001", "PV-0000"]
    assert sim.kinds["PV-0000"] == "pv"


def test_devices_behave_plausibly():
    winter = simulate({"ev": 20, "heat_pump": 10, "battery": 5}, seed=5, start=DAY, days=3)
    summer = simulate({"pv": 10, "heat_pump": 10}, seed=5, start=JULY, days=3)
    ev = [v for m, values in winter.series.items() if m.startswith("EV") for v in values]
    assert min(ev) >= 0 and max(ev) <= 11_000 // 4  # at most 11 kW for 15 min
    assert sum(ev) > 0
    # Heat pumps draw more in January than in July.
    hp_winter = sum(sum(v) for m, v in winter.series.items() if m.startswith("HP"))
    hp_summer = sum(sum(v) for m, v in summer.series.items() if m.startswith("HP"))
    assert hp_winter > 3 * hp_summer > 0
    # PV households export at a July noon and import at night.
    noon, night = 12 * 4, 1 * 4
    pv = [v for m, v in summer.series.items() if m.startswith("PV")]
    assert all(values[noon] < 0 for values in pv)
    assert all(values[night] > 0 for values in pv)
    # Batteries charge at night and discharge in the evening; within +-P.
    bat = [v for m, v in winter.series.items() if m.startswith("BAT")]
    assert all(values[1 * 4] > 0 and values[17 * 4] < 0 for values in bat)


def _terms(meters, direction, start, quantity=3_000, n=4, baseline=None):
    return agreement_from_dict(agreement_dict(
        direction=direction,
        meter_ids=meters,
        intervals=[{"start": start + k * Q, "quantity_wh": quantity} for k in range(n)],
        baseline=baseline or {"method": "pre_window"},
    ))


def _declared(agreement, sim):
    data = agreement.model_dump(mode="json")
    data["baseline"] = {"method": "declared", "values_wh": sim.counterfactual_wh(agreement.meter_ids, agreement.starts)}
    return agreement_from_dict(data)


@pytest.mark.parametrize(
    "fleet, direction, window",
    [
        ({"ev": 10, "heat_pump": 10, "battery": 4}, "up", DAY + 19 * 3600),
        ({"heat_pump": 10, "battery": 4, "pv": 10}, "down", JULY + 11 * 3600),
    ],
)
def test_delivery_follows_delivery_pct_against_the_counterfactual(fleet, direction, window):
    start = window - window % 86_400
    meters = simulator.meter_ids_for(fleet)
    agreement = _terms(meters, direction, window)
    delivered = {}
    for pct in (100, 50, 0, 150):
        sim = simulate(fleet, seed=9, start=start, activations=[Activation.from_agreement(agreement, pct)])
        result = verify(_declared(agreement, sim), sim.readings())
        delivered[pct] = result.delivered_wh
        if pct == 100:
            assert result.success and result.delivered_wh == agreement.ordered_wh
    assert delivered[0] == 0
    assert delivered[50] == agreement.ordered_wh // 2
    assert delivered[150] == agreement.ordered_wh * 3 // 2


def test_under_delivery_lowers_delivered_energy_against_the_pre_window_baseline():
    fleet = {"heat_pump": 8, "battery": 4}
    meters = simulator.meter_ids_for(fleet)
    agreement = _terms(meters, "up", DAY + 10 * 3600, quantity=2_000)
    results = {}
    for pct in (100, 50):
        sim = simulate(fleet, seed=2, start=DAY, activations=[Activation.from_agreement(agreement, pct)])
        results[pct] = verify(agreement, sim.readings())
    assert results[50].delivered_wh < results[100].delivered_wh
    assert results[100].success and not results[50].success and results[50].penalty > 0


def test_activation_is_limited_by_what_the_devices_can_do():
    # PV households cannot lower their net consumption: an up activation delivers nothing.
    fleet = {"pv": 3}
    meters = simulator.meter_ids_for(fleet)
    agreement = _terms(meters, "up", JULY + 12 * 3600)
    sim = simulate(fleet, seed=1, start=JULY, activations=[Activation.from_agreement(agreement)])
    assert sim.series == sim.counterfactual
    # A single battery delivers at most its power.
    battery = simulate({"battery": 1}, seed=1, start=DAY)
    agreement = _terms(["BAT-0000"], "up", DAY + 10 * 3600, quantity=10**6)
    sim = simulate({"battery": 1}, seed=1, start=DAY, activations=[Activation.from_agreement(agreement)])
    device_cap = max(abs(v) for v in battery.series["BAT-0000"])  # charging at full power at night
    moved = [sim.counterfactual["BAT-0000"][i] - sim.series["BAT-0000"][i] for i in range(40, 44)]
    assert all(0 < m <= device_cap for m in moved)  # idle at 10:00: at most -P


def test_shifted_load_comes_back_after_the_window():
    fleet = {"heat_pump": 5}
    meters = simulator.meter_ids_for(fleet)
    agreement = _terms(meters, "up", DAY + 8 * 3600, quantity=1_500)
    sim = simulate(fleet, seed=4, start=DAY, activations=[Activation.from_agreement(agreement)])
    window = range(32, 36)
    before = sum(sim.counterfactual[m][i] for m in meters for i in window)
    during = sum(sim.series[m][i] for m in meters for i in window)
    assert before - during == agreement.ordered_wh
    assert sum(map(sum, (sim.series[m] for m in meters))) == sum(map(sum, (sim.counterfactual[m] for m in meters)))
    assert sum(sim.series[m][36] for m in meters) > sum(sim.counterfactual[m][36] for m in meters)


def test_battery_state_of_charge_stays_within_capacity_under_activations():
    fleet = {"battery": 3}
    meters = simulator.meter_ids_for(fleet)
    for direction, hour in (("up", 20), ("down", 4)):
        window = DAY + hour * 3600
        agreement = _terms(meters, direction, window, quantity=10**6, n=8)
        sim = simulate(fleet, seed=8, start=DAY, days=2, activations=[Activation.from_agreement(agreement)])
        reference = simulate(fleet, seed=8, start=DAY, days=2)
        for m in meters:
            capacity = _capacity(reference, m)
            soc = capacity // 5
            for value in sim.series[m]:
                soc += value
                assert 0 <= soc <= capacity


def _capacity(sim, meter_id):
    # The battery fills to capacity every night from 20 %: its first night's charge is 80 %.
    first_night = sum(v for v in sim.series[meter_id][:24] if v > 0)
    return first_night * 5 // 4


def test_written_csv_parses_back_to_the_same_readings(tmp_path):
    sim = simulate(FLEET, seed=3, start=DAY)
    path = tmp_path / "sim.csv"
    assert sim.write_csv(path) == sim.intervals * len(sim.series)
    assert dict(meterdata.parse_csv(path)) == dict(sim.readings())


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"fleet": {"windmill": 1}}, "unknown device kinds"),
        ({"fleet": {"ev": -1}}, "must not be negative"),
        ({"start": DAY + 900}, "midnight"),
        ({"days": 0}, "days"),
        ({"activations": [Activation(("EV-0042",), "up", ((DAY, 10),))]}, "EV-0042"),
        ({"activations": [Activation(("EV-0000",), "left", ((DAY, 10),))]}, "direction"),
        ({"activations": [Activation(("EV-0000",), "up", ((DAY, 10),), delivery_pct=301)]}, "delivery_pct"),
        ({"activations": [Activation(("EV-0000",), "up", ((DAY + 86_400, 10),))]}, "outside"),
    ],
)
def test_refuses_what_it_does_not_model(kwargs, message):
    args = {"fleet": {"ev": 1}, "seed": 0, "start": DAY, "days": 1} | kwargs
    fleet = args.pop("fleet")
    with pytest.raises(SimulationError, match=message):
        simulate(fleet, **args)
