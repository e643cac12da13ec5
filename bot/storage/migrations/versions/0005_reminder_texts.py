"""SMS reminders' outbox: what a delivered SMS reminder must still text, sealed, with a worker's lease.

Written in the same transaction as the reminder's delivered mark, so a reminder worker killed between
the mark and the texting leaves the texts for the next worker instead of losing them. A new, empty
table: nothing existing is sealed or moved, so no data key is needed here.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminder_texts",
        sa.Column("reminder_id", sa.Integer(), sa.ForeignKey("reminders.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("replies", sa.Text()),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", sa.DateTime()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("texted_at", sa.DateTime()),
    )
    op.create_index("ix_reminder_texts_status", "reminder_texts", ["status"])


def downgrade() -> None:
    op.drop_table("reminder_texts")  # its index goes with it
