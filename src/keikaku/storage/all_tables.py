"""Imports every module that defines tables, so that Base.metadata is complete."""

import importlib
import pkgutil

import keikaku.storage as _storage

_SKIP = {"base", "engine", "uow", "migrate", "all_tables", "migrations", "repositories"}

for _info in pkgutil.iter_modules(_storage.__path__):
    if _info.name not in _SKIP and not _info.ispkg:
        importlib.import_module(f"keikaku.storage.{_info.name}")
