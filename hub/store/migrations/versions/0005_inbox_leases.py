"""inbox leases: several inbox workers share one store without applying an event twice

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 03:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.store.base

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', hub.store.base.UtcDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('claimed_by')
