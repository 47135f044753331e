"""convanim: exact animations of convolution and transposed convolution arithmetic."""

from convanim.geometry import CellKind, ConvSpec, SpecError

__all__ = ["CellKind", "ConvSpec", "SpecError"]
