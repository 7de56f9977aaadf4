"""The JSON API under ``/api/v1``: one router per resource, Pydantic schemas named ``…Public``, JSON errors."""
