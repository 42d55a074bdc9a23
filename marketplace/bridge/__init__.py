"""The chain bridge: a durable transaction sender and an event indexer over the database.

:mod:`marketplace.bridge.sender` sends the service's own transactions (the operator's
commitments and awards, the oracle's attestations) through an outbox table: one nonce
manager shared by every process, signed bytes stored before sending, the same bytes re-sent
after a crash or a node restart, one transaction per intended effect.
:mod:`marketplace.bridge.indexer` keeps the database in step with the market contract's
events: a durable cursor, a rescan of the last blocks for reorganisations, and at most one
row (and one run of its handlers) per (transaction hash, log index).
"""
