"""Drawings: each frame as primitives in pixels (``frames``: the primitives and the guide's
two planes; ``channels``: stack and volume; ``network``: tree, layers and counts), and the
style every backend draws them in."""
