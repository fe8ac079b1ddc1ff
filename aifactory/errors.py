"""Errors the factory raises for bad input.

Every user-facing error carries the file and the field it is about, so the CLI can print one
readable line (``file: field: message``) and exit 2 without a traceback.
"""

from __future__ import annotations


class FactoryError(Exception):
    """Invalid configuration or input. Nothing has been changed when this is raised."""

    def __init__(self, message: str, *, file: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.field = field

    def located(self, *, file: str | None = None, field: str | None = None) -> "FactoryError":
        """Return a copy that names ``file``/``field`` where this error did not already."""
        return type(self)(
            self.message,
            file=self.file or file,
            field=self.field or field,
        )

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, self.field) if part)
        return f"{where}: {self.message}" if where else self.message


class ConfigError(FactoryError):
    """A stack setting or project request is invalid."""


class AddressPlanError(FactoryError):
    """An address range is malformed, misplaced, overlapping, or the pool is exhausted."""


class NamingError(FactoryError):
    """A name part (prefix, project name, qualifier) cannot produce valid Azure names."""
