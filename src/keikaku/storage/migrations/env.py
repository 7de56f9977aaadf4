"""Alembic environment: runs on the connection keikaku.storage.migrate hands over."""

from alembic import context

import keikaku.storage.all_tables  # noqa: F401  (imports every table module)
from keikaku.storage.base import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - always called through keikaku.storage.migrate
    raise RuntimeError("keikaku のマイグレーションは keikaku.storage.migrate から実行してください")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
