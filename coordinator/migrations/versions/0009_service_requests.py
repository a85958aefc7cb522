"""the service-request core: hookup requests become service requests of kind 'hookup';
intermediary agencies, their qualifications, quotes and ratings

Revision ID: 0009
Revises: 0004
Create Date: 2026-12-03 09:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0007'
branch_labels = None
depends_on = None

HOOKUP_COLUMNS = ("id, project_id, utility, district, demand, contact_name, contact_email, contact_phone, "
                  "target_date, status, claim_by, provider_id, claimed_by_id, claimed_at, connected_on, "
                  "reminded_at, escalated, escalated_at, overdue_warned_at, created_at, updated_at")
REQUEST_COLUMNS = ("id, project_id, service, district, demand, contact_name, contact_email, contact_phone, "
                   "target_date, status, respond_by, assignee_id, assigned_by_id, assigned_at, finished_on, "
                   "reminded_at, escalated, escalated_at, overdue_warned_at, created_at, updated_at")
EVENT_COLUMNS = "id, request_id, status, note, happened_on, user_id, organisation_id, created_at"


def _reset_sequence(table: str) -> None:
    """After copying rows with their ids, PostgreSQL's sequence must continue after them."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                   f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)")


def upgrade() -> None:
    op.create_table('service_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('service', sa.String(length=40), nullable=False),
    sa.Column('item_code', sa.String(length=64), nullable=True),
    sa.Column('district', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('respond_by', sa.Date(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(), nullable=True),
    sa.Column('target_date', sa.Date(), nullable=True),
    sa.Column('finished_on', sa.Date(), nullable=True),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.Column('escalated', sa.Boolean(), nullable=False),
    sa.Column('escalated_at', sa.DateTime(), nullable=True),
    sa.Column('overdue_warned_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('demand', sa.JSON(), nullable=True),
    sa.Column('contact_name', sa.String(length=120), nullable=True),
    sa.Column('contact_email', sa.String(length=200), nullable=True),
    sa.Column('contact_phone', sa.String(length=40), nullable=True),
    sa.Column('report_title', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['user_account.id'], name=op.f('fk_service_request_assigned_by_id_user_account')),
    sa.ForeignKeyConstraint(['assignee_id'], ['organisation.id'], name=op.f('fk_service_request_assignee_id_organisation')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_service_request_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_request'))
    )
    with op.batch_alter_table('service_request', schema=None) as batch_op:
        batch_op.create_index('ix_service_request_open', ['kind', 'service', 'status', 'district'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_request_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_request_project_id'), ['project_id'], unique=False)

    op.create_table('service_offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('offered_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_service_offer_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['request_id'], ['service_request.id'], name=op.f('fk_service_offer_request_id_service_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_offer')),
    sa.UniqueConstraint('request_id', 'organisation_id', name=op.f('uq_service_offer_request_id'))
    )
    with op.batch_alter_table('service_offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_offer_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('service_request_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_service_request_event_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['request_id'], ['service_request.id'], name=op.f('fk_service_request_event_request_id_service_request')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_service_request_event_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_request_event'))
    )
    with op.batch_alter_table('service_request_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_request_event_request_id'), ['request_id'], unique=False)

    op.create_table('agency_qualification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('service', sa.String(length=40), nullable=False),
    sa.Column('certificate_name', sa.String(length=200), nullable=False),
    sa.Column('certificate_number', sa.String(length=100), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_agency_qualification_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_qualification')),
    sa.UniqueConstraint('organisation_id', 'service', name=op.f('uq_agency_qualification_organisation_id'))
    )
    op.create_table('service_quote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('outside_agency', sa.String(length=200), nullable=True),
    sa.Column('fee_yuan', sa.Integer(), nullable=False),
    sa.Column('working_days', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['organisation.id'], name=op.f('fk_service_quote_agency_id_organisation')),
    sa.ForeignKeyConstraint(['request_id'], ['service_request.id'], name=op.f('fk_service_quote_request_id_service_request')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_service_quote_submitted_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_quote')),
    sa.UniqueConstraint('request_id', 'agency_id', name=op.f('uq_service_quote_request_id'))
    )
    with op.batch_alter_table('service_quote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_quote_request_id'), ['request_id'], unique=False)
    op.create_table('agency_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('rated_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['organisation.id'], name=op.f('fk_agency_rating_agency_id_organisation')),
    sa.ForeignKeyConstraint(['rated_by_id'], ['user_account.id'], name=op.f('fk_agency_rating_rated_by_id_user_account')),
    sa.ForeignKeyConstraint(['request_id'], ['service_request.id'], name=op.f('fk_agency_rating_request_id_service_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_rating')),
    sa.UniqueConstraint('request_id', name=op.f('uq_agency_rating_request_id'))
    )
    with op.batch_alter_table('agency_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_rating_agency_id'), ['agency_id'], unique=False)
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspended_at', sa.DateTime(), nullable=True))

    # Hookup requests keep their ids (API clients hold them) and their history.
    op.execute(f"INSERT INTO service_request (kind, {REQUEST_COLUMNS}) SELECT 'hookup', {HOOKUP_COLUMNS} "
               "FROM hookup_request")
    op.execute(f"INSERT INTO service_request_event ({EVENT_COLUMNS}) SELECT {EVENT_COLUMNS} FROM hookup_event")
    _reset_sequence('service_request')
    _reset_sequence('service_request_event')

    with op.batch_alter_table('hookup_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hookup_event_request_id'))
    op.drop_table('hookup_event')
    with op.batch_alter_table('hookup_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hookup_request_provider_id'))
        batch_op.drop_index(batch_op.f('ix_hookup_request_project_id'))
        batch_op.drop_index('ix_hookup_request_open')
    op.drop_table('hookup_request')


def downgrade() -> None:
    op.create_table('hookup_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('utility', sa.String(length=20), nullable=False),
    sa.Column('district', sa.String(length=100), nullable=False),
    sa.Column('demand', sa.JSON(), nullable=False),
    sa.Column('contact_name', sa.String(length=120), nullable=False),
    sa.Column('contact_email', sa.String(length=200), nullable=True),
    sa.Column('contact_phone', sa.String(length=40), nullable=True),
    sa.Column('target_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('claim_by', sa.Date(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('claimed_by_id', sa.Integer(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('connected_on', sa.Date(), nullable=True),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.Column('escalated', sa.Boolean(), nullable=False),
    sa.Column('escalated_at', sa.DateTime(), nullable=True),
    sa.Column('overdue_warned_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['claimed_by_id'], ['user_account.id'], name=op.f('fk_hookup_request_claimed_by_id_user_account')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_hookup_request_project_id_project')),
    sa.ForeignKeyConstraint(['provider_id'], ['organisation.id'], name=op.f('fk_hookup_request_provider_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hookup_request'))
    )
    with op.batch_alter_table('hookup_request', schema=None) as batch_op:
        batch_op.create_index('ix_hookup_request_open', ['utility', 'status', 'district'], unique=False)
        batch_op.create_index(batch_op.f('ix_hookup_request_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hookup_request_provider_id'), ['provider_id'], unique=False)
    op.create_table('hookup_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_hookup_event_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['request_id'], ['hookup_request.id'], name=op.f('fk_hookup_event_request_id_hookup_request')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_hookup_event_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hookup_event'))
    )
    with op.batch_alter_table('hookup_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hookup_event_request_id'), ['request_id'], unique=False)

    op.execute(f"INSERT INTO hookup_request ({HOOKUP_COLUMNS}) SELECT {REQUEST_COLUMNS} FROM service_request "
               "WHERE kind = 'hookup'")
    op.execute(f"INSERT INTO hookup_event ({EVENT_COLUMNS}) SELECT e.id, e.request_id, e.status, e.note, "
               "e.happened_on, e.user_id, e.organisation_id, e.created_at FROM service_request_event e "
               "JOIN service_request r ON r.id = e.request_id WHERE r.kind = 'hookup'")
    _reset_sequence('hookup_request')
    _reset_sequence('hookup_event')

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('suspended_at')
    with op.batch_alter_table('agency_rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_rating_agency_id'))
    op.drop_table('agency_rating')
    with op.batch_alter_table('service_quote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_quote_request_id'))
    op.drop_table('service_quote')
    op.drop_table('agency_qualification')
    with op.batch_alter_table('service_request_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_request_event_request_id'))
    op.drop_table('service_request_event')
    with op.batch_alter_table('service_offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_offer_organisation_id'))
    op.drop_table('service_offer')
    with op.batch_alter_table('service_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_request_project_id'))
        batch_op.drop_index(batch_op.f('ix_service_request_assignee_id'))
        batch_op.drop_index('ix_service_request_open')
    op.drop_table('service_request')
