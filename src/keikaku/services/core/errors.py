"""Errors a service raises: a stable code and a message in the user's language (Japanese first)."""


class ServiceError(Exception):
    """Base of service errors; ``code`` is stable and machine-readable, ``message`` is shown to users."""

    code = "service_error"
    http_status = 400

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}


class NotFoundError(ServiceError):
    """The thing asked for does not exist."""

    code = "not_found"
    http_status = 404


class ValidationError(ServiceError):
    """Input that cannot be accepted; ``details`` may list field errors."""

    code = "invalid_input"
    http_status = 422


class ConflictError(ServiceError):
    """The change conflicts with one made meanwhile, or with a lock."""

    code = "conflict"
    http_status = 409


class PermissionDeniedError(ServiceError):
    """The acting user may not do this."""

    code = "forbidden"
    http_status = 403


class PasswordChangeRequiredError(PermissionDeniedError):
    """The account signed in with a one-time password and must change it before doing anything else."""

    code = "password_change_required"


class DatabaseError(ServiceError):
    """The database cannot be used: unreachable, misconfigured, or of a newer schema."""

    code = "database_error"
    http_status = 503
