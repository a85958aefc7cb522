"""办不成事 problem reports and their events; 帮办代办 grants, the log of agents' acts, and the acts an agent request grants

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 09:54:32.533984
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agent_act',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('act', sa.String(length=20), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['user_account.id'], name=op.f('fk_agent_act_agent_id_user_account')),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_agent_act_owner_id_user_account')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_agent_act_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_act'))
    )
    with op.batch_alter_table('agent_act', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agent_act_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agent_act_project_id'), ['project_id'], unique=False)

    op.create_table('agent_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('acts', sa.JSON(), nullable=False),
    sa.Column('granted_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['user_account.id'], name=op.f('fk_agent_grant_agent_id_user_account')),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_agent_grant_owner_id_user_account')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_agent_grant_project_id_project')),
    sa.ForeignKeyConstraint(['request_id'], ['service_request.id'], name=op.f('fk_agent_grant_request_id_service_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_grant'))
    )
    with op.batch_alter_table('agent_grant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agent_grant_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agent_grant_project_id'), ['project_id'], unique=False)

    op.create_table('problem_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('department', sa.String(length=64), nullable=True),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('reopened', sa.Integer(), nullable=False),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.Column('escalated_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['plan_item.id'], name=op.f('fk_problem_report_item_id_plan_item')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_problem_report_project_id_project')),
    sa.ForeignKeyConstraint(['reporter_id'], ['user_account.id'], name=op.f('fk_problem_report_reporter_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_report'))
    )
    with op.batch_alter_table('problem_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_problem_report_department'), ['department'], unique=False)
        batch_op.create_index('ix_problem_report_open', ['status', 'due'], unique=False)
        batch_op.create_index(batch_op.f('ix_problem_report_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_problem_report_reporter_id'), ['reporter_id'], unique=False)

    op.create_table('problem_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('department', sa.String(length=64), nullable=True),
    sa.Column('satisfied', sa.Boolean(), nullable=True),
    sa.Column('due', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_problem_event_actor_id_user_account')),
    sa.ForeignKeyConstraint(['report_id'], ['problem_report.id'], name=op.f('fk_problem_event_report_id_problem_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_event'))
    )
    with op.batch_alter_table('problem_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_problem_event_report_id'), ['report_id'], unique=False)

    with op.batch_alter_table('service_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('granted_acts', sa.JSON(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('service_request', schema=None) as batch_op:
        batch_op.drop_column('granted_acts')

    with op.batch_alter_table('problem_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_problem_event_report_id'))

    op.drop_table('problem_event')
    with op.batch_alter_table('problem_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_problem_report_reporter_id'))
        batch_op.drop_index(batch_op.f('ix_problem_report_project_id'))
        batch_op.drop_index('ix_problem_report_open')
        batch_op.drop_index(batch_op.f('ix_problem_report_department'))

    op.drop_table('problem_report')
    with op.batch_alter_table('agent_grant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_grant_project_id'))
        batch_op.drop_index(batch_op.f('ix_agent_grant_agent_id'))

    op.drop_table('agent_grant')
    with op.batch_alter_table('agent_act', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_act_project_id'))
        batch_op.drop_index(batch_op.f('ix_agent_act_agent_id'))

    op.drop_table('agent_act')
