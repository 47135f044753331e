"""Manim backend: ``blocks`` (grids, labels, heat maps for the scenes) and ``driver``
(renders a scene of ``convanim.scenes`` to a file through Manim's Python API)."""
