"""hookup requests, their events, provider webhooks, the notification outbox and inbox

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-01 07:40:01.482398
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('provider_webhook',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('secret', sa.String(length=128), nullable=False),
    sa.Column('secret_rotated_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_provider_webhook_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider_webhook')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_provider_webhook_organisation_id'))
    )
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient_user_id', sa.Integer(), nullable=True),
    sa.Column('recipient_organisation_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['recipient_organisation_id'], ['organisation.id'], name=op.f('fk_notification_recipient_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['recipient_user_id'], ['user_account.id'], name=op.f('fk_notification_recipient_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_notification_idempotency_key'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_recipient_user_id'), ['recipient_user_id'], unique=False)

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

    op.create_table('inbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], name=op.f('fk_inbox_message_notification_id_notification')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_inbox_message_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_message')),
    sa.UniqueConstraint('notification_id', name=op.f('uq_inbox_message_notification_id'))
    )
    with op.batch_alter_table('inbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbox_message_user_id'), ['user_id'], unique=False)

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



def downgrade() -> None:
    with op.batch_alter_table('hookup_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hookup_event_request_id'))

    op.drop_table('hookup_event')
    with op.batch_alter_table('inbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbox_message_user_id'))

    op.drop_table('inbox_message')
    with op.batch_alter_table('hookup_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hookup_request_provider_id'))
        batch_op.drop_index(batch_op.f('ix_hookup_request_project_id'))
        batch_op.drop_index('ix_hookup_request_open')

    op.drop_table('hookup_request')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_recipient_user_id'))
        batch_op.drop_index('ix_notification_due')

    op.drop_table('notification')
    op.drop_table('provider_webhook')
