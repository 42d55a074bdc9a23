"""FlexMarket's meter oracle: meter data, baselines, delivery verdicts and attestations.

The modules here are pure (no Flask, SQLAlchemy or chain node needed):

- :mod:`oracle.meterdata` — the meter data CSV format, parsed into :class:`MeterReadings`;
- :mod:`oracle.agreement` — the agreement terms the oracle verifies (the JSON file of
  ``flexmarket oracle verify``);
- :mod:`oracle.baselines` — the baseline methods ``pre_window``, ``x_of_y``, ``declared``;
- :mod:`oracle.verdict` — baseline, actual, delivered per interval and the settlement split
  (money from :mod:`marketplace.settlement`, never recomputed here);
- :mod:`oracle.availability` — long-term availability payment scaled by successful activations;
- :mod:`oracle.attestation` — the EIP-712 ``Attestation`` typed data and its signature;
- :mod:`oracle.simulator` — a deterministic meter simulator that responds to activations;
- :mod:`oracle.cli` — ``flexmarket oracle verify|simulate``;
- :mod:`oracle.bench` — the pure part of the oracle benchmark (parse and verify timings).

Every error raised on purpose is an :class:`oracle.errors.OracleError`.
"""
