"""SMS: senders (sealed number, opt-out, numbered choices) and the MessageSids already answered.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sms_contacts",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("number", sa.Text()),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("welcomed_at", sa.DateTime()),
        sa.Column("choices", sa.Text()),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_sms_contacts_updated_at", "sms_contacts", ["updated_at"])
    op.create_table(
        "sms_inbound",
        sa.Column("sid_hash", sa.String(64), primary_key=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_sms_inbound_received_at", "sms_inbound", ["received_at"])


def downgrade() -> None:
    op.drop_table("sms_inbound")
    op.drop_table("sms_contacts")
