"""A finished video (a Manim render) re-encoded as an animation of the format its name asks."""

from __future__ import annotations

from pathlib import Path


def movie_to_animation(movie: Path, out: Path) -> int:
    """Decode ``movie`` with PyAV and write its frames to ``out`` at the movie's frame rate.

    Manim's own GIFs are full-colour frames (100+ MB); written here they share one palette.
    Returns the bytes written.
    """
    import av

    from convanim.render.encode.writers import write_animation

    with av.open(str(movie)) as container:
        stream = container.streams.video[0]
        duration = round(1000 / float(stream.average_rate or 1))
        frames = [frame.to_image() for frame in container.decode(stream)]
    return write_animation(frames, out, duration)
