"""Frames are painted and encoded one at a time, and every format keeps the bytes it had.

A GIF, decoded by Pillow, shows the painter's frames (or, over 255 colours, Pillow's
own mapping of each whole frame to the octree palette). For WebP, APNG and MP4,
Pillow's and imageio's all-in-memory writers are the references: the streamed files
must equal them byte for byte, and decode to the painter's frames.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import time
import weakref
from fractions import Fraction

import numpy as np
import pytest
from PIL import Image

from convanim.draw.style import Style
from convanim.errors import ConvanimError
from convanim.geometry import ConvSpec
from convanim.integrations.gallery import entry
from convanim.integrations.notebook import animate
from convanim.pipeline import animate_to_file, drawing, render_animation
from convanim.render.encode.writers import animation_bytes
from convanim.render.raster.painter import FramePainter
from convanim.story.board import View
from convanim.story.values import ValueSource

SPEC = ConvSpec(input_size=(6, 6), kernel=3, stride=1, padding=1)  # 36 frames
#: The format cases' spec: 16 frames, over the 8 the GIF palette samples; with values, over
#: 255 colours.
CASE_SPEC = ConvSpec(input_size=(4, 4), kernel=3, stride=1, padding=1)


def shown_frames(frames: list[Image.Image]) -> list[np.ndarray]:
    """What a GIF of ``frames`` must decode to: the frames themselves when they use at most
    255 colours in all, else each whole frame mapped by Pillow to ``octree_reference``."""
    colours = {c for frame in frames for _, c in frame.getcolors(frame.width * frame.height)}
    if len(colours) <= 255:
        return [np.asarray(frame.convert("RGB")) for frame in frames]
    palette = octree_reference(frames)
    return [
        np.asarray(frame.quantize(palette=palette, dither=Image.Dither.NONE).convert("RGB"))
        for frame in frames
    ]


def assert_gif_shows(data: bytes, frames: list[Image.Image], duration: int) -> None:
    """The GIF ``data``, decoded by Pillow, shows ``frames`` (see ``shown_frames``) for
    ``duration`` ms each, looping forever."""
    with Image.open(io.BytesIO(data)) as gif:
        assert gif.n_frames == len(frames)
        assert gif.info["loop"] == 0 and gif.info["duration"] == duration
    for expected, decoded in zip(shown_frames(frames), decoded_frames(data), strict=True):
        np.testing.assert_array_equal(decoded, expected)


def octree_reference(frames: list[Image.Image]) -> Image.Image:
    """255 colours by Pillow's fast octree from 8 evenly spaced frames (first and last included)."""
    picks = sorted({round(i * (len(frames) - 1) / 7) for i in range(8)})
    width, height = frames[0].size
    strip = Image.new("RGB", (width, height * len(picks)))
    for row, index in enumerate(picks):
        strip.paste(frames[index], (0, row * height))
    return strip.quantize(255, Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)


def pillow_bytes(frames: list[Image.Image], suffix: str, duration: int) -> bytes:
    """Pillow's own animated save, every frame in a list (convanim's writer before streaming)."""
    options: dict = {"save_all": True, "duration": duration, "loop": 0}
    if suffix == ".webp":
        options.update(lossless=True, method=4)
    buffer = io.BytesIO()
    format_ = {".webp": "WEBP", ".png": "PNG"}[suffix]
    frames[0].save(buffer, format=format_, append_images=frames[1:], **options)
    return buffer.getvalue()


def decoded_frames(path_or_bytes, mode: str = "RGB") -> list[np.ndarray]:
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    frames = []
    with Image.open(source) as image:
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            frames.append(np.asarray(image.convert(mode)))
    return frames


def random_frames(count: int, mode: str = "RGB", seed: int = 0, size=(23, 17)) -> list:
    """Frames that each change a random block of the one before (some not at all)."""
    rng = np.random.default_rng(seed)
    channels = len(mode)
    frame = rng.integers(0, 256, (size[1], size[0], channels), dtype=np.uint8)
    frames = [frame]
    for _ in range(count - 1):
        frame = frame.copy()
        if rng.random() < 0.7:
            r, c = rng.integers(size[1]), rng.integers(size[0])
            frame[r : r + 5, c : c + 4] = rng.integers(0, 256, frame[r : r + 5, c : c + 4].shape)
        frames.append(frame)
    return [Image.fromarray(array, mode=mode) for array in frames]


class CountingPainter(FramePainter):
    """A FramePainter that counts the frames it painted that are still alive."""

    def __init__(self, laid_out):
        super().__init__(laid_out)
        self.alive = 0
        self.most_alive = 0
        self.painted = 0

    def frame(self, index: int) -> Image.Image:
        image = super().frame(index)
        self.painted += 1
        self.alive += 1
        self.most_alive = max(self.most_alive, self.alive)
        weakref.finalize(image, self._gone)
        return image

    def _gone(self) -> None:
        self.alive -= 1


# The painter: frames painted on access, the same each time.


def test_painter_is_a_sequence_painted_on_access_and_the_same_each_time():
    laid_out, _ = drawing(SPEC)
    painter = FramePainter(laid_out)
    assert len(painter) == len(laid_out.frames) == 36
    assert painter.size == painter[0].size == laid_out.size
    first = [np.asarray(frame) for frame in painter]
    second = [np.asarray(frame) for frame in painter]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.asarray(painter[-1]), first[-1])
    assert [np.asarray(f).tobytes() for f in painter[3:6]] == [f.tobytes() for f in first[3:6]]
    assert any(not np.array_equal(first[0], frame) for frame in first[1:])
    with pytest.raises(IndexError):
        painter[36]


def test_render_animation_returns_lazy_frames_of_the_drawing():
    frames, style = render_animation(SPEC)
    assert isinstance(frames, FramePainter)
    assert len(frames) == 36 and style.palette.background == frames[0].getpixel((0, 0))


@pytest.fixture
def painters(monkeypatch) -> list[CountingPainter]:
    """Every FramePainter that render_animation makes, counting its frames alive."""
    made: list[CountingPainter] = []

    def counting(laid_out):
        made.append(CountingPainter(laid_out))
        return made[-1]

    monkeypatch.setattr("convanim.render.raster.painter.FramePainter", counting)
    return made


@pytest.mark.parametrize("suffix", [".gif", ".webp", ".png", ".mp4"])
@pytest.mark.parametrize("values", [False, True])
def test_frames_over_the_held_budget_are_streamed_two_at_most(
    tmp_path, painters, monkeypatch, suffix, values
):
    monkeypatch.setattr("convanim.render.encode.writers.HELD_BYTES", 0)
    animate_to_file(SPEC, tmp_path / f"a{suffix}", values=ValueSource() if values else None)
    (painter,) = painters
    assert painter.most_alive <= 2
    # Each frame is painted once or twice (GIF, APNG: a pass before the encoding one);
    # the GIF palette paints its 8 sample frames and its first once more.
    assert painter.painted <= 2 * len(painter) + 8 + 1


@pytest.mark.parametrize("suffix", [".gif", ".png"])
@pytest.mark.parametrize("spare", [0, -1])
def test_frames_within_the_held_budget_are_painted_once(
    tmp_path, painters, monkeypatch, suffix, spare
):
    laid_out, _ = drawing(SPEC, values=ValueSource())
    width, height = laid_out.size
    need = len(laid_out.frames) * width * height * 4  # Pillow keeps 4 bytes a pixel
    monkeypatch.setattr("convanim.render.encode.writers.HELD_BYTES", need + spare)
    animate_to_file(SPEC, tmp_path / f"a{suffix}", values=ValueSource())
    (painter,) = painters
    if spare == 0:  # they fit: all held, each painted once
        assert painter.painted == len(painter)
    else:  # a byte short: streamed, two at most alive
        assert painter.painted > len(painter) and painter.most_alive <= 2


def test_notebook_animation_is_streamed_and_shows_the_painted_frames(painters, monkeypatch):
    monkeypatch.setattr("convanim.render.encode.writers.HELD_BYTES", 0)
    inline = animate(SPEC, values=True, format="gif")
    assert painters[0].most_alive <= 2
    frames, _ = render_animation(SPEC, style=Style(), values=ValueSource(0))
    assert_gif_shows(inline.data, list(frames), 1000)
    assert inline.width == frames.size[0]


# GIF: decoded by Pillow, the painted frames (or Pillow's own mapping of them to the palette).

#: Gallery entries held in memory (the cases above are streamed): a transposed canvas of few
#: colours, printed values and pooling over 255 colours, the stack and volume channel views.
#: (test_gif checks every entry against the committed files.)
GALLERY_SAMPLE = [
    "padding_strides_odd_transposed",
    "numerical_padding_strides",
    "numerical_max_pooling",
    "channels_cs231n",
    "channels_grouped_transposed_volume",
]


@pytest.mark.parametrize("name", GALLERY_SAMPLE)
def test_gallery_gif_shows_the_painted_frames(tmp_path, name):
    request = entry(name)
    spec, options = request.shown, request.drawing_options
    path = tmp_path / f"{name}.gif"
    animate_to_file(spec, path, **options)
    frames, _ = render_animation(spec, **options)
    assert_gif_shows(path.read_bytes(), list(frames), 1000)


CASES = {
    "few colours": (CASE_SPEC, {}),
    "values": (CASE_SPEC, {"values": ValueSource(seed=3), "style": Style(theme="dark")}),
    "scatter": (
        ConvSpec(input_size=(3, 3), kernel=3, stride=2, padding=1, transposed=True),
        {"view": View.SCATTER, "overlap": True, "values": ValueSource()},
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_streamed_gif_shows_the_painted_frames(tmp_path, monkeypatch, case):
    monkeypatch.setattr("convanim.render.encode.writers.HELD_BYTES", 0)
    spec, options = CASES[case]
    path = tmp_path / "a.gif"
    animate_to_file(spec, path, duration=300, **options)
    frames, _ = render_animation(spec, **options)
    assert_gif_shows(path.read_bytes(), list(frames), 300)


@pytest.mark.parametrize("case", sorted(CASES))
def test_see_through_gif_decodes_to_the_keyed_frames(tmp_path, case):
    """The key colour, and only it, is see-through; it has its own palette entry."""
    from convanim.render.raster.painter import SEE_THROUGH_KEY

    spec, options = CASES[case]
    path = tmp_path / "a.gif"
    animate_to_file(spec, path, duration=300, transparent=True, **options)
    frames, _ = render_animation(spec, see_through="key", **options)
    for frame, decoded in zip(frames, decoded_frames(path, "RGBA"), strict=True):
        keyed = np.all(np.asarray(frame) == SEE_THROUGH_KEY, axis=-1)
        assert keyed.any()
        np.testing.assert_array_equal(decoded[..., 3] == 0, keyed)


def test_gif_of_many_colours_decodes_to_the_octree_palette_of_each_whole_frame(tmp_path):
    """Each colour is mapped once; Pillow mapping each whole frame gives the same pixels."""
    spec, options = CASES["values"]
    path = tmp_path / "a.gif"
    animate_to_file(spec, path, **options)
    frames = list(render_animation(spec, **options)[0])
    colours = {c for frame in frames for _, c in frame.getcolors(frame.width * frame.height)}
    assert len(colours) > 255  # the branch that picks a palette
    assert_gif_shows(path.read_bytes(), frames, 1000)


# WebP and APNG: Pillow's bytes, decoding to the painted frames.


@pytest.mark.parametrize("suffix", [".webp", ".png"])
@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("transparent", [False, True])
def test_streamed_webp_and_apng_are_pillows_bytes_and_decode_to_the_frames(
    tmp_path, suffix, case, transparent
):
    spec, options = CASES[case]
    path = tmp_path / f"a{suffix}"
    animate_to_file(spec, path, duration=400, transparent=transparent, **options)
    # See-through frames are matted: RGBA with each pixel's exact coverage.
    frames, _ = render_animation(spec, see_through="alpha" if transparent else None, **options)
    listed = list(frames)
    assert path.read_bytes() == pillow_bytes(listed, suffix, 400)
    mode = "RGBA" if transparent else "RGB"
    for frame, decoded in zip(listed, decoded_frames(path, mode), strict=True):
        expected = np.asarray(frame)
        if transparent:  # see-through pixels have no colour to keep (WebP drops it)
            np.testing.assert_array_equal(decoded[..., 3], expected[..., 3])
            shown = expected[..., 3] > 0
            np.testing.assert_array_equal(decoded[shown], expected[shown])
        else:
            np.testing.assert_array_equal(decoded, expected)


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
@pytest.mark.parametrize("count", [1, 2, 9])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_webp_and_apng_of_any_frames_are_pillows_bytes(mode, count, seed):
    frames = random_frames(count, mode, seed)
    for suffix in (".webp", ".png"):
        assert animation_bytes(frames, suffix, 250) == pillow_bytes(frames, suffix, 250)


def test_apng_merges_unchanged_frames_as_pillow_does():
    base = [random_frames(1, seed=seed)[0] for seed in (5, 6, 7)]  # three different frames
    frames = [base[0], base[0].copy(), base[1], base[1].copy(), base[1].copy(), base[2]]
    data = animation_bytes(frames, ".png", 100)
    assert data == pillow_bytes(frames, ".png", 100)
    with Image.open(io.BytesIO(data)) as image:
        assert image.n_frames == 3  # the repeats lengthen the frame before them
        image.seek(1)
        image.load()
        assert image.info["duration"] == 300
    still = [base[0], base[0].copy(), base[0].copy()]
    assert animation_bytes(still, ".png", 100) == pillow_bytes(still, ".png", 100)
    with Image.open(io.BytesIO(animation_bytes(still, ".png", 100))) as image:
        assert getattr(image, "n_frames", 1) == 1  # one frame left: a still PNG


def test_apng_keeps_a_repeat_whose_merged_delay_would_not_fit():
    duration = 40_000_000  # 40,000 s: twice that is no delay of 16-bit numerator
    assert Fraction(2 * duration / 1000).limit_denominator(65535).numerator > 65535
    base = [random_frames(1, seed=seed)[0] for seed in (8, 9)]
    frames = [base[0], base[0].copy(), base[1]]
    data = animation_bytes(frames, ".png", duration)
    assert data == pillow_bytes(frames, ".png", duration)
    with Image.open(io.BytesIO(data)) as image:
        assert image.n_frames == 3


# MP4: H.264 on one thread, the same bytes every time.


@pytest.mark.parametrize("size", [(5, 5), (6, 7)])
def test_streamed_mp4_is_the_same_every_time_and_decodes_close(tmp_path, size):
    """Two runs of the program write the same bytes, and the file decodes to the frames."""
    import av

    spec = ConvSpec(input_size=size, kernel=3, padding=1)
    path = tmp_path / "a.mp4"
    result = animate_to_file(spec, path, duration=500)
    frames = list(render_animation(spec)[0])
    width, height = (v + v % 2 for v in frames[0].size)
    padded = []
    for frame in frames:
        canvas = Image.new("RGB", (width, height), frame.getpixel((0, 0)))
        canvas.paste(frame, (0, 0))
        padded.append(np.asarray(canvas))
    flags = ["--i", ",".join(map(str, size)), "--k", "3", "--p", "1", "--duration", "500"]
    runs = []
    for run in ("b", "c"):
        out = tmp_path / f"{run}.mp4"
        command = [sys.executable, "-m", "convanim", "gif", *flags, "-o", str(out)]
        subprocess.run(command, check=True, capture_output=True)
        runs.append(out.read_bytes())
    assert runs[0] == runs[1]
    with av.open(str(path)) as container:
        decoded = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    assert len(decoded) == result.frames == len(frames)
    for original, frame in zip(padded, decoded):
        assert frame.shape == original.shape
        assert np.abs(frame.astype(int) - original).mean() < 3  # H.264 is lossy, but close


# Checked before rendering: nothing is painted for a path that cannot be written.


def test_an_unwritable_path_is_refused_before_anything_is_drawn(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")

    def never(*args, **kwargs):
        raise AssertionError("rendered before the path was checked")

    monkeypatch.setattr("convanim.pipeline.render_animation", never)
    monkeypatch.setattr("convanim.pipeline.drawing", never)
    with pytest.raises(ConvanimError, match="cannot create the folder") as caught:
        animate_to_file(SPEC, blocker / "deeper" / "a.gif")
    assert caught.value.argument == "out"
    (tmp_path / "folder.gif").mkdir()
    with pytest.raises(ConvanimError, match="cannot write"):
        animate_to_file(SPEC, tmp_path / "folder.gif")
    with pytest.raises(ConvanimError, match="extension"):
        animate_to_file(SPEC, tmp_path / "a.jpg")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["file", "folder.gif"]


def test_a_failing_render_leaves_no_file_and_no_folder(tmp_path, monkeypatch):
    def broken(self, index):
        if index == 3:
            raise ConvanimError("values", "broken on purpose")
        return original(self, index)

    original = FramePainter.frame
    monkeypatch.setattr(FramePainter, "frame", broken)
    with pytest.raises(ConvanimError, match="broken on purpose"):
        animate_to_file(SPEC, tmp_path / "new" / "a.gif")
    assert list(tmp_path.iterdir()) == []


# SIGTERM while a GIF is written: the temporary file goes, and so does the new folder.

CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from convanim.render.raster import painter

    ready, out = Path(sys.argv[1]), sys.argv[2]
    reads = {}
    original = painter.FramePainter.frame

    def slow(self, index):
        reads[index] = reads.get(index, 0) + 1
        if index == 40 and reads[index] == 2:  # encoding: the file is being written
            ready.write_text("writing")
            time.sleep(120)
        return original(self, index)

    painter.FramePainter.frame = slow
    from convanim.render.encode import writers
    from convanim.cli import main

    writers.HELD_BYTES = 0  # streamed: frame 40 is painted again while the file is written

    sys.argv = ["convanim", "gif", "--i", "12", "--k", "3", "-o", out]
    main()
    """
)


def test_sigterm_during_a_gif_write_leaves_no_part_file_and_no_output(tmp_path):
    ready = tmp_path / "ready"
    out = tmp_path / "new" / "deeper" / "a.gif"
    command = [sys.executable, "-c", CHILD, str(ready), str(out)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as child:
        try:
            deadline = time.monotonic() + 120
            while not ready.exists():
                assert child.poll() is None, child.communicate()[0]
                assert time.monotonic() < deadline, "the child never started writing"
                time.sleep(0.02)
            parts = list(out.parent.glob(".a.gif.*.part"))
            assert len(parts) == 1 and parts[0].stat().st_size > 0  # 40 frames are written
            child.send_signal(signal.SIGTERM)
            output = child.communicate(timeout=60)[0]
        finally:
            if child.poll() is None:
                child.kill()
                child.communicate()
    assert child.returncode != 0, output
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["ready"]
    assert not list(tmp_path.rglob("*.part"))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX signals")
def test_sigterm_handler_is_back_to_default_after_a_write(tmp_path):
    code = (
        "import signal; from pathlib import Path; "
        "from convanim.render.encode.files import write_bytes; "
        f"write_bytes(b'x', Path({str(tmp_path / 'a.bin')!r})); "
        "assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert (tmp_path / "a.bin").read_bytes() == b"x"
