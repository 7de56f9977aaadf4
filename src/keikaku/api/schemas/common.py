"""Schemas every part of the API uses: errors, provenance, pages of lists."""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import types
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, computed_field

from keikaku.services.core.provenance import SourceRef


def _aware(value: dt.datetime) -> dt.datetime:
    """A moment with its offset: SQLite hands back stored UTC times without one."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


#: A moment, always with its UTC offset in JSON (RFC 3339).
Moment = Annotated[dt.datetime, AfterValidator(_aware)]


class PublicModel(BaseModel):
    """Base of response schemas: built from the services' dataclasses by attribute.

    ``class XPublic(PublicModel, read_model=X)`` takes its fields from the read model ``X`` (a dataclass), in
    its order, so that the fields have one home: a moment becomes a :data:`Moment`, a dataclass the schema
    declared for it.  Every field is required (the read model always has them all), unless ``defaults``
    carries the read model's defaults over.  A field the class body annotates itself keeps that annotation
    (and default); ``computed`` names properties of the read model the schema shows as computed fields (the
    property itself is called on the schema's instance).
    """

    model_config = ConfigDict(from_attributes=True)

    def __init_subclass__(
        cls, read_model: type | None = None, computed: tuple[str, ...] = (), defaults: bool = False, **kwargs: Any
    ) -> None:
        if read_model is not None:
            _take_fields(cls, read_model, computed, defaults)
        super().__init_subclass__(**kwargs)


#: Read model (a dataclass) → the response schema declared for it with ``read_model=``.
_SCHEMA_OF: dict[type, type[PublicModel]] = {}


def _public_type(tp: Any) -> Any:
    """A read model's field type as its schema's: moments with their offset, dataclasses as their schemas."""
    if tp is dt.datetime:
        return Moment
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if tp not in _SCHEMA_OF:
            raise TypeError(f"{tp.__qualname__} has no response schema declared with read_model=")
        return _SCHEMA_OF[tp]
    origin, args = get_origin(tp), get_args(tp)
    if origin in (Union, types.UnionType):
        return Union[tuple(_public_type(a) for a in args)]  # noqa: UP007  (built from a tuple)
    if origin is list:
        return list[_public_type(args[0])]  # type: ignore[misc]
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return tuple[_public_type(args[0]), ...]  # type: ignore[misc]
    if origin is dict:
        return dict[_public_type(args[0]), _public_type(args[1])]  # type: ignore[misc]
    return tp


def _take_fields(cls: type[PublicModel], read_model: type, computed: tuple[str, ...], defaults: bool) -> None:
    """Give ``cls`` (being created) the fields of ``read_model``, before pydantic collects them."""
    if read_model in _SCHEMA_OF:
        raise TypeError(f"{read_model.__qualname__} has a response schema already: {_SCHEMA_OF[read_model]}")
    _SCHEMA_OF[read_model] = cls  # first, so that a recursive read model (a tree) finds its own schema
    try:
        _fill(cls, read_model, computed, defaults)
    except TypeError:
        del _SCHEMA_OF[read_model]
        raise


def _fill(cls: type[PublicModel], read_model: type, computed: tuple[str, ...], defaults: bool) -> None:
    hints = get_type_hints(read_model)
    own: dict[str, Any] = inspect.get_annotations(cls)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(read_model):
        if f.name in own:
            fields[f.name] = own.pop(f.name)
            continue
        fields[f.name] = _public_type(hints[f.name])
        if defaults and f.default is not dataclasses.MISSING:
            setattr(cls, f.name, f.default)
        elif defaults and f.default_factory is not dataclasses.MISSING:
            setattr(cls, f.name, Field(default_factory=f.default_factory))
    fields.update(own)  # what the schema adds of its own, after the read model's fields
    for name in computed:
        prop = inspect.getattr_static(read_model, name)
        if not isinstance(prop, property):
            raise TypeError(f"{read_model.__qualname__}.{name} is no property")
        setattr(cls, name, computed_field(property(prop.fget, doc=prop.__doc__)))
    cls.__annotations__ = fields


class ErrorDetailPublic(BaseModel):
    """An error: a stable machine-readable ``code`` and a message for people (Japanese)."""

    code: str
    message: str
    details: dict[str, object] | None = None


class ErrorPublic(BaseModel):
    """The body of every error response."""

    error: ErrorDetailPublic


class SourcePublic(PublicModel, read_model=SourceRef, computed=("href",), defaults=True):
    """Where a fact came from, with the document's title and publisher (``draft``: the document is a 素案,
    ``bundled``: a source of the bundled data, whose page is unknown); ``href`` is the page showing that line
    of the document in context."""


class PageMetaPublic(PublicModel):
    """Where a page sits in a longer list."""

    total: int
    page: int
    per_page: int
    pages: int


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorPublic, "description": "不正なリクエスト"},
    404: {"model": ErrorPublic, "description": "見つかりません"},
    413: {"model": ErrorPublic, "description": "リクエストが大きすぎます"},
    422: {"model": ErrorPublic, "description": "入力値が不正です"},
    503: {"model": ErrorPublic, "description": "データベースを利用できません"},
}
