"""Either stop at the first bad input or collect the problems, as the user asked."""

from __future__ import annotations

from edge.errors import BadInputError


class ProblemLog:
    """Raises `BadInputError` for a problem unless `skip_bad`, then keeps it."""

    def __init__(self, skip_bad: bool) -> None:
        self.skip_bad = skip_bad
        self.problems: list[str] = []

    def report(self, message: str) -> None:
        if not self.skip_bad:
            raise BadInputError(message)
        self.problems.append(message)
