"""Shared Pydantic base for domain models."""

from pydantic import BaseModel, ConfigDict


class DomainModel(BaseModel):
    """Base of every domain model: unknown fields are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, populate_by_name=True)
