"""convanim: exact animations of convolution and transposed convolution arithmetic."""

from convanim.geometry import CellKind, ConvSpec, SpecError
from convanim.notebook import animate

__all__ = ["CellKind", "ConvSpec", "SpecError", "animate"]
