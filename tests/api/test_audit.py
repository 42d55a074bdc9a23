"""The audit trail: append-only in the database itself, readable by the operator only."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from marketplace.models import AuditRecord
from marketplace.models.audit import AuditTrailIsAppendOnly

V = "/api/v1"


def test_the_database_refuses_to_change_or_delete_audit_records(connection, world):
    count = connection.execute(text("SELECT count(*) FROM audit_record")).scalar_one()
    assert count > 20  # the world's own actions
    for statement in (update(AuditRecord).values(action="forged"), delete(AuditRecord)):
        with pytest.raises(DBAPIError, match="append-only"), connection.begin_nested():
            connection.execute(statement)
    assert connection.execute(text("SELECT count(*) FROM audit_record")).scalar_one() == count
    assert connection.execute(text("SELECT count(*) FROM audit_record WHERE action = 'forged'")).scalar_one() == 0


def test_the_orm_refuses_too(connection, world):
    with Session(bind=connection, join_transaction_mode="create_savepoint") as s:
        record = s.scalars(select(AuditRecord).limit(1)).one()
        record.action = "forged"
        with pytest.raises(AuditTrailIsAppendOnly):
            s.flush()
        s.rollback()
        s.delete(s.scalars(select(AuditRecord).limit(1)).one())
        with pytest.raises(AuditTrailIsAppendOnly):
            s.flush()


def test_every_state_change_of_a_request_is_recorded_with_who_when_what(api, world):
    api("dso").put(f"{V}/grid/elements/{world['dso_lv_feeder']}/traffic-light", json={"state": "yellow"})
    records = api("operator").get(f"{V}/audit?action=traffic_light.set&participant_id={world['dso']}").json["items"]
    latest = records[-1]
    assert latest["actor_user_id"] == world["dso_user"] == latest["acting_as_user_id"]
    assert latest["object_type"] == "grid_element" and latest["object_id"] == str(world["dso_lv_feeder"])
    assert latest["after"]["state"] == "yellow" and latest["before"] is None and latest["at"] > 0
    assert latest["remote_addr"] == "127.0.0.1"


def test_the_audit_trail_pages_and_filters(api, world):
    first = api("operator").get(f"{V}/audit?limit=5").json
    assert len(first["items"]) == 5 and first["next_after"] == first["items"][-1]["id"]
    second = api("operator").get(f"{V}/audit?limit=5&after={first['next_after']}").json
    assert second["items"][0]["id"] > first["items"][-1]["id"]
    by_actor = api("operator").get(f"{V}/audit?actor_user_id={world['fsp_user']}&limit=1000").json["items"]
    assert by_actor and all(r["actor_user_id"] == world["fsp_user"] for r in by_actor)
    assert api("operator").get(f"{V}/audit?since=4000000000").json["items"] == []
    assert api("fsp").get(f"{V}/audit").status_code == 403
