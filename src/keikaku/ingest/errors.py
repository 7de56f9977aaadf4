"""Errors raised while reading or parsing a document: always name the file and the reason, in Japanese."""

from pathlib import Path


class IngestError(Exception):
    """A document that cannot be ingested; ``str(error)`` is one line ``<file>: <reason>``.

    ``code`` is stable and machine-readable (``empty_file``, ``binary_file``, ``no_text_layer``, ...);
    ``reason`` is the Japanese explanation shown to users.
    """

    def __init__(self, path: Path | str, reason: str, *, code: str = "unreadable") -> None:
        self.path = str(path)
        self.reason = reason
        self.code = code
        super().__init__(f"{self.path}: {reason}")

    @property
    def message(self) -> str:
        """The one-line message ``<file>: <reason>``."""
        return f"{self.path}: {self.reason}"
