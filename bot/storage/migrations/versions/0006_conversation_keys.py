"""Conversation keys: each conversation's letters, reminder addresses, reminder texts and SMS number are sealed
with a key of its own (sealed with the data keys), which deleting the conversation destroys
(bot/storage/keyring.py).

Upgrading only adds the table: values stored before stay sealed with the data keys and still open, and
`iep-navigator case-db rotate-keys` moves them under their conversation's key. Downgrading seals every
value back with the newest data key before dropping the keys, so nothing becomes unreadable.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import context, op

from bot.storage.keyring import Keyring
from bot.storage.sealing import Sealer, is_sealed

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BATCH = 500
REMINDERS = sa.table("reminders", sa.column("id", sa.Integer), sa.column("case_key", sa.String))


def upgrade() -> None:
    op.create_table(
        "conversation_keys",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    sealer: Sealer = context.config.attributes["sealer"]
    keys = Keyring(sa.Table("conversation_keys", sa.MetaData(), sa.Column("key", sa.String(64), primary_key=True),
                            sa.Column("sealed", sa.Text), sa.Column("created_at", sa.DateTime)), sealer)
    texts = sa.table("reminder_texts", sa.column("reminder_id", sa.Integer), sa.column("replies", sa.Text))
    owner_of_text = (sa.select(REMINDERS.c.case_key).where(REMINDERS.c.id == texts.c.reminder_id)
                     .scalar_subquery())
    for table, key, columns, owner in (
            ("letters", "id", ("fields", "text"), "conversation_key"),
            ("reminders", "id", ("address",), "case_key"),
            ("sms_contacts", "key", ("number",), "key")):
        t = sa.table(table, sa.column(key), sa.column(owner), *(sa.column(c, sa.Text) for c in columns))
        _unseal(t, t.c[key], t.c[owner], columns, keys, sealer)
    _unseal(texts, texts.c.reminder_id, owner_of_text, ("replies",), keys, sealer)
    op.drop_table("conversation_keys")


def _unseal(table, key, owner, columns, keys: Keyring, sealer: Sealer) -> None:
    """Each value of `columns` sealed with its conversation's key, sealed again with the newest data key."""
    connection = op.get_bind()
    last = None
    while True:
        query = sa.select(key, owner, *(table.c[c] for c in columns)).order_by(key).limit(BATCH)
        rows = connection.execute(query if last is None else query.where(key > last)).all()
        for row_key, conversation, *values in rows:
            opener = keys.for_reading(connection, conversation)
            changed = {c: sealer.seal_text(opener.open_text(v))
                       for c, v in zip(columns, values) if v is not None and is_sealed(v) and opener.has_key}
            if changed:
                connection.execute(sa.update(table).where(key == row_key).values(changed))
        if len(rows) < BATCH:
            return
        last = rows[-1][0]
