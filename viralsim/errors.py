"""viralsim's exceptions: one base class, so callers (and the CLI) can catch exactly ours."""

from __future__ import annotations


class ViralsimError(Exception):
    """Base of every error viralsim raises on purpose. The CLI prints it on one line, exit 2."""


class InvalidParameterError(ViralsimError, ValueError):
    """A parameter is of the wrong type or out of its allowed range; the message says what is allowed.

    ``parameter`` and ``detail`` (the message without the parameter's name), when given, let a
    caller name the parameter its own way: a scenario key path, a command-line flag.
    """

    def __init__(self, message: str, *, parameter: str | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.detail = detail if detail is not None else message


class GraphFormatError(ViralsimError, ValueError):
    """An edge-list or graph file could not be read (missing, unreadable, malformed line)."""


class ResourceLimitError(ViralsimError, MemoryError):
    """A request would need more memory than allowed; refused up front with the estimate."""


class ScenarioError(ViralsimError, ValueError):
    """A scenario file is invalid: the message names the file, the key path and the line."""


class ResultsError(ViralsimError, ValueError):
    """A result folder or file is missing, incomplete or malformed; the message names the file."""


class ObservedDataError(ViralsimError, ValueError):
    """A file of observed cascades is missing, empty or malformed: the message names the file and line."""
