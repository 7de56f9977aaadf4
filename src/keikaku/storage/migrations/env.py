"""Alembic environment: runs on the connection keikaku.storage.migrate hands over."""

from alembic import context

import keikaku.storage.all_tables  # noqa: F401  (imports every table module)
from keikaku.storage.base import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - always called through keikaku.storage.migrate
    raise RuntimeError("keikaku のマイグレーションは keikaku.storage.migrate から実行してください")


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Leave objects managed by hand out of autogenerate: SQLite's full-text tables (search_fts*)."""
    return not (type_ == "table" and reflected and (name or "").startswith("search_fts"))


context.configure(
    connection=connection,
    include_object=include_object,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
