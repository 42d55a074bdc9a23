"""The meter oracle's typed errors: one root, :class:`OracleError`, with a ``code`` each."""

from __future__ import annotations

from typing import Any


class OracleError(Exception):
    """Base of every error the oracle raises on purpose.

    ``code`` is a short machine-readable name; ``details`` carries the values involved
    (line numbers, meter ids, interval starts in Unix s, energies in Wh).
    """

    code = "oracle_error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        """``{code, message, details}``, the shape every FlexMarket error renders to."""
        return {"code": self.code, "message": self.message, "details": self.details}


class MeterDataError(OracleError):
    """Meter data that does not follow the documented CSV format (``docs/meter-data.md``).

    ``details`` names the ``line`` (1-based, the header is line 1) and, where one is at
    fault, the ``column`` and its ``value``.
    """

    code = "invalid_meter_data"


class ConflictingReadings(MeterDataError):
    """Two readings for the same meter and interval with different energies.

    Identical duplicates are harmless and dropped; disagreeing ones are refused because
    nobody can tell which one is right. ``details``: ``meter_id``, ``interval_start``
    (Unix s), ``energy_wh`` and ``line`` of the later reading, ``previous_energy_wh`` and,
    when known, ``previous_line``.
    """

    code = "conflicting_readings"


class AgreementError(OracleError):
    """Agreement terms the oracle cannot verify against (missing or malformed fields).

    ``details["errors"]`` lists ``{"field", "message"}`` for every problem found.
    """

    code = "invalid_agreement"


class IncompleteReadings(OracleError):
    """Readings needed for a verdict (baseline or delivery window) are missing.

    Not a bad input: the verdict waits until the data arrives. ``missing`` holds the
    ``(meter_id, interval_start)`` pairs, interval starts in Unix s, sorted.
    """

    code = "incomplete_readings"

    def __init__(self, missing: list[tuple[str, int]]) -> None:
        self.missing = sorted(set(missing))
        first = ", ".join(f"{m}@{s}" for m, s in self.missing[:3])
        more = f" and {len(self.missing) - 3} more" if len(self.missing) > 3 else ""
        super().__init__(
            f"{len(self.missing)} needed meter reading{'s are' if len(self.missing) != 1 else ' is'} missing: "
            f"{first}{more}",
            details={"missing": [{"meter_id": m, "start": s} for m, s in self.missing]},
        )


class AttestationError(OracleError):
    """An attestation that cannot be encoded (agreement id not 32 bytes, energy out of range)."""

    code = "invalid_attestation"


class SimulationError(OracleError):
    """A meter simulation asked for something the simulator does not model."""

    code = "invalid_simulation"
