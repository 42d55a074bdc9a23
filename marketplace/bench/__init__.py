"""FlexMarket benchmarks: each measures and reports figures as JSON (never a pass/fail test)."""
