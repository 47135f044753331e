"""The one error type of convanim: what the user got wrong, where, and the rule.

Messages name arguments by their Python keyword (``kernel``); the command line
shows the same error with its flags (``--k``) by passing its own names to
:meth:`ConvanimError.message`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_ARGUMENT_FIELD = re.compile(r"\{([a-z_]+)\}")


class ConvanimError(ValueError):
    """Invalid input to convanim: names the argument, the axis and the rule.

    ``rule`` may mention other arguments as ``{name}`` fields; they are filled
    with keyword names by ``str(error)`` and with any other names by ``message``.

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

    def message(self, names: Mapping[str, str]) -> str:
        """The message with each argument called by ``names`` (its keyword when absent)."""
        where = f" (axis {self.axis})" if self.axis is not None else ""
        rule = _ARGUMENT_FIELD.sub(lambda field: names.get(field[1], field[1]), self.rule)
        return f"{names.get(self.argument, self.argument)}{where}: {rule}"
