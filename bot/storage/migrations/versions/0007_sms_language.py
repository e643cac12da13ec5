"""SMS senders' language: English or Spanish, as the sender chose or wrote, so STOP, HELP and the numbered
choices are confirmed in it. Existing senders have none until their next text (read as English until then).

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sms_contacts") as batch:  # batch: SQLite cannot alter a table in place
        batch.add_column(sa.Column("language", sa.String(8)))


def downgrade() -> None:
    with op.batch_alter_table("sms_contacts") as batch:
        batch.drop_column("language")
