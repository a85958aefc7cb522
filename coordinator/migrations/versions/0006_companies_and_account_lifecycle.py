"""companies own projects; accounts awaiting e-mail confirmation, session generations, OIDC subjects

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-03 09:30:00

Every existing project moves to a company made for its owner (named after
the owner), who becomes the company's administrator.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('company',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=True),
    sa.Column('contact_name', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_company')),
    sa.UniqueConstraint('uscc', name=op.f('uq_company_uscc'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('company_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('company_admin', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('awaiting_verification', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('oidc_subject', sa.String(length=255), nullable=True))
        batch_op.create_index(batch_op.f('ix_user_account_company_id'), ['company_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_user_account_oidc_subject'), ['oidc_subject'])
        batch_op.create_foreign_key(batch_op.f('fk_user_account_company_id_company'), 'company', ['company_id'],
                                    ['id'])
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.add_column(sa.Column('company_id', sa.Integer(), nullable=True))

    _move_projects_to_companies()

    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.alter_column('company_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_project_company_id'), ['company_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_project_company_id_company'), 'company', ['company_id'], ['id'])


def _move_projects_to_companies() -> None:
    """A company for every owner of a project, the owner its administrator,
    and the owner's projects the company's."""
    conn = op.get_bind()
    user = sa.table('user_account', sa.column('id', sa.Integer), sa.column('username', sa.String),
                    sa.column('display_name', sa.String), sa.column('company_id', sa.Integer),
                    sa.column('company_admin', sa.Boolean))
    company = sa.table('company', sa.column('id', sa.Integer), sa.column('name', sa.String),
                       sa.column('contact_name', sa.String), sa.column('created_at', sa.DateTime))
    project = sa.table('project', sa.column('owner_id', sa.Integer), sa.column('company_id', sa.Integer))
    owners = conn.execute(sa.select(user.c.id, user.c.username, user.c.display_name)
                          .where(user.c.id.in_(sa.select(project.c.owner_id).distinct()))
                          .order_by(user.c.id)).all()
    for owner in owners:
        company_id = conn.execute(company.insert().values(
            name=owner.display_name or owner.username, contact_name=owner.display_name or '',
            created_at=sa.func.now()).returning(company.c.id)).scalar_one()
        conn.execute(user.update().where(user.c.id == owner.id).values(company_id=company_id, company_admin=True))
        conn.execute(project.update().where(project.c.owner_id == owner.id).values(company_id=company_id))


def downgrade() -> None:
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_project_company_id_company'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_project_company_id'))
        batch_op.drop_column('company_id')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_account_company_id_company'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_user_account_oidc_subject'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_user_account_company_id'))
        batch_op.drop_column('oidc_subject')
        batch_op.drop_column('session_generation')
        batch_op.drop_column('awaiting_verification')
        batch_op.drop_column('company_admin')
        batch_op.drop_column('company_id')
    op.drop_table('company')
