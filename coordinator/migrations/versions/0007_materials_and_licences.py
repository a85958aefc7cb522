"""online application: stored files, materials, 告知承诺 letters, the download log, e-licences

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-03 09:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stored_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_stored_file_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_stored_file_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_file'))
    )
    with op.batch_alter_table('stored_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stored_file_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stored_file_sha256'), ['sha256'], unique=False)

    op.create_table('material_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=64), nullable=False),
    sa.Column('material', sa.String(length=300), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('provided_by_id', sa.Integer(), nullable=True),
    sa.Column('provided_at', sa.DateTime(), nullable=False),
    sa.Column('at_fault_since', sa.DateTime(), nullable=True),
    sa.Column('superseded_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['file_id'], ['stored_file.id'], name=op.f('fk_material_file_file_id_stored_file')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_material_file_project_id_project')),
    sa.ForeignKeyConstraint(['provided_by_id'], ['user_account.id'], name=op.f('fk_material_file_provided_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material_file'))
    )
    with op.batch_alter_table('material_file', schema=None) as batch_op:
        batch_op.create_index('ix_material_file_item', ['project_id', 'item_code'], unique=False)

    op.create_table('commitment_letter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user_account.id'], name=op.f('fk_commitment_letter_confirmed_by_id_user_account')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_commitment_letter_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_letter')),
    sa.UniqueConstraint('project_id', 'item_code', name='uq_commitment_letter_item')
    )
    op.create_table('file_download',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('what', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_file.id'], name=op.f('fk_file_download_file_id_stored_file')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_file_download_project_id_project')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_file_download_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_file_download'))
    )
    with op.batch_alter_table('file_download', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_file_download_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_file_download_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_file_download_user_id'), ['user_id'], unique=False)

    op.create_table('licence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=64), nullable=False),
    sa.Column('number', sa.String(length=100), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('verification_code', sa.String(length=64), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_file.id'], name=op.f('fk_licence_file_id_stored_file')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_licence_issued_by_id_user_account')),
    sa.ForeignKeyConstraint(['item_id'], ['plan_item.id'], name=op.f('fk_licence_item_id_plan_item')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_licence_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_licence')),
    sa.UniqueConstraint('item_id', name=op.f('uq_licence_item_id')),
    sa.UniqueConstraint('verification_code', name=op.f('uq_licence_verification_code'))
    )
    with op.batch_alter_table('licence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_licence_project_id'), ['project_id'], unique=False)


def downgrade() -> None:
    op.drop_table('licence')
    op.drop_table('file_download')
    op.drop_table('commitment_letter')
    op.drop_table('material_file')
    op.drop_table('stored_file')
