"""FlexMarket benchmarks: each measures and reports figures as JSON (never a pass/fail test)."""

from __future__ import annotations

import json


def approved_participant(session, role: str, name: str, address: str, kind: str | None):
    """A participant signed up with ``address`` as its wallet and approved (its role taken as
    held on chain): the principal benchmarks act as. Only for benchmark databases."""
    from marketplace.domain import participants
    from marketplace.domain.principal import Principal
    from marketplace.models.base import now_s
    from marketplace.models.enums import ParticipantStatus
    from marketplace.schemas.participants import SignUp

    body = {
        "role": role, "fsp_kind": kind, "entity_name": name, "tax_id": "B12345678",
        "iban": "ES9121000418450200051332", "address": "Calle 1", "locality": "Madrid", "postal_code": "28012",
        "province": "Madrid", "country": "ES", "phone": "+34 910 000 000", "email": "bench@example.es",
        "representative": {"first_name": "B", "last_name": "Ench", "tax_id": "12345678Z",
                           "phone": "+34 600 000 000", "address": "Calle 1", "email": "b@example.es"},
        "wallet": {"message": "-", "signature": "0x" + "00" * 65},
    }
    participant, user = participants.sign_up(session, SignUp.model_validate_json(json.dumps(body)), address, None)
    participant.status = ParticipantStatus.APPROVED
    participant.decided_at = participant.created_at
    user.wallet_bound_at = user.chain_role_granted_at = now_s()
    return Principal(user=user, participant=participant, grant=user.grant)
