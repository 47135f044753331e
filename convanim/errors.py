"""The one error type of convanim: what the user got wrong, where, and the rule.

Messages name arguments by their Python keyword (``kernel``); the command line
shows the same error with its flags (``--k``) by passing its own names to
:meth:`ConvanimError.message`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from typing import TypeVar

Choice = TypeVar("Choice", bound=enum.Enum)

# An argument field, or a doubled brace (user text is quoted with its braces doubled).
_FIELD = re.compile(r"\{\{|\}\}|\{([a-z_]+)\}")


def quoted(value: object) -> str:
    """``repr(value)`` for a rule, its braces doubled so they never read as argument fields.

    >>> str(ConvanimError("padding", f"got {quoted('{kernel}')}"))
    "padding: got '{kernel}'"
    """
    return repr(value).replace("{", "{{").replace("}", "}}")


class ConvanimError(ValueError):
    """Invalid input to convanim: names the argument, the axis and the rule.

    ``rule`` may mention other arguments as ``{name}`` fields; they are filled
    with keyword names by ``str(error)`` and with any other names by ``message``.
    Values the user typed go into a rule through ``quoted``.

    >>> error = ConvanimError("output_padding", "must be smaller than {stride} (2)", axis=1)
    >>> str(error)
    'output_padding (axis 1): must be smaller than stride (2)'
    >>> error.message({"output_padding": "--op", "stride": "--s"})
    '--op (axis 1): must be smaller than --s (2)'
    """

    def __init__(self, argument: str, rule: str, axis: int | None = None):
        self.argument = argument
        self.rule = rule
        self.axis = axis
        super().__init__(self.message({}))

    def __reduce__(self) -> tuple[type[ConvanimError], tuple[str, str, int | None]]:
        # Crosses process boundaries (the gallery's workers) whole.
        return (type(self), (self.argument, self.rule, self.axis))

    def renamed(self, names: Mapping[str, str]) -> ConvanimError:
        """The same error with its arguments called by other keywords (``names``: old -> new),
        for a front end whose one input stands for a keyword (a --layer for a pooling).

        >>> str(ConvanimError("pooling", "drop {pooling}").renamed({"pooling": "layer"}))
        'layer: drop layer'
        """

        def fill(field: re.Match[str]) -> str:
            if field[1] is None:  # a doubled brace stays doubled
                return field[0]
            return "{" + names.get(field[1], field[1]) + "}"

        rule = _FIELD.sub(fill, self.rule)
        return ConvanimError(names.get(self.argument, self.argument), rule, self.axis)

    def message(self, names: Mapping[str, str]) -> str:
        """The message with each argument called by ``names`` (its keyword when absent)."""
        where = f" (axis {self.axis})" if self.axis is not None else ""

        def fill(field: re.Match[str]) -> str:
            if field[1] is None:  # a doubled brace
                return field[0][0]
            return names.get(field[1], field[1])

        rule = _FIELD.sub(fill, self.rule)
        return f"{names.get(self.argument, self.argument)}{where}: {rule}"


def choose(kind: type[Choice], value: object, argument: str) -> Choice:
    """``value`` as a member of the enum ``kind``, or a ConvanimError listing the choices.

    >>> import enum
    >>> class Mode(str, enum.Enum):
    ...     MAX = "max"
    >>> choose(Mode, "max", "pool") is Mode.MAX
    True
    >>> choose(Mode, "mean", "pool")
    Traceback (most recent call last):
    ...
    convanim.errors.ConvanimError: pool: must be one of max, got 'mean'
    """
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(str(member.value) for member in kind)
        raise ConvanimError(argument, f"must be one of {choices}, got {quoted(value)}") from None
