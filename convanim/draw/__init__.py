"""Drawings: each frame as primitives in pixels (``frames``, ``channels``), and the style
every backend draws them in."""
