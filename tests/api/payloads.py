"""Request bodies and SIWE messages for the API tests.

SIWE messages are written out here line by line per EIP-4361 and signed with eth-account's
own ``sign_message`` — never with the code under test.
"""

from __future__ import annotations

from datetime import UTC, datetime

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount

#: A valid Spanish IBAN (check digits correct).
T0 = 1_700_001_000  # a 15-min boundary (Unix s)
IBAN = "ES9121000418450200051332"
#: The metering point id of the world's assets (payloads.asset's default).
METER = "ES0021000000000001AB"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
XML = b'<?xml version="1.0" encoding="UTF-8"?><commitment signed="true"/>'


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def siwe_message(
    address: str,
    nonce: str,
    *,
    domain: str = "localhost",
    chain_id: int = 31337,
    uri: str = "http://localhost",
    issued_at: int | None = None,
    expiration: int | None = None,
    statement: str = "Sign in to FlexMarket.",
) -> str:
    """An EIP-4361 message, field by field as the EIP lays it out."""
    issued = iso(int(datetime.now(UTC).timestamp()) if issued_at is None else issued_at)
    lines = [
        f"{domain} wants you to sign in with your Ethereum account:",
        address,
        "",
        statement,
        "",
        f"URI: {uri}",
        "Version: 1",
        f"Chain ID: {chain_id}",
        f"Nonce: {nonce}",
        f"Issued At: {issued}",
    ]
    if expiration is not None:
        lines.append(f"Expiration Time: {iso(expiration)}")
    return "\n".join(lines)


def sign(account: LocalAccount, text: str) -> str:
    """EIP-191 personal_sign signature of ``text`` by ``account`` (0x-hex)."""
    return "0x" + bytes(Account.sign_message(encode_defunct(text=text), account.key).signature).hex()


def siwe_proof(account: LocalAccount, nonce: str, **kwargs) -> dict:
    message = siwe_message(account.address, nonce, **kwargs)
    return {"message": message, "signature": sign(account, message)}


def representative(**over) -> dict:
    return {
        "first_name": "Ana", "last_name": "García", "tax_id": "12345678Z", "phone": "+34 600 000 000",
        "address": "Calle Mayor 1, Madrid", "email": "ana@example.es", **over,
    }


def sign_up(wallet: dict, *, role: str = "fsp", fsp_kind: str | None = "aggregator", name: str = "Flex Aggregator SL",
            **over) -> dict:
    """A registration body (seed table 1) with the given SIWE ``wallet`` proof."""
    body = {
        "role": role, "entity_name": name, "tax_id": "B12345678", "iban": IBAN,
        "address": "Calle Alcalá 10", "locality": "Madrid", "postal_code": "28014", "province": "Madrid",
        "country": "ES", "phone": "+34 910 000 000", "email": "info@example.es",
        "representative": representative(), "wallet": wallet, **over,
    }
    if fsp_kind is not None and role == "fsp":
        body.setdefault("fsp_kind", fsp_kind)
    return body


def asset(grid_element_id: int, **over) -> dict:
    """An asset registration (seed table 4) on ``grid_element_id`` (an LV feeder, 400 V)."""
    return {
        "name": "Battery Lavapiés 1", "asset_type": "battery", "status": "operational", "voltage_level_v": 400,
        "installed_generation_w": 10_000, "installed_consumption_w": 10_000, "active_import_w": 8_000,
        "active_export_w": 8_000, "response_time_s": 30, "min_activation_s": 900, "max_activation_s": 7200,
        "recovery_s": 600, "metering_point_id": "ES0021000000000001AB", "grid_element_id": grid_element_id,
        "postal_code": "28012", "province": "Madrid", "municipality": "Madrid", "address": "Calle Argumosa 5",
        "latitude_udeg": 40_408_000, "longitude_udeg": -3_700_000, **over,
    }


def charging_station(**over) -> dict:
    return {"model": "Wallbox Pulsar Plus", "country": "IT", "city": "Firenze", "address": "Via Roma 1",
            "max_ac_power_w": 22_000, "max_dc_power_w": 0, "connectors": ["type2"], **over}


def vehicle(**over) -> dict:
    return {"model": "Renault Zoe", "battery_capacity_wh": 52_000, "max_charging_power_w": 22_000, **over}


def activation_test(direction: str = "up", *, start: int = 1_700_000_000, step: int = 60, baseline_w: int = 5_000,
                    change_w: int = 4_000, delivered_pct: int = 100, response_s: int = 120,
                    before_s: int = 900, hold_s: int = 1500) -> dict:
    """Samples every ``step`` s: ``before_s`` at the baseline, then the setpoint steps by
    ``change_w`` in ``direction`` and the measured power follows after ``response_s`` with
    ``delivered_pct`` of the change (consumption positive: up lowers it)."""
    sign_ = -1 if direction == "up" else 1
    samples = []
    t = start
    step_at = start + before_s
    while t <= step_at + hold_s:
        if t < step_at:
            setpoint = measured = baseline_w
        else:
            setpoint = baseline_w + sign_ * change_w
            reached = t - step_at >= response_s
            measured = baseline_w + sign_ * (change_w * delivered_pct // 100 if reached else 0)
        samples.append({"t": t, "setpoint_w": setpoint, "measured_w": measured})
        t += step
    return {"samples": samples}


def meter_csv(meter_id: str = METER, start: int = T0, values: tuple[int, ...] = (1200, 1150)) -> bytes:
    """Meter data CSV (docs/meter-data.md) of consecutive 15-min readings from ``start``."""
    lines = ["meter_id,interval_start,energy_wh"]
    lines += [f"{meter_id},{iso(start + 900 * i)},{v}" for i, v in enumerate(values)]
    return ("\n".join(lines) + "\n").encode()
