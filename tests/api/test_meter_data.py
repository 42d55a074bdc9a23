"""Meter data intake through the API: JSON and CSV pushes, uploads, conflicts, who reads what."""

from __future__ import annotations

import hashlib
import io

from tests.api import payloads
from tests.api.test_auth import audit_rows

V = "/api/v1"
M = payloads.METER
T0 = payloads.T0


def _push(api, actor, readings):
    return api(actor).post(f"{V}/meter-data", json={"readings": [
        {"meter_id": m, "interval_start": s, "energy_wh": e} for m, s, e in readings]})


def _read(api, actor, meter_id=M, start=T0, end=T0 + 3 * 900):
    return api(actor).get(f"{V}/meter-data?meter_id={meter_id}&start={start}&end={end}")


def test_a_json_push_is_stored_once_and_read_back(api, world):
    first = _push(api, "oracle", [(M, T0, 1200), (M, T0 + 900, 1100), (M, T0 + 900, 1100)])
    assert first.status_code == 201, first.json
    assert {k: first.json[k] for k in ("rows", "stored", "duplicates", "meters", "first_interval", "last_interval")} == {
        "rows": 3, "stored": 2, "duplicates": 1, "meters": 1, "first_interval": T0, "last_interval": T0 + 900}
    again = _push(api, "oracle", [(M, T0 + 900, 1100), (M, T0 + 1800, 990)])
    assert (again.json["stored"], again.json["duplicates"]) == (1, 1)
    got = _read(api, "oracle").json
    assert got == {"meter_id": M, "readings": [
        {"interval_start": T0, "energy_wh": 1200, "batch_id": first.json["batch_id"]},
        {"interval_start": T0 + 900, "energy_wh": 1100, "batch_id": first.json["batch_id"]},
        {"interval_start": T0 + 1800, "energy_wh": 990, "batch_id": again.json["batch_id"]}]}


def test_a_csv_push_is_hashed_as_received_and_audited(api, world, connection):
    body = payloads.meter_csv(values=(1200, -300, 0))
    reply = api("dso").post(f"{V}/meter-data", data=body, content_type="text/csv")
    assert reply.status_code == 201, reply.json
    assert reply.json["sha256"] == hashlib.sha256(body).hexdigest() and reply.json["stored"] == 3
    batches = api("dso").get(f"{V}/meter-data/batches").json["items"]
    assert [(b["id"], b["source"], b["participant_id"], b["rows"]) for b in batches] == [
        (reply.json["batch_id"], "api", world["dso"], 3)]
    (row,) = audit_rows(connection, "meter_data.push")
    assert row["object_id"] == str(reply.json["batch_id"]) and row["participant_id"] == world["dso"]
    assert row["after"]["stored"] == 3 and row["after"]["source"] == "api"


def test_an_uploaded_file_keeps_its_name(api, world):
    reply = api("oracle").post(f"{V}/meter-data/upload", data={"file": (io.BytesIO(payloads.meter_csv()), "march.csv")},
                               content_type="multipart/form-data")
    assert reply.status_code == 201, reply.json
    (batch,) = api("operator").get(f"{V}/meter-data/batches").json["items"]
    assert (batch["source"], batch["filename"], batch["stored"]) == ("upload", "march.csv", 2)


def test_a_batch_that_disagrees_with_stored_readings_stores_nothing(api, world):
    assert _push(api, "oracle", [(M, T0, 1200)]).status_code == 201
    refused = _push(api, "oracle", [(M, T0 + 900, 500), (M, T0, 1300)])
    assert refused.status_code == 409 and refused.json["code"] == "conflicting_readings"
    assert refused.json["details"]["first_conflicts"] == [
        {"meter_id": M, "interval_start": T0, "energy_wh": 1300, "stored_energy_wh": 1200}]
    assert [r["interval_start"] for r in _read(api, "oracle").json["readings"]] == [T0]


def test_readers_see_only_meters_they_may(api, world):
    assert _push(api, "oracle", [("SI-LJ-0042", T0, 10), (M, T0, 20)]).status_code == 201
    assert _read(api, "operator", "SI-LJ-0042").status_code == 200
    assert _read(api, "oracle", "SI-LJ-0042").status_code == 200
    for actor in ("dso", "fsp", "fsp_ro"):  # a meter of no asset of theirs
        assert _read(api, actor, "SI-LJ-0042").status_code == 404, actor
        assert _read(api, actor, M).json["readings"][0]["energy_wh"] == 20, actor  # their asset's meter


def test_batches_list_is_the_callers_own_unless_operator_or_oracle(api, world):
    assert _push(api, "oracle", [(M, T0, 1)]).status_code == 201
    assert _push(api, "dso", [(M, T0 + 900, 2)]).status_code == 201
    assert len(api("operator").get(f"{V}/meter-data/batches").json["items"]) == 2
    assert len(api("oracle").get(f"{V}/meter-data/batches").json["items"]) == 2
    assert [b["participant_id"] for b in api("dso").get(f"{V}/meter-data/batches").json["items"]] == [world["dso"]]
    assert api("fsp").get(f"{V}/meter-data/batches").json["items"] == []
