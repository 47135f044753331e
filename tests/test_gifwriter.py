"""The GIF writer: decoded by Pillow and by an independent decoder, frame by frame, and streamed."""

from __future__ import annotations

import io
import itertools
import weakref

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from convanim.render.encode.gif import _fewest_runs, write_gif
from convanim.render.encode.writers import _keys, palette_lookup


def encode_gif(frames, palette, duration: int, see_through: int | None = None) -> bytes:
    """The GIF that ``write_gif`` writes, in memory."""
    buffer = io.BytesIO()
    write_gif(buffer, frames, palette, duration, see_through)
    return buffer.getvalue()


def lzw_decode(data: bytes, code_size: int) -> list[int]:
    """Plain GIF LZW decoding (variable-width codes, clear and end codes)."""
    clear, end = 1 << code_size, (1 << code_size) + 1
    bits = int.from_bytes(data, "little")
    position, width = 0, code_size + 1
    table = [[i] for i in range(clear)] + [[], []]
    previous: list[int] | None = None
    out: list[int] = []
    while True:
        code = (bits >> position) & ((1 << width) - 1)
        position += width
        if code == clear:
            table = [[i] for i in range(clear)] + [[], []]
            width, previous = code_size + 1, None
            continue
        if code == end:
            return out
        entry = table[code] if code < len(table) else previous + previous[:1]
        if previous is not None and len(table) < 4096:
            table.append(previous + entry[:1])
        out += entry
        previous = entry
        if len(table) == 1 << width and width < 12:
            width += 1


def decode(data: bytes) -> tuple[list[np.ndarray], list[dict]]:
    """Every frame as composited RGBA (alpha 0 where nothing was drawn), and its block facts."""
    assert data[:6] == b"GIF89a"
    width, height = int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    flags = data[10]
    assert flags & 0x80  # a global colour table
    colours = 2 << (flags & 7)
    table = np.frombuffer(data[13 : 13 + 3 * colours], dtype=np.uint8).reshape(-1, 3)
    position = 13 + 3 * colours
    canvas = np.zeros((height, width, 4), dtype=np.uint8)
    frames, facts, control = [], [], {}
    while data[position] != 0x3B:
        if data[position] == 0x21:  # an extension: graphic control, or application (loop)
            label, position = data[position + 1], position + 2
            if label == 0xF9:
                packed = data[position + 1]
                control = {
                    "disposal": (packed >> 2) & 7,
                    "delay": int.from_bytes(data[position + 2 : position + 4], "little"),
                    "transparent": data[position + 4] if packed & 1 else None,
                }
            while data[position]:
                position += data[position] + 1
            position += 1
            continue
        assert data[position] == 0x2C
        x, y, w, h = (
            int.from_bytes(data[position + 1 + 2 * i : position + 3 + 2 * i], "little")
            for i in range(4)
        )
        assert data[position + 9] == 0  # no local table, not interlaced
        code_size, position = data[position + 10], position + 11
        chunks = []
        while data[position]:
            chunks.append(data[position + 1 : position + 1 + data[position]])
            position += data[position] + 1
        position += 1
        indices = np.array(lzw_decode(b"".join(chunks), code_size)[: w * h]).reshape(h, w)
        before = canvas.copy()
        drawn = np.ones((h, w), dtype=bool)
        if control.get("transparent") is not None:
            drawn = indices != control["transparent"]
        region = canvas[y : y + h, x : x + w]
        region[drawn, :3] = table[indices[drawn]]
        region[drawn, 3] = 255
        frames.append(canvas.copy())
        facts.append({**control, "box": (x, y, w, h), "code_size": code_size})
        if control.get("disposal") == 2:
            canvas[y : y + h, x : x + w] = 0
        elif control.get("disposal") == 3:
            canvas = before
    return frames, facts


@st.composite
def animations(draw):
    """A few frames over a small palette, each a random edit of the one before."""
    colours = draw(st.integers(1, 20))
    height, width = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    frames = [rng.integers(0, colours, (height, width), dtype=np.uint8)]
    for _ in range(draw(st.integers(0, 5))):
        frame = frames[-1].copy()
        edits = draw(st.sampled_from(["none", "pixel", "block", "all"]))
        if edits == "pixel":
            frame[rng.integers(height), rng.integers(width)] = rng.integers(colours)
        elif edits == "block":
            r, c = rng.integers(height), rng.integers(width)
            frame[r : r + 4, c : c + 3] = rng.integers(
                0, colours, frame[r : r + 4, c : c + 3].shape
            )
        elif edits == "all":
            frame = rng.integers(0, colours, (height, width), dtype=np.uint8)
        frames.append(frame)
    palette = rng.integers(0, 256, (colours, 3), dtype=np.uint8)
    return frames, palette


@settings(max_examples=60, deadline=None)
@given(animation=animations())
def test_every_decoded_frame_equals_its_source(animation):
    frames, palette = animation
    data = encode_gif(frames, palette, duration=250)
    ours, facts = decode(data)
    with Image.open(io.BytesIO(data)) as image:
        assert image.n_frames == len(frames)
        for index, frame in enumerate(frames):
            image.seek(index)
            expected = palette[frame]
            np.testing.assert_array_equal(np.asarray(image.convert("RGB")), expected)
            np.testing.assert_array_equal(ours[index][..., :3], expected)
            assert np.all(ours[index][..., 3] == 255)
    assert all(fact["delay"] == 25 for fact in facts)


@pytest.mark.parametrize(("colours", "bits"), [(1, 2), (3, 2), (4, 3), (7, 3), (8, 4), (255, 8)])
def test_code_size_fits_the_palette_and_the_keep_index(colours, bits):
    frames = [np.zeros((2, 2), dtype=np.uint8), np.full((2, 2), colours - 1, dtype=np.uint8)]
    palette = np.zeros((colours, 3), dtype=np.uint8)
    data = encode_gif(frames, palette, duration=1000)
    assert (data[10] & 7) + 1 == bits
    _, facts = decode(data)
    assert {fact["code_size"] for fact in facts} == {bits}
    assert facts[1]["transparent"] == colours  # the keep index follows the colours


def test_later_frames_store_only_the_box_that_changed():
    first = np.zeros((30, 40), dtype=np.uint8)
    second = first.copy()
    second[5, 7] = 1
    second[9, 12] = 2
    third = second.copy()
    data = encode_gif([first, second, third], np.eye(3, dtype=np.uint8) * 255, duration=1000)
    _, facts = decode(data)
    assert facts[0]["box"] == (0, 0, 40, 30)
    assert facts[1]["box"] == (7, 5, 6, 5)
    assert facts[2]["box"] == (0, 0, 1, 1)  # nothing changed: one kept pixel
    assert [fact["disposal"] for fact in facts] == [1, 1, 1]


def test_see_through_frames_are_whole_and_cleared_after_showing():
    frames = [
        np.array([[0, 1], [1, 0]], dtype=np.uint8),
        np.array([[1, 1], [0, 0]], dtype=np.uint8),
    ]
    palette = np.array([[0, 0, 0], [255, 0, 0]], dtype=np.uint8)
    decoded, facts = decode(encode_gif(frames, palette, duration=1000, see_through=0))
    assert [fact["box"] for fact in facts] == [(0, 0, 2, 2)] * 2
    assert all(fact["disposal"] == 2 and fact["transparent"] == 0 for fact in facts)
    for frame, image in zip(frames, decoded):
        np.testing.assert_array_equal(image[..., 3], np.where(frame == 0, 0, 255))


def test_more_than_255_colours_are_refused():
    with pytest.raises(ValueError, match="at most 255 colours"):
        encode_gif([np.zeros((1, 1), dtype=np.uint8)], np.zeros((256, 3), dtype=np.uint8), 100)


def test_palette_of_a_many_coloured_animation_leaves_an_index_free():
    rng = np.random.default_rng(0)
    frames = [Image.fromarray(rng.integers(0, 256, (20, 20, 3), dtype=np.uint8)) for _ in range(3)]
    palette, lookup = palette_lookup(frames)
    assert len(palette) <= 255
    assert all(lookup[_keys(frame)].max() < len(palette) for frame in frames)


def test_palette_is_exact_when_colours_fit():
    rng = np.random.default_rng(1)
    colours = rng.integers(0, 256, (40, 3), dtype=np.uint8)
    rgb = [colours[rng.integers(0, 40, (8, 9))] for _ in range(2)]
    palette, lookup = palette_lookup([Image.fromarray(frame) for frame in rgb])
    assert len(palette) == len(np.unique(np.concatenate(rgb).reshape(-1, 3), axis=0))
    for frame in rgb:
        np.testing.assert_array_equal(palette[lookup[_keys(Image.fromarray(frame))]], frame)


def runs(row: np.ndarray) -> int:
    return 1 + int(np.count_nonzero(row[1:] != row[:-1]))


@settings(max_examples=200, deadline=None)
@given(row=st.lists(st.tuples(st.integers(0, 2), st.booleans()), min_size=1, max_size=9))
def test_fewest_runs_fillings_are_valid_and_optimal(row):
    keep = 3
    colours = np.array([[colour for colour, _ in row]], dtype=np.uint8)
    moved = np.array([[changed for _, changed in row]])
    free = np.flatnonzero(~moved[0])
    best = min(
        runs(np.where(np.isin(np.arange(len(row)), free[list(pick)]), keep, colours[0]))
        for size in range(len(free) + 1)
        for pick in itertools.combinations(range(len(free)), size)
    )
    for filling in _fewest_runs(colours, moved, keep):
        chosen = filling[0]
        assert np.all(chosen[moved[0]] == colours[0][moved[0]])
        assert np.all((chosen == colours[0]) | (chosen == keep))
        assert runs(chosen) == best


def test_frames_stream_through_the_writer_holding_only_the_previous_one():
    rng = np.random.default_rng(2)
    palette = rng.integers(0, 256, (6, 3), dtype=np.uint8)
    arrays = [rng.integers(0, 6, (9, 11), dtype=np.uint8) for _ in range(12)]
    alive = most = 0

    def gone() -> None:
        nonlocal alive
        alive -= 1

    def frames():
        nonlocal alive, most
        for array in arrays:
            copy = array.copy()
            alive += 1
            most = max(most, alive)
            weakref.finalize(copy, gone)
            yield copy
            del copy

    buffer = io.BytesIO()
    write_gif(buffer, frames(), palette, duration=100)
    assert most <= 2  # the frame being written and the one before it
    ours, _ = decode(buffer.getvalue())
    for decoded, array in zip(ours, arrays):
        np.testing.assert_array_equal(decoded[..., :3], palette[array])


def test_no_frames_is_refused():
    with pytest.raises(ValueError, match="at least one frame"):
        encode_gif([], np.zeros((2, 3), dtype=np.uint8), 100)


def test_palette_lookup_maps_every_colour_of_every_frame():
    rng = np.random.default_rng(3)
    colours = rng.integers(0, 256, (30, 3), dtype=np.uint8)
    rgb = [colours[rng.integers(0, 30, (7, 5))] for _ in range(4)]
    frames = [Image.fromarray(frame) for frame in rgb]
    palette, lookup = palette_lookup(frames)
    packed = palette.astype(np.int64) @ [1 << 16, 1 << 8, 1]
    assert np.all(np.diff(packed) > 0)  # RGB order, each colour once
    assert len(palette) == len(np.unique(np.concatenate(rgb).reshape(-1, 3), axis=0))
    for frame, image in zip(rgb, frames):
        np.testing.assert_array_equal(palette[lookup[_keys(image)]], frame)
