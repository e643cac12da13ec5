"""Letters sealed: their details (names, school, phone or email) and text were kept plain until now.

Seals every existing letter in batches with the newest data key; downgrading opens them again.

Revision ID: 0004
Revises: 0003
"""
from typing import Callable

import sqlalchemy as sa
from alembic import context, op

from bot.storage.sealing import Sealer, is_sealed

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BATCH = 500
LETTERS = sa.table("letters", sa.column("id", sa.Integer), sa.column("fields", sa.Text), sa.column("text", sa.Text))


def upgrade() -> None:
    sealer: Sealer = context.config.attributes["sealer"]
    _rewrite(lambda value: value if is_sealed(value) else sealer.seal_text(value))


def downgrade() -> None:
    sealer: Sealer = context.config.attributes["sealer"]
    _rewrite(lambda value: sealer.open_text(value) if is_sealed(value) else value)


def _rewrite(change: Callable[[str], str]) -> None:
    """Each letter's details and text through `change`, a batch of rows at a time (memory stays flat)."""
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(sa.select(LETTERS.c.id, LETTERS.c.fields, LETTERS.c.text)
                                  .where(LETTERS.c.id > last).order_by(LETTERS.c.id).limit(BATCH)).all()
        if not rows:
            return
        for row in rows:
            connection.execute(sa.update(LETTERS).where(LETTERS.c.id == row.id)
                               .values(fields=change(row.fields), text=change(row.text)))
        last = rows[-1].id
