"""Letters and their download tokens (the letters issue).

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "letters",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_key", sa.String(64)),
        sa.Column("letter_type", sa.String(40), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("letter_date", sa.Date(), nullable=False),
        sa.Column("respond_by", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_on", sa.Date()),
    )
    op.create_index("ix_letters_conversation_key", "letters", ["conversation_key"])
    op.create_table(
        "download_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("letter_id", sa.Integer(), sa.ForeignKey("letters.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_download_tokens_letter_id", "download_tokens", ["letter_id"])


def downgrade() -> None:
    op.drop_table("download_tokens")
    op.drop_table("letters")
