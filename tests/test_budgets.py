"""Budgets from the arithmetic: any spec is answered or refused at once, in bounded memory,
and a refusal names what the user typed.

Each command runs the real program in a subprocess whose address space is capped
(``RLIMIT_AS``), so a budget checked too late fails with a MemoryError or a kill
instead of swapping the machine.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from convanim import ConvanimError, ConvSpec, canvas, taps
from convanim.geometry import VIEW_MAX_ENTRIES
from convanim.geometry.axis import AxisSpec

MEMORY_LIMIT = 2 << 30  # bytes of address space for each run of the program
HUGE = "99999999999999999999999999"


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "convanim", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "80"},
        preexec_fn=_limited,
    )


ANSWERED = [
    # (arguments, a line the answer holds)
    (["shape", "--layer", f"nn.Conv2d(1,1,{HUGE})"], f"{HUGE}x{HUGE} -> 1x1"),
    (["shape", "--k", HUGE], f"{HUGE}x{HUGE} -> 1x1"),
    (["shape", "--k", "100000000"], "100000000x100000000 -> 1x1"),
    (["shape", "--k", "100000000", "--s", "100000001", "--d", "7"], "(0, 1), (0, 2)"),
    (["shape", "--layer", f"nn.MaxPool2d({HUGE})"], "max pooling:"),
]


@pytest.mark.parametrize(
    ("args", "expected"), ANSWERED, ids=[" ".join(a)[:50] for a, _ in ANSWERED]
)
def test_shape_answers_a_huge_spec_in_bounded_memory(tmp_path, args, expected):
    done = _run(tmp_path, *args)
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout


def test_shape_json_of_a_huge_kernel_counts_in_closed_form(tmp_path):
    """k = 10^8 on the guide's default input of 10^8 cells: one output reads every cell."""
    done = _run(tmp_path, "shape", "--k", "100000000", "--dims", "1", "--json")
    record = json.loads(done.stdout)
    assert record["output_size"] == [1]
    assert record["unread_count"] == 0
    assert record["multiply_accumulates"] == 100_000_000


REFUSED = [
    # (arguments, the start of the one error line)
    (["shape", "--dims", "1000000000"], "error: --dims: gives 1,000,000,000 axes; a spec has at"),
    (["shape", "--dims", "100000"], "error: --dims: gives 100,000 axes"),
    (["shape", "--k", ",".join(["1"] * 17)], "error: --k: gives 17 axes"),
    (
        ["shape", "--k", "100000000", "--s", "100000001", "--d", "100000", "--i", "10" + "0" * 21],
        "error: --k (axis 0): 100000000 with --s 100000001 and --d 100000: the cells it reads",
    ),
    (["gif", "--cin", "99999999999999999999999"], "error: --cin: "),
    (["gif", "--cin", "100000", "--cout", "100000"], "error: --cout: 900000 frames"),
    (
        ["gif", "--layer", "nn.Conv2d(1000000000,1000000000,3)"],
        "error: --layer: out_channels: 9000000000 frames",
    ),
    (["gif", "--layer", "nn.Conv2d(1,1,3,dilation=1000000)"], "error: --layer: dilation: "),
    (["gif", "--layer", "nn.Conv2d(1,1,1000000)"], "error: --layer: kernel_size: "),
    (["gif", "--preset", "separable", "--pool", "max"], "error: --pool: pooling draws one"),
    (["gif", "--preset", "depthwise", "--cin", "3000"], "error: --cin: 27000 frames"),
    # a gradient's picture: budgets before x, w and dy (here 576 million entries each) are made
    (
        ["gif", "--grad", "input", "--cin", "64", "--cout", "64", "--i", "3000"],
        "error: --i: 576000000 frames (one per output channel and output cell) exceed",
    ),
    (
        ["gif", "--grad", "bias", "--bias", "--cin", "64", "--cout", "64", "--i", "3000"],
        "error: --i: 1,150,464,576 cells of at least",
    ),
    (
        ["gif", "--grad", "weight", "--cin", "64", "--cout", "64", "--i", "3000"],
        "error: --cin: 36864 frames (one per weight) exceed",
    ),
    (["gif", "--grad", "input", "--i", "3000"], "error: --i: 9000000 frames exceed"),
    # 3-D pictures: their depth slices' cells are counted before any slice is laid out
    (["gif", "--i", "3000", "--k", "2999", "--dims", "3"], "error: --i: 27,000,000,008 cells of"),
    (["gif", "--layer", "nn.Conv3d(1, 1, 3, dilation=1000000)"], "error: --layer: dilation: "),
    (["gif", "--layer", "nn.MaxPool3d(2)", "--i", "3000"], "error: --i: 3375000000 frames"),
    (["gif", "-t", "--s", HUGE], "error: --s (axis 0): canvas counts cells in 64-bit integers"),
    (["overlap", "--s", HUGE], "error: --s (axis 0): overlap_counts counts cells in 64-bit"),
    (["matrix", "-t", "--s", HUGE], "error: --s (axis 0): taps counts cells in 64-bit integers"),
]


@pytest.mark.parametrize(("args", "message"), REFUSED, ids=[" ".join(a)[:50] for a, _ in REFUSED])
def test_a_spec_over_a_budget_is_refused_in_one_line_naming_what_was_typed(tmp_path, args, message):
    done = _run(tmp_path, *args)
    lines = done.stderr.splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(message)
    assert done.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_a_separable_preset_of_one_channel_is_drawn_as_channels(tmp_path):
    """Nobody typed --view: the pair is drawn in the stack view, as with more channels."""
    done = _run(tmp_path, "gif", "--preset", "separable", "--cin", "1", "-o", "pair.gif")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "pair.gif").stat().st_size > 0
    assert "-> 2x3x3" in done.stdout  # the pointwise layer's two output channels


@pytest.mark.parametrize(
    ("view", "spec", "entries"),
    [
        # 99,998^2 outputs with 9 taps each: 3 arrays of 2 columns, and the output positions
        (
            taps,
            ConvSpec(input_size=(10**5, 10**5), kernel=3),
            6 * (99_998 * 3) ** 2 + 2 * 99_998**2,
        ),
        # a 149,955-cell canvas per axis (3000 cells, 49 zeros between each two, 2 + 2
        # padding), 12 entries per grid cell (9, and the 2 columns of the input cell each
        # holds and whether it is a copy); the input cells and kernel taps, 2 columns
        (
            canvas,
            ConvSpec(input_size=(3000, 3000), kernel=3, transposed=True, stride=50),
            12 * 149_955**2 + 2 * (3000**2 + 9),
        ),
    ],
)
def test_public_views_refuse_over_the_budget_before_allocating(view, spec, entries):
    with pytest.raises(ConvanimError, match="VIEW_MAX_ENTRIES") as refusal:
        view(spec)
    assert f"would hold {entries:,} array entries" in str(refusal.value)
    assert refusal.value.argument == "input_size"  # the input makes the arrays large
    assert entries > VIEW_MAX_ENTRIES
    assert not spec._views  # nothing was built or cached


def test_a_view_refusal_names_the_widest_term():
    """The guide's input grows to fit a 20,000-cell kernel: the kernel is what to change."""
    spec = ConvSpec(input_size=(20_000, 20_000), kernel=20_000)
    with pytest.raises(ConvanimError, match="VIEW_MAX_ENTRIES") as refusal:
        canvas(spec)
    assert refusal.value.argument == "kernel"


def _brute_axis(axis: AxisSpec) -> tuple[int, set[int], set[int]]:
    """Valid pairs, read inputs and outputs that read a real cell, by enumeration."""
    pairs, read, reaching = 0, set(), set()
    free = axis.size if axis.transposed else axis.output_size
    for f in range(free):
        for k in range(axis.kernel):
            position = f * axis.stride - axis.padding[0] + k * axis.dilation
            bound = axis.output_size if axis.transposed else axis.size
            if 0 <= position < bound:
                pairs += 1
                read.add(f if axis.transposed else position)
                reaching.add(position if axis.transposed else f)
    return pairs, read, reaching


# Dilations larger than the input (or output), strides and dilations sharing factors and not,
# and kernels longer than the stride's phases: each branch of the closed forms.
AXES = [
    AxisSpec(n, k, s, (pb, pa), d, op, transposed)
    for n in (1, 4, 11)
    for k in (1, 3, 7)
    for s in (1, 2, 6)
    for d in (1, 4, 9)
    for pb, pa in ((0, 0), (2, 5), (7, 1))
    for transposed in (False, True)
    for op in ((0, 1) if transposed else (0,))
    if op < max(s, d) and AxisSpec(n, k, s, (pb, pa), d, op, transposed).output_size >= 1
]


def test_the_closed_forms_agree_with_enumeration():
    for axis in AXES:
        pairs, read, reaching = _brute_axis(axis)
        assert axis.tap_count() == pairs, axis
        assert axis.read_count() == len(read), axis
        assert list(axis.unread_cells()) == sorted(set(range(axis.size)) - read), axis
        if not axis.transposed:
            assert axis.every_output_reads() == (len(reaching) == axis.output_size), axis
