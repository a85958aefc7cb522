"""Files attached to 办不成事 problem reports

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-03 14:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('problem_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('attached_by_id', sa.Integer(), nullable=False),
    sa.Column('attached_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['attached_by_id'], ['user_account.id'],
                            name=op.f('fk_problem_attachment_attached_by_id_user_account')),
    sa.ForeignKeyConstraint(['file_id'], ['stored_file.id'], name=op.f('fk_problem_attachment_file_id_stored_file')),
    sa.ForeignKeyConstraint(['report_id'], ['problem_report.id'],
                            name=op.f('fk_problem_attachment_report_id_problem_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_attachment'))
    )
    with op.batch_alter_table('problem_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_problem_attachment_report_id'), ['report_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('problem_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_problem_attachment_report_id'))
    op.drop_table('problem_attachment')
