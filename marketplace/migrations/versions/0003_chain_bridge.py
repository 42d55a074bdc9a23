"""chain bridge: transaction outbox, indexer cursors and events

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:09:48.197177
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chain_cursor',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('chain_id', sa.BigInteger(), nullable=False),
    sa.Column('contract', sa.String(length=42), nullable=False),
    sa.Column('block', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_chain_cursor'))
    )
    op.create_table('chain_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('chain_id', sa.BigInteger(), nullable=False),
    sa.Column('address', sa.String(length=42), nullable=False),
    sa.Column('event', sa.String(length=64), nullable=False),
    sa.Column('block_number', sa.BigInteger(), nullable=False),
    sa.Column('block_hash', sa.String(length=66), nullable=False),
    sa.Column('tx_hash', sa.String(length=66), nullable=False),
    sa.Column('log_index', sa.BigInteger(), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('handled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chain_event')),
    sa.UniqueConstraint('chain_id', 'tx_hash', 'log_index', name=op.f('uq_chain_event_chain_id_tx_hash_log_index'))
    )
    with op.batch_alter_table('chain_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chain_event_block_number'), ['block_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_chain_event_event'), ['event'], unique=False)

    op.create_table('chain_transaction',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.String(length=100), nullable=False),
    sa.Column('chain_id', sa.BigInteger(), nullable=False),
    sa.Column('sender', sa.String(length=42), nullable=False),
    sa.Column('nonce', sa.BigInteger(), nullable=False),
    sa.Column('to_address', sa.String(length=42), nullable=True),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('tx_hash', sa.String(length=66), nullable=False),
    sa.Column('gas_limit', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.Enum('signed', 'sent', 'mined', 'failed', 'dropped', name='txstatus', native_enum=False, length=32), nullable=False),
    sa.Column('block_number', sa.BigInteger(), nullable=True),
    sa.Column('gas_used', sa.BigInteger(), nullable=True),
    sa.Column('contract_address', sa.String(length=42), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('send_attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chain_transaction')),
    sa.UniqueConstraint('chain_id', 'sender', 'nonce', name=op.f('uq_chain_transaction_chain_id_sender_nonce')),
    sa.UniqueConstraint('key', name=op.f('uq_chain_transaction_key'))
    )
    with op.batch_alter_table('chain_transaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chain_transaction_sender'), ['sender'], unique=False)
        batch_op.create_index(batch_op.f('ix_chain_transaction_tx_hash'), ['tx_hash'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('chain_transaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chain_transaction_tx_hash'))
        batch_op.drop_index(batch_op.f('ix_chain_transaction_sender'))

    op.drop_table('chain_transaction')
    with op.batch_alter_table('chain_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chain_event_event'))
        batch_op.drop_index(batch_op.f('ix_chain_event_block_number'))

    op.drop_table('chain_event')
    op.drop_table('chain_cursor')
