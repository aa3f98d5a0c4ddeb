"""drop two indexes no query reads: every write paid for them

``ix_links_hub_id`` repeats what ``uq_links_hub_system`` (entity, hub_id, system)
already serves, since every lookup by hub id also names the entity; nothing reads the
outbox by (entity, hub_id), only in id order. A first sync inserts two links and one
outbox event per record, so these were three index insertions on random keys each.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 11:30:00
"""
from __future__ import annotations

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.drop_index('ix_links_hub_id')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_entity_hub_id')


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_entity_hub_id', ['entity', 'hub_id'], unique=False)
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.create_index('ix_links_hub_id', ['hub_id'], unique=False)
