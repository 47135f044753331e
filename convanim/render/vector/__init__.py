"""The vector backend: a drawing as animated SVG (standard library only)."""
