"""Case memory: cases, the situations found, deadlines, reminders, daily jobs; letters learn when the school answered.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("state_code", sa.String(2)),
        sa.Column("channel", sa.String(20)),
        sa.Column("reminders_off", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_active_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_cases_last_active_at", "cases", ["last_active_at"])
    op.create_table(
        "case_situations",
        sa.Column("case_key", sa.String(64), sa.ForeignKey("cases.key", ondelete="CASCADE"), primary_key=True),
        sa.Column("situation", sa.String(40), primary_key=True),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "deadlines",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_key", sa.String(64), sa.ForeignKey("cases.key", ondelete="CASCADE"), nullable=False),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("state_code", sa.String(2)),
        sa.Column("approximate", sa.Boolean(), nullable=False),
        sa.Column("letter_id", sa.Integer()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("case_key", "rule", "start_on", name="uq_deadline_once"),
    )
    op.create_index("ix_deadlines_case_key", "deadlines", ["case_key"])
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_key", sa.String(64), sa.ForeignKey("cases.key", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(60), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", sa.DateTime()),
        sa.Column("delivered_at", sa.DateTime()),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("case_key", "kind", "subject", name="uq_reminder_once"),
    )
    op.create_index("ix_reminders_case_key", "reminders", ["case_key"])
    op.create_index("ix_reminders_due_at", "reminders", ["due_at"])
    op.create_table(
        "jobs",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("last_run_at", sa.DateTime(), nullable=False),
    )
    with op.batch_alter_table("letters") as letters:
        letters.add_column(sa.Column("answered_on", sa.Date()))


def downgrade() -> None:
    with op.batch_alter_table("letters") as letters:
        letters.drop_column("answered_on")
    for table in ("jobs", "reminders", "deadlines", "case_situations", "cases"):
        op.drop_table(table)
