"""Alembic migrations of the market service's database (``flexmarket.db.upgrade``)."""
