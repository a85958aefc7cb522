"""rule-base versions, the admin's calendar days, the admin audit, organisation contacts

Revision ID: 0004
Revises: 0001
Create Date: 2026-12-01 08:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rule_base_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'superseded', name='versionstatus', native_enum=False, length=20), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('cases_run', sa.Integer(), nullable=False),
    sa.Column('cases_failed', sa.Integer(), nullable=False),
    sa.Column('validated_at', sa.DateTime(), nullable=True),
    sa.Column('based_on_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['based_on_id'], ['rule_base_version.id'], name=op.f('fk_rule_base_version_based_on_id_rule_base_version')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_rule_base_version_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name=op.f('fk_rule_base_version_published_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_base_version')),
    sa.UniqueConstraint('number', name=op.f('uq_rule_base_version_number'))
    )
    with op.batch_alter_table('rule_base_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rule_base_version_status'), ['status'], unique=False)

    op.create_table('calendar_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_calendar_day_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_day')),
    sa.UniqueConstraint('day', name=op.f('uq_calendar_day_day'))
    )
    op.create_table('admin_audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_admin_audit_entry_actor_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_audit_entry'))
    )
    with op.batch_alter_table('admin_audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admin_audit_entry_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_admin_audit_entry_at'), ['at'], unique=False)

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contacts', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('contacts')

    with op.batch_alter_table('admin_audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admin_audit_entry_at'))
        batch_op.drop_index(batch_op.f('ix_admin_audit_entry_actor_id'))

    op.drop_table('admin_audit_entry')
    op.drop_table('calendar_day')
    with op.batch_alter_table('rule_base_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rule_base_version_status'))

    op.drop_table('rule_base_version')
