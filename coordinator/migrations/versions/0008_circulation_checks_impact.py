"""circulation (consultations), 告知承诺 checks and revocation flags, the
commitment-breach record (per company), and the queue's impact columns on
plan items

Written on 0004 and re-chained after 0005 on merge: hookups are service
requests (0009) by then, so a flagged hookup names its ``service_request``.

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-03 09:31:20
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0005'
branch_labels = None
depends_on = None

OPEN_QUEUE = "status IN ('submitted', 'accepted', 'accepted_with_gaps', 'returned')"


def upgrade() -> None:
    op.create_table('commitment_breach',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('broken_on', sa.Date(), nullable=False),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['plan_item.id'], name=op.f('fk_commitment_breach_item_id_plan_item')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_commitment_breach_company_id_company')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_commitment_breach_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_breach')),
    sa.UniqueConstraint('item_id', name=op.f('uq_commitment_breach_item_id'))
    )
    with op.batch_alter_table('commitment_breach', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_breach_company_id'), ['company_id'], unique=False)

    op.create_table('commitment_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['checked_by_id'], ['user_account.id'], name=op.f('fk_commitment_check_checked_by_id_user_account')),
    sa.ForeignKeyConstraint(['item_id'], ['plan_item.id'], name=op.f('fk_commitment_check_item_id_plan_item')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_commitment_check_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_check')),
    sa.UniqueConstraint('item_id', name=op.f('uq_commitment_check_item_id'))
    )
    with op.batch_alter_table('commitment_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_check_project_id'), ['project_id'], unique=False)

    op.create_table('consultation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('department', sa.String(length=64), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_on', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('by_rule', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('verdict', sa.String(length=32), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('waived_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], name=op.f('fk_consultation_answered_by_id_user_account')),
    sa.ForeignKeyConstraint(['item_id'], ['plan_item.id'], name=op.f('fk_consultation_item_id_plan_item')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_consultation_project_id_project')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_consultation_requested_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation')),
    sa.UniqueConstraint('item_id', 'department', name=op.f('uq_consultation_item_id'))
    )
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_item_id'), ['item_id'], unique=False)
        batch_op.create_index('ix_consultation_open', ['department', 'status', 'due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_project_id'), ['project_id'], unique=False)

    op.create_table('revocation_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('hookup_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['check_id'], ['commitment_check.id'], name=op.f('fk_revocation_flag_check_id_commitment_check')),
    sa.ForeignKeyConstraint(['hookup_id'], ['service_request.id'], name=op.f('fk_revocation_flag_hookup_id_service_request')),
    sa.ForeignKeyConstraint(['item_id'], ['plan_item.id'], name=op.f('fk_revocation_flag_item_id_plan_item')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_revocation_flag_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revocation_flag'))
    )
    with op.batch_alter_table('revocation_flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revocation_flag_check_id'), ['check_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_revocation_flag_project_id'), ['project_id'], unique=False)

    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slack', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('impact_days', sa.Integer(), nullable=True))
    op.create_index('ix_plan_item_impact_queue', 'plan_item',
                    ['department', 'impact_days', 'due_date', 'id'], unique=False,
                    postgresql_where=sa.text(OPEN_QUEUE), sqlite_where=sa.text(OPEN_QUEUE))



def downgrade() -> None:
    op.drop_index('ix_plan_item_impact_queue', table_name='plan_item')
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.drop_column('impact_days')
        batch_op.drop_column('slack')

    with op.batch_alter_table('revocation_flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revocation_flag_project_id'))
        batch_op.drop_index(batch_op.f('ix_revocation_flag_check_id'))

    op.drop_table('revocation_flag')
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_project_id'))
        batch_op.drop_index('ix_consultation_open')
        batch_op.drop_index(batch_op.f('ix_consultation_item_id'))

    op.drop_table('consultation')
    with op.batch_alter_table('commitment_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitment_check_project_id'))

    op.drop_table('commitment_check')
    with op.batch_alter_table('commitment_breach', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitment_breach_company_id'))

    op.drop_table('commitment_breach')
