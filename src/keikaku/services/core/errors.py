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


class DatabaseBusyError(ServiceError):
    """Other writers held the database longer than a request waits: nothing of this change was stored."""

    code = "database_busy"
    http_status = 503


DATABASE_BUSY_MESSAGE = "ただいま混み合っているため、この操作は完了していません（何も保存していません）。少し待ってからもう一度お試しください"

#: PostgreSQL's lock_not_available, deadlock_detected and serialization_failure.
_BUSY_SQLSTATES = frozenset({"55P03", "40P01", "40001"})


def _causes(exc: BaseException) -> list[BaseException]:
    seen: set[int] = set()
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return chain


def is_database_busy(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the database was held by others past the wait: SQLite's
    "database is locked" after its busy timeout, or PostgreSQL's lock timeout, deadlock or serialization
    failure.  Retrying later is the answer, so it is a 503, not a 500."""
    return any(getattr(c, "sqlstate", None) in _BUSY_SQLSTATES or "database is locked" in str(c) for c in _causes(exc))


def is_storage_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the disk is full: SQLite's "database or disk is full",
    PostgreSQL's disk_full (SQLSTATE 53100), or an OS error ENOSPC."""
    return any(
        (isinstance(c, OSError) and c.errno == errno.ENOSPC)
        or getattr(c, "sqlstate", None) == "53100"
        or "disk is full" in str(c)
        for c in _causes(exc)
    )
