"""oracle verdicts and statement disputes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 10:27:35.977219
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('oracle_verdict',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('oracle_address', sa.String(length=42), nullable=False),
    sa.Column('status', sa.Enum('pending', 'judged', 'attested', 'expired', name='verdictstatus', native_enum=False, length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('missing', sa.JSON(), nullable=True),
    sa.Column('missing_count', sa.BigInteger(), nullable=False),
    sa.Column('intervals', sa.JSON(), nullable=True),
    sa.Column('ordered_wh', sa.BigInteger(), nullable=True),
    sa.Column('delivered_wh', sa.BigInteger(), nullable=True),
    sa.Column('attested_wh', sa.BigInteger(), nullable=True),
    sa.Column('ratio_pct', sa.String(length=16), nullable=True),
    sa.Column('success', sa.Boolean(), nullable=True),
    sa.Column('payment', sa.BigInteger(), nullable=True),
    sa.Column('penalty', sa.BigInteger(), nullable=True),
    sa.Column('refund', sa.BigInteger(), nullable=True),
    sa.Column('signature', sa.String(length=132), nullable=True),
    sa.Column('tx_key', sa.String(length=200), nullable=True),
    sa.Column('tx_hash', sa.String(length=66), nullable=True),
    sa.Column('checks', sa.BigInteger(), nullable=False),
    sa.Column('first_checked_at', sa.BigInteger(), nullable=False),
    sa.Column('judged_at', sa.BigInteger(), nullable=True),
    sa.Column('attested_at', sa.BigInteger(), nullable=True),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_oracle_verdict_agreement_id_agreement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oracle_verdict')),
    sa.UniqueConstraint('agreement_id', 'oracle_address', name=op.f('uq_oracle_verdict_agreement_id_oracle_address'))
    )
    with op.batch_alter_table('oracle_verdict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oracle_verdict_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oracle_verdict_status'), ['status'], unique=False)

    op.create_table('statement_dispute',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('api_client_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('open', 'resolved', 'withdrawn', name='disputestatus', native_enum=False, length=32), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.Column('resolution', sa.String(length=1000), nullable=True),
    sa.Column('resolved_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('resolved_at', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_statement_dispute_agreement_id_agreement')),
    sa.ForeignKeyConstraint(['api_client_id'], ['api_client.id'], name=op.f('fk_statement_dispute_api_client_id_api_client')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_statement_dispute_participant_id_participant')),
    sa.ForeignKeyConstraint(['resolved_by_user_id'], ['user.id'], name=op.f('fk_statement_dispute_resolved_by_user_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_statement_dispute_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_dispute'))
    )
    with op.batch_alter_table('statement_dispute', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_dispute_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_dispute_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_dispute_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('statement_dispute', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_dispute_status'))
        batch_op.drop_index(batch_op.f('ix_statement_dispute_participant_id'))
        batch_op.drop_index(batch_op.f('ix_statement_dispute_agreement_id'))

    op.drop_table('statement_dispute')
    with op.batch_alter_table('oracle_verdict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oracle_verdict_status'))
        batch_op.drop_index(batch_op.f('ix_oracle_verdict_agreement_id'))

    op.drop_table('oracle_verdict')
