"""meter data: readings per meter and interval, and the batches they arrived in

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 10:17:06.498600
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('meter_data_batch',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('source', sa.Enum('api', 'upload', 'cli', 'simulator', name='meterdatasource', native_enum=False, length=32), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('api_client_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.BigInteger(), nullable=False),
    sa.Column('stored', sa.BigInteger(), nullable=False),
    sa.Column('duplicates', sa.BigInteger(), nullable=False),
    sa.Column('first_interval', sa.BigInteger(), nullable=True),
    sa.Column('last_interval', sa.BigInteger(), nullable=True),
    sa.Column('received_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['api_client_id'], ['api_client.id'], name=op.f('fk_meter_data_batch_api_client_id_api_client')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_meter_data_batch_participant_id_participant')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_meter_data_batch_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meter_data_batch'))
    )
    with op.batch_alter_table('meter_data_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meter_data_batch_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meter_data_batch_sha256'), ['sha256'], unique=False)

    op.create_table('meter_reading',
    sa.Column('meter_id', sa.String(length=64), nullable=False),
    sa.Column('interval_start', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('energy_wh', sa.BigInteger(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['meter_data_batch.id'], name=op.f('fk_meter_reading_batch_id_meter_data_batch')),
    sa.PrimaryKeyConstraint('meter_id', 'interval_start', name=op.f('pk_meter_reading'))
    )


def downgrade() -> None:
    op.drop_table('meter_reading')
    with op.batch_alter_table('meter_data_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meter_data_batch_sha256'))
        batch_op.drop_index(batch_op.f('ix_meter_data_batch_participant_id'))

    op.drop_table('meter_data_batch')
