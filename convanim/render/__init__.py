"""Backends, one subpackage per dependency: ``raster`` (Pillow painter), ``vector``
(animated SVG, standard library only), ``encode``
(GIF writer, WebP/APNG/MP4, the atomic file writer), ``figures`` (matplotlib) and
``manim`` (Manim building blocks and render driver). Ruff's banned-api keeps each
dependency in its room.
"""
