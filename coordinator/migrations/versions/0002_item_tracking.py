"""item tracking: lifecycle fields, audit log, ratings

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 07:45:00
"""
import json

from alembic import op
import sqlalchemy as sa

OPEN_QUEUE = "status IN ('submitted', 'accepted', 'accepted_with_gaps', 'returned')"


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('project_type', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('submitted_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('accepted_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('clock_pauses', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('missing_materials', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('gaps_materials', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('gaps_due', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('verification_due', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('actual_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('actual_finish', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('document_number', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('status_changed_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        for column in ('project_type', 'clock_pauses', 'missing_materials', 'gaps_materials'):
            batch_op.alter_column(column, server_default=None)
    _fill_project_types()
    op.create_index('ix_plan_item_open_queue', 'plan_item', ['department', 'due_date', 'id'], unique=False,
                    postgresql_include=['status', 'project_type'], postgresql_where=sa.text(OPEN_QUEUE),
                    sqlite_where=sa.text(OPEN_QUEUE))

    op.create_table('item_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('from_status', sa.String(length=32), nullable=False),
    sa.Column('to_status', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('materials', sa.JSON(), nullable=False),
    sa.Column('document_number', sa.String(length=100), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_item_event_actor_id_user_account')),
    sa.ForeignKeyConstraint(['item_id'], ['plan_item.id'], name=op.f('fk_item_event_item_id_plan_item')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_item_event_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_event'))
    )
    with op.batch_alter_table('item_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_event_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_event_project_id'), ['project_id'], unique=False)

    op.create_table('item_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('department', sa.String(length=64), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name=op.f('ck_item_rating_score_range')),
    sa.ForeignKeyConstraint(['item_id'], ['plan_item.id'], name=op.f('fk_item_rating_item_id_plan_item')),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_item_rating_owner_id_user_account')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_item_rating_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_rating')),
    sa.UniqueConstraint('item_id', name=op.f('uq_item_rating_item_id'))
    )
    with op.batch_alter_table('item_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_rating_department'), ['department'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_rating_project_id'), ['project_id'], unique=False)


def _fill_project_types() -> None:
    """Existing items take the project type of the answers their plan was made from."""
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT project_plan.id, answer_set.answers FROM project_plan "
        "JOIN answer_set ON answer_set.id = project_plan.answer_set_id")).all()
    for plan_id, answers in rows:
        answers = json.loads(answers) if isinstance(answers, str) else (answers or {})
        conn.execute(sa.text("UPDATE plan_item SET project_type = :t WHERE plan_id = :p"),
                     {"t": str(answers.get('project_type') or ''), "p": plan_id})


def downgrade() -> None:
    op.drop_index('ix_plan_item_open_queue', table_name='plan_item')
    with op.batch_alter_table('item_rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_rating_project_id'))
        batch_op.drop_index(batch_op.f('ix_item_rating_department'))
    op.drop_table('item_rating')
    with op.batch_alter_table('item_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_event_project_id'))
        batch_op.drop_index(batch_op.f('ix_item_event_item_id'))
    op.drop_table('item_event')
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        for column in ('status_changed_at', 'document_number', 'actual_finish', 'actual_start', 'verification_due',
                       'gaps_due', 'gaps_materials', 'missing_materials', 'clock_pauses', 'accepted_on',
                       'submitted_on', 'project_type'):
            batch_op.drop_column(column)
