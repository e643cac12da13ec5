"""Alembic environment: runs on the connection bot.storage.schema.upgrade hands over (no alembic.ini)."""
from alembic import context

from bot.storage.schema import Base

connection = context.config.attributes["connection"]
# render_as_batch: SQLite alters tables by copying them; PostgreSQL alters in place.
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
