"""The browser tests' market world: participants, users, grid, assets — built in the live
server's database through the domain functions (the same code the API runs), once per test
module.

Who is who (dev accounts, as ``tests/browser/conftest.py`` grants their roles on chain):

| actor | dev account | participant |
| --- | --- | --- |
| ``operator`` | 0 | the market operator (admin) |
| ``dso`` | 1 | Distribuidora Uno (DSO, approved): grid around Madrid, zone, forecasts |
| ``dso2`` | 2 | Distribuidora Dos (DSO, approved): a small grid in Barcelona |
| ``oracle`` | 3 | Contadores Oráculo SA (meter oracle, approved) |
| ``fsp`` | 6 | Agregador Uno (FSP aggregator, approved): two assets, documents |
| ``fsp_ro`` | 15 | a read-only user of Agregador Uno |
| ``cpo`` | 7 | Ricarica Uno (FSP charge-point operator, approved): a charging station |
| ``cpo2`` | 8 | Ricarica Due (FSP charge-point operator, approved): a charging station |
| ``applicant`` | 10 | Solar Vecinal (FSP prosumer, pending, all three documents) |
| ``incomplete`` | 11 | Incompleta Energía (DSO, pending, no documents) |

Dev accounts 9 (the stranger) and 12-14 hold no user: sign-up tests use them.

Forecasts cover yesterday, today and tomorrow (UTC) for the DSO's transformers, so the
day-ahead chart always has data; the evening peak of TR-A11 crosses its planning limit.
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from eth_account.signers.local import LocalAccount
from sqlalchemy import select

from marketplace.chain import devkeys
from marketplace.db import Database
from marketplace.domain import assets as asset_domain
from marketplace.domain import auth, grid, participants, prequalification
from marketplace.domain.principal import Principal
from marketplace.models import User
from marketplace.models.enums import DocumentKind, Grant, ParticipantStatus
from marketplace.schemas.assets import AssetIn, PrequalificationIn
from marketplace.schemas.grid import ForecastPointIn, GridElementIn, TrafficLightIn, ZoneIn
from marketplace.schemas.participants import SignUp, UserIn
from tests.api import payloads

DAY = 86_400
INTERVAL = 900

#: Dev account of each actor that signs with a dev wallet.
ACCOUNTS = {"operator": 0, "dso": 1, "dso2": 2, "oracle": 3, "fsp": 6, "cpo": 7, "cpo2": 8, "applicant": 10,
            "incomplete": 11, "fsp_ro": 15}
#: Dev accounts that hold no user in the world (sign-up tests use them).
FREE_ACCOUNTS = (9, 12, 13, 14)


@dataclass
class BrowserWorld:
    """The world's ids and a way to open sessions for its actors."""

    database: Database
    ids: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, name: str) -> int:
        return self.ids[name]

    @staticmethod
    def account(name: str) -> LocalAccount:
        return devkeys.dev_account(ACCOUNTS[name])

    def start_session(self, name: str, ttl_s: int = 8 * 3600) -> tuple[str, str]:
        """A fresh browser session for actor ``name``: (cookie token, CSRF token)."""
        with self.database.transaction() as s:
            user = s.get(User, self.users[name])
            issued = auth.start_session(s, user, ttl_s)
            return issued.token, issued.csrf_token


def _principal(user: User) -> Principal:
    return Principal(user=user, participant=user.participant, grant=user.grant)


def _v(model, body: dict):
    """Validate ``body`` exactly as the API does (strict JSON)."""
    return model.model_validate_json(json.dumps(body), strict=True)


def _register(s, name: str, role: str, entity: str, *, fsp_kind: str | None = None, approve: bool = True,
              first_name: str = "Ana", last_name: str = "García", tax_id: str = "B12345678") -> User:
    wallet = {"message": "x", "signature": "0x" + "00" * 65}  # proofs are checked by the API, not the domain
    body = payloads.sign_up(wallet, role=role, name=entity, fsp_kind=fsp_kind, tax_id=tax_id,
                            representative=payloads.representative(first_name=first_name, last_name=last_name,
                                                                   email=f"{first_name.lower()}@{name}.example"))
    participant, user = participants.sign_up(s, _v(SignUp, body), BrowserWorld.account(name).address, None)
    user.wallet_bound_at = user.created_at
    if approve:  # the conftest grants the approved participants' roles on chain
        participant.status = ParticipantStatus.APPROVED
        participant.decided_at = participant.created_at
        user.chain_role_granted_at = participant.created_at
    return user


def day_start(now: int | None = None) -> int:
    """00:00 UTC of today (Unix s)."""
    now = int(time.time()) if now is None else now
    return now - now % DAY


def forecast_points(base_w: int, peak_w: int, limit_w: int, start: int, days: int = 3) -> list[ForecastPointIn]:
    """15-min points from ``start`` for ``days`` days: a base load, an evening bump (17:00-21:00
    UTC) up to ``peak_w``; planning limit ``limit_w`` and operational limit 10 % above it."""
    points = []
    for i in range(days * DAY // INTERVAL):
        t = start + i * INTERVAL
        quarter = (t % DAY) // INTERVAL  # 0..95
        evening = 68 <= quarter < 84  # 17:00-21:00 UTC
        load = peak_w - abs(quarter - 76) * (peak_w - base_w) // 10 if evening else base_w + (quarter % 8) * 1_000
        points.append(ForecastPointIn(start=t, load_w=max(load, base_w), planning_limit_w=limit_w,
                                      operational_limit_w=limit_w * 11 // 10))
    return points


def build(database: Database, documents_path: Path) -> BrowserWorld:
    """Create the world (committed)."""
    w = BrowserWorld(database)
    with database.transaction() as s:
        op_user = participants.ensure_operator(s, BrowserWorld.account("operator").address, name="FlexMarket operator")
        if op_user is None:  # already bootstrapped by the app settings
            operator_wallet = BrowserWorld.account("operator").address
            op_user = s.scalars(select(User).where(User.wallet_address == operator_wallet)).one()
        users = {
            "operator": op_user,
            "dso": _register(s, "dso", "dso", "Distribuidora Uno", first_name="Dolores", last_name="Sanz"),
            "dso2": _register(s, "dso2", "dso", "Distribuidora Dos", first_name="Diego", last_name="Puig"),
            "oracle": _register(s, "oracle", "meter_oracle", "Contadores Oráculo SA", first_name="Olga",
                                last_name="Medina"),
            "fsp": _register(s, "fsp", "fsp", "Agregador Uno", fsp_kind="aggregator", first_name="Ana",
                             last_name="García"),
            "cpo": _register(s, "cpo", "fsp", "Ricarica Uno", fsp_kind="cpo", first_name="Carla", last_name="Rossi"),
            "cpo2": _register(s, "cpo2", "fsp", "Ricarica Due", fsp_kind="cpo", first_name="Paolo",
                              last_name="Bianchi"),
            "applicant": _register(s, "applicant", "fsp", "Solar Vecinal", fsp_kind="prosumer", approve=False,
                                   first_name="Sofía", last_name="Vidal"),
            "incomplete": _register(s, "incomplete", "dso", "Incompleta Energía", approve=False,
                                    first_name="Iván", last_name="Ruiz"),
        }
        s.flush()
        fsp = _principal(users["fsp"])
        ro = participants.add_user(s, fsp, users["fsp"].participant_id, UserIn(
            first_name="Rita", last_name="Lectora", email="rita@fsp.example", grant=Grant.READ_ONLY,
            wallet_address=BrowserWorld.account("fsp_ro").address))
        ro.wallet_bound_at = ro.created_at
        users["fsp_ro"] = ro
        for name, user in users.items():
            w.users[name] = user.id
            w.ids[name] = user.participant_id

        # documents: the applicant's three (ready for approval), the approved FSP's three
        for owner in ("applicant", "fsp"):
            for kind in DocumentKind:
                doc = participants.store_document(s, _principal(users[owner]), w[owner], kind, f"{kind.value}.pdf",
                                                  io.BytesIO(payloads.PDF), documents_path, 10 * 1024 * 1024)
                w.ids[f"{owner}_doc_{kind.value}"] = doc.id

        # DSO 1's grid around Madrid: a substation, two feeders, three secondary substations
        dso = _principal(users["dso"])

        def element(key: str, kind: str, code: str, name: str, parent: str | None, lat: float, lon: float,
                    postal_code: str, principal: Principal = dso) -> int:
            e = grid.create_element(s, principal, _v(GridElementIn, {
                "kind": kind, "code": code, "name": name, "parent_id": None if parent is None else w[parent],
                "latitude_udeg": round(lat * 1_000_000), "longitude_udeg": round(lon * 1_000_000),
                "postal_code": postal_code}))
            w.ids[key] = e.id
            return e.id

        element("ss_a", "hv_mv_substation", "SS-A", "Centro substation", None, 40.4200, -3.7000, "28013")
        element("mv_a1", "mv_feeder", "MV-A1", "Feeder Lavapiés", "ss_a", 40.4150, -3.7010, "28012")
        element("mv_a2", "mv_feeder", "MV-A2", "Feeder Atocha", "ss_a", 40.4120, -3.6930, "28045")
        element("tr_a11", "mv_lv_substation", "TR-A11", "Lavapiés", "mv_a1", 40.4090, -3.7010, "28012")
        element("tr_a12", "mv_lv_substation", "TR-A12", "Embajadores", "mv_a1", 40.4040, -3.7030, "28012")
        element("tr_a21", "mv_lv_substation", "TR-A21", "Atocha", "mv_a2", 40.4070, -3.6900, "28045")
        element("lv_a111", "lv_feeder", "LV-A111", "Calle Argumosa", "tr_a11", 40.4085, -3.6995, "28012")
        element("lv_a121", "lv_feeder", "LV-A121", "Ronda de Valencia", "tr_a12", 40.4035, -3.7020, "28012")
        element("lv_a211", "lv_feeder", "LV-A211", "Paseo Infanta Isabel", "tr_a21", 40.4065, -3.6890, "28045")
        for key, state in (("tr_a11", "yellow"), ("tr_a12", "red"), ("tr_a21", "orange")):
            grid.set_traffic_light(s, dso, w[key], _v(TrafficLightIn, {"state": state}))
        start = day_start() - DAY
        w.ids["forecast_start"] = start
        for key, base, peak, limit in (("tr_a11", 300_000, 520_000, 450_000), ("tr_a12", 250_000, 380_000, 400_000),
                                       ("tr_a21", 200_000, 420_000, 400_000),
                                       ("ss_a", 2_000_000, 3_100_000, 3_000_000)):
            grid.store_forecast(s, dso, w[key], forecast_points(base, peak, limit, start))
        w.ids["zone_centro"] = grid.create_zone(s, dso, ZoneIn(name="Centro", province="Madrid",
                                                               postal_codes=["28012", "28045"])).id

        # DSO 2's grid in Barcelona
        dso2 = _principal(users["dso2"])
        element("ss_b", "hv_mv_substation", "SS-B", "Eixample substation", None, 41.3900, 2.1600, "08011", dso2)
        element("mv_b1", "mv_feeder", "MV-B1", "Feeder Gràcia", "ss_b", 41.3980, 2.1570, "08012", dso2)
        element("tr_b11", "mv_lv_substation", "TR-B11", "Gràcia", "mv_b1", 41.4020, 2.1560, "08012", dso2)
        element("lv_b111", "lv_feeder", "LV-B111", "Carrer Gran", "tr_b11", 41.4025, 2.1565, "08012", dso2)
        w.ids["zone_gracia"] = grid.create_zone(s, dso2, ZoneIn(name="Gràcia", province="Barcelona",
                                                                postal_codes=["08012"])).id

        # assets: the FSP's battery and heat pump on DSO 1's grid; each CPO a charging station
        def asset(key: str, owner: str, body: dict) -> int:
            ((asset_id, error),) = asset_domain.register(s, _principal(users[owner]), [_v(AssetIn, body)])
            assert error is None, error
            w.ids[key] = asset_id
            return asset_id

        asset("battery", "fsp", payloads.asset(w["lv_a111"], name="Battery Lavapiés 1", postal_code="28012",
                                               metering_point_id="ES0021000000000001AB"))
        asset("heat_pump", "fsp", payloads.asset(
            w["lv_a121"], name="Heat pump Embajadores", asset_type="heat_pump", installed_generation_w=0,
            installed_consumption_w=6_000, active_import_w=0, active_export_w=5_000, postal_code="28012",
            metering_point_id="ES0021000000000002CD", latitude_udeg=40_403_800, longitude_udeg=-3_702_500))
        for key, owner, number in (("charger", "cpo", 1), ("charger2", "cpo2", 2)):
            asset(key, owner, payloads.asset(
                w["lv_a211"], name=f"Charger Atocha {number}", asset_type="EV_charging", installed_generation_w=0,
                installed_consumption_w=22_000, active_import_w=11_000, active_export_w=11_000, postal_code="28045",
                metering_point_id=f"IT001E000000{number}", latitude_udeg=40_406_500 + number * 100,
                longitude_udeg=-3_689_000, charging_station=payloads.charging_station()))
        w.ids["pq_battery_up"] = prequalification.request(s, fsp, _v(PrequalificationIn, {
            "asset_id": w["battery"], "product": "st_energy", "direction": "up", "path": "review"})).id
    return w
