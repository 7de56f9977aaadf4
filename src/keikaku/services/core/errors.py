"""Errors a service raises: a stable code and a message in the user's language (Japanese first)."""

import errno


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


class StorageFullError(ServiceError):
    """The database's disk is full: nothing of this change was stored, nothing stored before is lost."""

    code = "storage_full"
    http_status = 503


STORAGE_FULL_MESSAGE = (
    "保存先のディスクが一杯のため、この変更は保存されませんでした（保存済みのデータは失われていません）。"
    "管理者に連絡してください"
)


def is_storage_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the disk is full: SQLite's "database or disk is full",
    PostgreSQL's disk_full (SQLSTATE 53100), or an OS error ENOSPC."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno == errno.ENOSPC:
            return True
        if getattr(current, "sqlstate", None) == "53100" or "disk is full" in str(current):
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False
