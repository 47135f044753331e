"""Printed numbers, against the NumPy reference, and the numeric flags of the CLI."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
import reference
from conftest import conv_specs
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from convanim.cli import app
from convanim.errors import ConvanimError
from convanim.geometry import ConvSpec, Pooling
from convanim.story.board import Cell, Reading, build_board
from convanim.story.values import (
    distinct_values,
    given_array,
    given_numbers,
    number_text,
    pool_numbers,
    slice_numbers,
    small_values,
)

SETTINGS = settings(max_examples=60, deadline=None)
runner = CliRunner()


@SETTINGS
@given(spec=conv_specs(max_ndim=2, max_size=6), seed=st.integers(0, 2**16))
def test_printed_outputs_equal_reference_and_their_footprint_sums(spec, seed):
    board = build_board(spec)
    x, w = small_values(spec, seed)
    numbers = slice_numbers(board, x, w)
    op = reference.conv_transpose if spec.transposed else reference.conv
    expected = op(x, w, spec).reshape(board.upper.cells.shape)
    np.testing.assert_array_equal(numbers.frames[-1].outputs[0], expected)
    lower = np.nan_to_num(numbers.inputs[0])  # padding prints nothing and holds 0
    for step, (frame, printed) in enumerate(zip(board.steps, numbers.frames), start=1):
        cell = tuple(frame.upper[0])
        assert printed.outputs[0][cell] == np.dot(lower[tuple(frame.lower.T)], printed.taps[0])
        assert np.count_nonzero(~np.isnan(printed.outputs)) == step  # revealed one by one


@SETTINGS
@given(spec=conv_specs(transposed=True, max_ndim=2, max_size=5), seed=st.integers(0, 2**16))
def test_scatter_partial_sums_end_on_the_reference(spec, seed):
    board = build_board(spec, Reading.SCATTER)
    x, w = small_values(spec, seed)
    numbers = slice_numbers(board, x, w)
    final = numbers.frames[-1].outputs[0]
    inside = board.upper.cells != Cell.HIDDEN
    expected = reference.conv_transpose(x, w, spec)
    printed = np.nan_to_num(final[inside]).reshape(expected.shape)
    np.testing.assert_array_equal(printed, expected)


def test_pool_numbers_mark_the_maximum_cell():
    spec = ConvSpec(input_size=(5, 5), kernel=3, padding=1, stride=2)
    pooling = Pooling(spec, "max")
    board = build_board(spec)
    x = np.arange(25.0).reshape(5, 5)[::-1]
    numbers = pool_numbers(board, pooling, x)
    for frame, printed in zip(board.steps, numbers.frames):
        assert printed.taps is None
        assert printed.marked in {tuple(cell) for cell in frame.lower}
        assert numbers.inputs[0][printed.marked] == printed.outputs[0][tuple(frame.upper[0])]


def test_number_text_and_given_values():
    assert [number_text(v) for v in (3.0, -2.0, 2.5, -1.25, 0.1 + 0.2, -0.0)] == [
        "3",
        "-2",
        "2.5",
        "-1.25",
        "0.3",
        "0",
    ]
    assert number_text(1 / 3) == "0.33"  # not a terminating decimal: rounded
    typed = given_numbers("1,0,-1,2", "weights")
    np.testing.assert_array_equal(given_array(typed, (2, 2), "weights"), [[1, 0], [-1, 2]])
    with pytest.raises(ConvanimError, match="needs 4 values for 2x2, got 3"):
        given_array(given_numbers("1,2,3", "weights"), (2, 2), "weights")
    with pytest.raises(ConvanimError, match=r"^weights: expected comma-separated numbers"):
        given_numbers("1,a", "weights")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--pool", "mean"],
            "error: Invalid value for '--pool': 'mean' is not one of 'max', 'avg'",
        ),
        (["--pool", "avg", "--d", "2"], "error: --d (axis 0): average pooling has no dilation"),
        (
            ["--pool", "max", "--p", "2"],
            "error: --p (axis 0): pooling pads at most half the kernel size (--k 3 // 2 = 1",
        ),
        (["--pool", "max", "-t"], "error: -t: pooling has no transposed form"),
        (
            ["--pool", "max", "--i", "1", "--k", "2", "--d", "2", "--p", "1"],
            "error: --p (axis 0): a pooling window would cover only padding",
        ),
        (["--weights", "1,2"], "error: --weights: needs 9 values for 3x3, got 2"),
        (["--input-values", "x"], "error: --input-values: expected comma-separated numbers"),
        (["--input-values", "nan," * 24 + "1"], "error: --input-values: must be finite numbers"),
        (["--weights", "1,1,1,1,inf,1,1,1,1"], "error: --weights: must be finite numbers"),
        (["--values", "--seed", "-1"], "error: --seed: must be a non-negative integer, got -1"),
    ],
)
def test_cli_numeric_errors(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["gif", *args])
    assert result.exit_code == 2
    assert result.output.startswith(message)
    assert list(tmp_path.rglob("*.*")) == []


def test_cli_values_and_pool_write_named_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["gif", "--k", "3", "--s", "2", "--p", "1", "--values"])
    assert result.exit_code == 0
    assert (tmp_path / "renders" / "conv_i5_k3_s2_p1_values.gif").exists()
    pooled = runner.invoke(app, ["gif", "--pool", "max", "--k", "3", "--view", "flat"])
    assert pooled.exit_code == 0
    assert (tmp_path / "renders" / "conv_i5_k3_flat_maxpool.gif").exists()


def test_pooling_without_given_values_prints_seeded_numbers():
    """A pooling animation always prints numbers; without values it takes distinct seeded ones."""
    from convanim.pipeline import drawing

    spec = ConvSpec(input_size=(5, 5), kernel=3)
    laid_out, _ = drawing(spec, pooling=Pooling(spec, "max"))
    x = distinct_values(spec, seed=0)
    assert sorted(x.ravel()) == list(range(1, 26))  # distinct: the maximum stands out
    expected = reference.pool(x, spec, "max")
    printed = [shape.text for shape in laid_out.frames[-1].above if hasattr(shape, "text")]
    assert sorted(printed) == sorted(number_text(v) for v in expected.ravel())


@pytest.mark.parametrize("theme", ["dark"])
def test_numbers_on_highlighted_cells_meet_wcag_aa_contrast(theme):
    """Every fill a number can sit on while highlighted gives its text >= 4.5:1 (WCAG AA).

    (The light theme keeps the guide's white on its blue and teal.)
    """
    from convanim.draw.style import (
        HIGHLIGHT_OPACITY,
        STAMP_SHADE_MAX,
        THEMES,
        blend,
        contrast,
        readable_on,
    )

    palette = THEMES[theme]
    unders = (palette.input, palette.output, palette.background)
    fills = [blend(under, palette.highlight, HIGHLIGHT_OPACITY) for under in unders]
    fills += [blend(palette.output, palette.highlight, STAMP_SHADE_MAX * k / 4) for k in range(5)]
    for fill in fills:
        assert contrast(readable_on(fill, palette), fill) >= 4.5, (theme, fill)


def test_dark_theme_numbers_on_a_highlighted_cell_are_drawn_readable():
    from convanim.draw.frames import CellShape, Label, Role
    from convanim.draw.style import Style, contrast
    from convanim.pipeline import drawing
    from convanim.story.values import ValueSource

    spec = ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1)
    laid_out, _ = drawing(spec, style=Style(theme="dark"), values=ValueSource())
    below = laid_out.frames[4].below  # the centre output: its footprint covers input cells only
    fills = {s.fill for s in below if isinstance(s, CellShape) and s.role is Role.HIGHLIGHT}
    assert len(fills) == 1
    (fill,) = fills
    labels = [s for s in below if isinstance(s, Label) and s.role is Role.VALUE]
    assert len(labels) == 9
    for label in labels:
        assert contrast(label.colour, fill) >= 4.5


def _inside(point, corners) -> bool:
    """Whether a pixel lies in a convex cell (corners in order round it)."""
    signs = []
    for i in range(4):
        (ax, ay), (bx, by) = corners[(i + 1) % 4] - corners[i], point - corners[i]
        signs.append(ax * by - ay * bx)
    return all(v >= -1e-9 for v in signs) or all(v <= 1e-9 for v in signs)


def _printed_in(shapes, cell, role):
    """The number a frame prints with ``role`` in a CellShape's cell, else None (nothing shown)."""
    from convanim.draw.frames import Label

    found = [
        s.text
        for s in shapes
        if isinstance(s, Label) and s.role is role and _inside(s.centre, cell.corners)
    ]
    assert len(found) <= 1
    return Decimal(found[0]) if found else None


#: Inputs and weights with a few decimals, as a user may give them.
decimals = st.integers(-400, 400).map(lambda n: n / 8) | st.integers(-999, 999).map(
    lambda n: n / 100
)


@settings(max_examples=40, deadline=None)
@given(spec=conv_specs(max_ndim=2, max_size=5), data=st.data(), flat=st.booleans())
def test_every_printed_output_recomputes_from_the_printed_footprint(spec, data, flat):
    """Read back from the drawing's text alone, each frame's footprint values times their
    weights sum exactly (in decimal) to the output the frame prints."""
    from convanim.draw.frames import CellShape, Role
    from convanim.draw.style import Style
    from convanim.pipeline import drawing
    from convanim.story.values import ValueSource

    x = np.array(
        data.draw(
            st.lists(
                decimals, min_size=math.prod(spec.input_size), max_size=math.prod(spec.input_size)
            )
        )
    ).reshape(spec.input_size)
    w = np.array(
        data.draw(
            st.lists(decimals, min_size=math.prod(spec.kernel), max_size=math.prod(spec.kernel))
        )
    ).reshape(spec.kernel)
    style = Style(layout="flat" if flat else "oblique")
    laid_out, _ = drawing(spec, style=style, values=ValueSource(input=x, weights=w))
    for frame in laid_out.frames:
        shapes = frame.below
        footprint = [s for s in shapes if isinstance(s, CellShape) and s.role is Role.HIGHLIGHT]
        total = Decimal(0)
        for cell in footprint:
            weight = _printed_in(shapes, cell, Role.WEIGHT)
            assert weight is not None
            value = _printed_in(shapes, cell, Role.VALUE) or Decimal(0)  # padding prints none
            total += value * weight
        (output,) = [
            s for s in frame.above if isinstance(s, CellShape) and s.role is Role.HIGHLIGHT
        ]
        assert _printed_in(frame.above, output, Role.VALUE) == total


@settings(max_examples=30, deadline=None)
@given(
    spec=conv_specs(transposed=True, max_ndim=2, max_size=4),
    data=st.data(),
)
def test_scatter_running_sums_recompute_from_printed_weights(spec, data):
    """Scatter view: each stamp adds its input's printed value times the printed weight in
    each stamp cell to the sum that cell printed before."""
    from convanim.draw.frames import CellShape, Role
    from convanim.pipeline import drawing
    from convanim.story.values import ValueSource

    size = math.prod(spec.input_size)
    x = np.array(data.draw(st.lists(decimals, min_size=size, max_size=size)))
    laid_out, _ = drawing(
        spec, view="scatter", values=ValueSource(input=x.reshape(spec.input_size), seed=3)
    )
    before: dict[tuple[int, int], Decimal] = {}
    for frame in laid_out.frames:
        (stamping,) = [
            s for s in frame.below if isinstance(s, CellShape) and s.role is Role.HIGHLIGHT
        ]
        value = _printed_in(laid_out.lower, stamping, Role.VALUE)
        cells = {s.position: s for s in laid_out.upper_region}
        for shape in frame.above:
            if not (isinstance(shape, CellShape) and shape.role is Role.HIGHLIGHT):
                continue
            weight = _printed_in(frame.above, shape, Role.WEIGHT)
            assert weight is not None
            if shape.position in cells:  # a real output cell, not one the padding crops
                now = _printed_in(frame.above, shape, Role.VALUE)
                assert now == before.get(shape.position, Decimal(0)) + value * weight
                before[shape.position] = now


def test_long_numbers_fit_their_cells_and_print_exactly():
    """The issue's example: every number fits inside its cell, and no weight touches its value."""
    from convanim.draw.frames import CellShape, Label, Role, text_box
    from convanim.draw.style import Style
    from convanim.pipeline import drawing
    from convanim.story.values import ValueSource

    spec = ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1)
    w = np.array([0.5, -1.25, 3, 100, -200, 7.5, 1, 1, 1]).reshape(3, 3)
    x = np.array([1000, -2000, *range(3, 26)], dtype=float).reshape(5, 5)
    for layout in ("flat", "oblique"):
        laid_out, _ = drawing(
            spec, style=Style(layout=layout), values=ValueSource(input=x, weights=w)
        )
        for frame in laid_out.frames:
            every = (*laid_out.lower, *laid_out.upper, *frame.below, *frame.above)
            cells = [s for s in every if isinstance(s, CellShape) and s.role is not Role.HALO]
            for shapes in (frame.below, frame.above, laid_out.lower):
                labels = [s for s in shapes if isinstance(s, Label) and s.role is not Role.LABEL]
                for label in labels:
                    (x0, y0, x1, y1) = text_box(label)
                    corners = [np.array(p) for p in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
                    assert any(all(_inside(p, cell.corners) for p in corners) for cell in cells), (
                        label
                    )
                weights = [s for s in labels if s.role is Role.WEIGHT]
                for weight in weights:
                    for other in labels:
                        if other is not weight:
                            a, b = text_box(weight), text_box(other)
                            assert not ((a[:2] < b[2:]).all() and (b[:2] < a[2:]).all())
        texts = {s.text for f in laid_out.frames for s in f.below if isinstance(s, Label)}
        assert {"-1.25", "0.5", "7.5", "-200", "-2000"} <= texts


def test_scatter_view_ends_with_every_output_printed_zeros_included():
    """PyTorch gives 0 where no stamp lands; the last frame prints it, earlier frames do not."""
    spec = ConvSpec(input_size=3, kernel=2, stride=3, transposed=True)  # outputs 2 and 5: no stamp
    board = build_board(spec, Reading.SCATTER)
    x, w = np.array([1.0, 2.0, 3.0]), np.array([1.0, -1.0])
    numbers = slice_numbers(board, x, w)
    last = numbers.frames[-1].outputs[0][board.upper.cells == Cell.OUTPUT]
    np.testing.assert_array_equal(last, reference.conv_transpose(x, w, spec))
    assert last[2] == 0
    assert np.isnan(numbers.frames[0].outputs[0][board.upper.cells == Cell.OUTPUT][2])


def test_ceil_mode_alt_text_and_a_foreign_pooling():
    """The alt text states the pooled shape; a pooling of another spec is refused."""
    import convanim
    from convanim.pipeline import drawing

    spec = ConvSpec(input_size=5, kernel=2, stride=2)
    pooling = Pooling(spec, "avg", ceil_mode=True)
    assert "giving a 3 output" in convanim.animate(spec, pooling=pooling).alt
    other = Pooling(ConvSpec(input_size=7, kernel=2, stride=2), "max")
    with pytest.raises(ConvanimError, match="pools another spec"):
        drawing(spec, pooling=other)


def test_given_numbers_are_real_and_short_enough_for_a_cell():
    """A cell prints numbers below a million readably: -999999.5 is taken, 1e6 and 1e308
    (309 digits) are refused naming the limit, complex numbers are refused (no NumPy warning,
    which the suite turns into an error)."""
    from convanim.story.values import given_array

    np.testing.assert_array_equal(
        given_array(given_numbers("-999999.5,0.25", "weights"), (2,), "weights"), [-999999.5, 0.25]
    )
    for text, shown in (("1,1e6", "1000000"), ("1e308,1", "1e+308")):
        with pytest.raises(ConvanimError) as caught:
            given_array(given_numbers(text, "bias_values"), (2,), "bias_values")
        assert str(caught.value) == (
            f"bias_values: a cell prints numbers below 1,000,000 readably, got {shown}: "
            "choose smaller values"
        )
    for complex_values in (np.array([1 + 2j, 3]), [1, 1j]):
        with pytest.raises(ConvanimError, match="input_values: must be real numbers"):
            given_array(complex_values, (2,), "input_values")


def test_printed_sums_a_cell_cannot_show_are_refused_naming_the_input():
    """Inputs a cell prints, whose sums it cannot: 9 taps of 200000 reach 1,800,000."""
    import convanim

    spec = ConvSpec(input_size=(3, 3), kernel=3)
    with pytest.raises(ConvanimError) as caught:
        convanim.animate(spec, input_values=np.full((3, 3), 200000.0), weights=np.ones((3, 3)))
    assert caught.value.argument == "input_values"
    assert "the sums reach 1800000" in str(caught.value)
    assert convanim.animate(spec, input_values=np.full((3, 3), 100000.0), weights=np.ones((3, 3)))


def test_animate_refuses_unknown_keywords_and_weights_of_a_pooling():
    import convanim

    spec = ConvSpec(input_size=(5, 5), kernel=3)
    with pytest.raises(ConvanimError) as caught:
        convanim.animate(spec, colour="red")
    assert caught.value.argument == "colour"
    assert "animate takes no such keyword; it takes spec, view, values, seed," in str(caught.value)
    assert str(caught.value).endswith("cell, from_input, grad, grad_values, format")
    with pytest.raises(ConvanimError, match="weights: pooling has no weights"):
        convanim.animate(spec, pooling=Pooling(spec, "max"), weights=np.ones((3, 3)))


def test_animate_takes_view_values_and_seed_by_position_and_help_lists_every_keyword():
    """As a notebook user calls it and reads it: positional view, values, seed still work,
    and help() shows each keyword with its default rather than **options."""
    import pydoc
    import re

    import convanim

    spec = ConvSpec(input_size=(5, 5), kernel=3)
    by_position = convanim.animate(spec, "flat", True, 4)
    assert by_position.data == convanim.animate(spec, view="flat", values=True, seed=4).data
    assert by_position.data != convanim.animate(spec, view="flat", values=True, seed=5).data
    with pytest.raises(TypeError):
        convanim.animate(spec, "flat", view="flat")
    shown = pydoc.render_doc(convanim.animate, renderer=pydoc.plaintext)
    for keyword in ("view", "reading", "ceil_mode", "max_pixels", "format"):
        assert re.search(rf"\b{keyword}: [^=]+ = ", shown), keyword
    assert "**options" not in shown


def _wcag_contrast(first, second) -> float:
    """WCAG 2's contrast ratio, written out here from its definition."""

    def luminance(rgb):
        linear = [
            v / 255 / 12.92 if v / 255 <= 0.04045 else ((v / 255 + 0.055) / 1.055) ** 2.4
            for v in rgb
        ]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("view", ["canvas", "flat", "stack"])
def test_every_static_value_reads_on_its_cell_read_or_unread(theme, view):
    """Stride 3 over 5 cells leaves cells unread (drawn pale): their numbers must read on
    the pale fill as the others do on theirs (WCAG 3:1, the floor for large text)."""
    from convanim.draw.frames import CellShape, Label, Role
    from convanim.draw.style import Style
    from convanim.pipeline import drawing
    from convanim.story.values import ValueSource

    spec = ConvSpec(input_size=(5, 5), kernel=2, stride=3)
    laid_out, _ = drawing(spec, view=view, values=ValueSource(), style=Style(theme=theme))
    cells = [s for s in laid_out.lower if isinstance(s, CellShape) and s.fill is not None]
    labels = [s for s in laid_out.lower if isinstance(s, Label) and s.role is Role.VALUE]
    pale = 0
    for label in labels:
        (cell,) = [s for s in cells if _inside(label.centre, s.corners)]
        assert _wcag_contrast(label.colour, cell.fill) >= 3.0, (label.text, cell.position)
        pale += cell.fill != laid_out.lower[0].fill  # not every cell shares the first's fill
    assert len(labels) == 25 + (4 if view == "stack" else 0) and pale > 0  # 2x2 weights
