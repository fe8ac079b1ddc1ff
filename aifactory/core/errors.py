"""Errors for bad input: every problem names the file and the field it is about.

The CLI prints every problem of an input at once (``file: field: message``, one per line) and
exits 2 without a traceback. A :class:`FactoryError` holds one or more :class:`Problem`; a
:class:`Problems` collector gathers them so that one run reports everything that is wrong, not
just the first thing.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as we know."""

    message: str
    file: str | None = None
    field: str | None = None

    def located(self, *, file: str | None = None, field: str | None = None) -> "Problem":
        """This problem, naming ``file``/``field`` where it did not already."""
        return Problem(self.message, self.file or file, self.field or field)

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, self.field) if part)
        return f"{where}: {self.message}" if where else self.message


class FactoryError(Exception):
    """Invalid configuration or input. Nothing has been changed when this is raised."""

    def __init__(
        self,
        message: str = "",
        *,
        file: str | None = None,
        field: str | None = None,
        problems: Sequence[Problem] = (),
    ) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems) or (Problem(message, file, field),)
        first = self.problems[0]
        super().__init__(first.message)
        self.message, self.file, self.field = first.message, first.file, first.field

    def located(self, *, file: str | None = None, field: str | None = None) -> "FactoryError":
        """A copy whose problems name ``file``/``field`` where they did not already."""
        return self._with(tuple(p.located(file=file, field=field) for p in self.problems))

    def _with(self, problems: Sequence[Problem]) -> "FactoryError":
        copy = self.__class__.__new__(self.__class__)
        FactoryError.__init__(copy, problems=problems)
        for key, value in vars(self).items():  # subclass details (component names, ...)
            if key not in ("problems", "message", "file", "field"):
                setattr(copy, key, value)
        return copy

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


class ConfigError(FactoryError):
    """A stack setting or project request is invalid."""


class AddressPlanError(FactoryError):
    """An address range is malformed, misplaced, overlapping, or the pool is exhausted."""


class NamingError(FactoryError):
    """A name part (prefix, project name, qualifier) cannot produce valid Azure names."""


class PluginError(FactoryError):
    """A plug-in (an entry point of ``aifactory.services`` or ``aifactory.project_types``) is broken."""


class ComponentArgsError(FactoryError):
    """A component's Args are invalid: each problem names the Args class (as its place) and the field,
    e.g. ``HubNetworkArgs: firewall: Input should be a valid boolean``."""


class Problems:
    """Collects problems from many checks, so one run reports them all.

    >>> problems = Problems()
    >>> with problems.collect(file="projects/a.yaml"):
    ...     check_something()
    >>> problems.raise_if_any()
    """

    def __init__(self) -> None:
        self._problems: list[Problem] = []

    def add(self, message: str, *, file: str | None = None, field: str | None = None) -> None:
        self._problems.append(Problem(message, file, field))

    def extend(self, error: FactoryError | Iterable[Problem]) -> None:
        self._problems.extend(error.problems if isinstance(error, FactoryError) else error)

    @contextmanager
    def collect(self, *, file: str | None = None, field: str | None = None) -> Iterator[None]:
        """Run the block; a FactoryError it raises is recorded (located) instead of propagating."""
        try:
            yield
        except FactoryError as error:
            self.extend(error.located(file=file, field=field))

    def __bool__(self) -> bool:
        return bool(self._problems)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.all())

    def all(self) -> tuple[Problem, ...]:
        """Every problem so far, each once, in the order found."""
        return tuple(dict.fromkeys(self._problems))

    def __len__(self) -> int:
        return len(self._problems)

    def raise_if_any(self, error_type: type[FactoryError] = ConfigError) -> None:
        if self._problems:
            unique = tuple(dict.fromkeys(self._problems))
            raise error_type(problems=unique)
