"""plan item versions, text columns as long as their validation

Revision ID: 0005
Revises: 0010
Create Date: 2026-12-03 10:00:00

Written beside 0006–0010 (all from 0004) and chained after them when
merged: a database already at 0010 upgrades through this one.

- ``plan_item.version``: transitions of one item are serialised; a
  transition applies only to the version it was decided on.
- The columns that copy a questionnaire's text answer (district, contact
  name and phone) hold what the answers' validation accepts
  (``coordinator.planning.limits.ANSWER_TEXT``), and the audit names a user by its
  username (up to 80 characters; ``limits.AUDIT_ENTITY_ID``).
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0010'
branch_labels = None
depends_on = None

#: (table, column, old length, new length, nullable)
WIDENED = [
    ('project', 'district', 100, 200, False),
    ('service_request', 'district', 100, 200, False),
    ('service_request', 'contact_name', 120, 200, True),
    ('service_request', 'contact_phone', 40, 200, True),
    ('admin_audit_entry', 'entity_id', 64, 200, False),
]


def upgrade() -> None:
    op.add_column('plan_item', sa.Column('version', sa.Integer(), nullable=False, server_default='0'))
    for table, column, old, new, nullable in WIDENED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sa.String(length=old), type_=sa.String(length=new),
                                  existing_nullable=nullable)


def downgrade() -> None:
    for table, column, old, new, nullable in WIDENED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sa.String(length=new), type_=sa.String(length=old),
                                  existing_nullable=nullable, postgresql_using=f'left({column}, {old})')
    op.drop_column('plan_item', 'version')
