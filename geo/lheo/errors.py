"""The one error of the LHEO package: a file refused, with a French message and its line."""

from __future__ import annotations


class LheoError(ValueError):
    """An LHEO file that cannot be read; ``str()`` is French, for the file's maintainers."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"{message} (ligne {line})" if line is not None else message)
