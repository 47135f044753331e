"""Bad input as a user types it, through the real program: one error line, exit 2, nothing left.

Each case runs ``python -m convanim`` in an empty folder and checks: exit code 2,
exactly one line on stderr and it starts with ``error:``, no traceback, nothing on
stdout, and no file or folder created anywhere under the working folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

NAN_INPUT = ",".join(["nan"] * 24 + ["1"])
ONES = ",".join(["1"] * 36)  # two 3x3 input channels; 2x2 3x3 weight slices
SCATTER_BEYOND = [  # printable sums, which the bias takes past what a cell prints
    *[
        "gif",
        "-t",
        "--i",
        "3",
        "--cin",
        "2",
        "--cout",
        "2",
        "--bias",
        "--reading",
        "scatter",
        "--input-values",
    ],
    ONES[:35],
    "--weights",
    ONES,
    "--bias-values",
    "999999,0",
]

CASES = [
    # shape: arithmetic, any size, answers at once
    (["shape", "--k", "0"], "--k (axis 0): must be positive"),
    (["shape", "--p", ":"], "--p: expected an integer"),
    (["shape", "--p", "same,valid"], "--p: a padding name applies to every axis"),
    (["shape", "--p", "{kernel}"], "got '{kernel}'"),
    (["shape", "--i", "5,5,5", "--k", "3,3"], "--k: has 2 values but the spec has 3 axes"),
    (["shape", "--op", "1"], "--op (axis 0): only applies to a transposed convolution"),
    (["shape", "--dims", "0"], "Invalid value for '--dims'"),
    (["shape", "--k"], "Option '--k' requires an argument"),
    (["shape", "--bogus"], "No such option: --bogus"),
    (["shape", "-t", "--i", "1", "--k", "1", "--p", "5"], "--p (axis 0): the output is empty"),
    (["shape", "-t", "--s", "0"], "--s (axis 0): must be positive, got 0"),
    # channels and --layer: PyTorch's rules; layer text is read, never run
    (["shape", "--cin", "3", "--groups", "2"], "--cin: must be divisible by --groups (2), got 3"),
    (["shape", "--layer", "__import__('os').system('touch pwned')"], '--layer: "__import__'),
    (
        ["shape", "--layer", "nn.Conv2d(open('pwned', 'w'), 1, 3)"],
        "in_channels: expected a literal",
    ),
    (["shape", "--layer", "nn.Conv2d(1, 1, 3).weight"], "expected one of Conv1d, Conv2d"),
    (["shape", "--layer", "nn.Conv2d(1, 1, 3)" + " " * 500], "longer than 500 characters"),
    (["shape", "--layer", "nn.Conv2d(3, 4, 3, groups=2)"], "in_channels: must be divisible by"),
    (["shape", "--layer", "nn.Conv2d(1, 1, 3)", "--i", "5,5,5"], "--i: has 3 values but --layer"),
    (["shape", "--layer", "nn.Conv1d(1, 1, 3)", "--k", "5"], "--k: --layer sets it already"),
    (["gif", "--cin", "2", "--view", "canvas"], "--view: draws one channel; a layer with 2 input"),
    (["gif", "--layer", "nn.MaxPool2d(2)", "--pool", "avg"], "--pool: --layer is a pooling layer"),
    (["gif", "--cin", "3", "--view", "volume", "--values"], "--values: the volume view prints no"),
    (["gif", "--cin", "2", "--view", "stack", "--reading", "scatter"], "--reading: the scatter"),
    (["gif", "--reading", "scatter", "-t"], "--reading: reads the stack and volume views"),
    (["gif", "--cin", "64", "--cout", "64"], "--cin: 8119x11256 px frames exceed the budget"),
    (["gif", "--preset", "separable", "-t"], "--preset: separable is a pair of convolutions"),
    (["gif", "--preset", "pointwise", "--k", "3"], "--k: a pointwise layer has a 1x1 kernel"),
    (["gif", "--preset", "depthwise", "--groups", "2"], "--groups: --preset sets it already"),
    (["overlap", "--preset", "separable"], "--preset: separable is two layers"),
    (["overlap", "--layer", "nn.Conv2d(1, 1, 3)"], "but this command takes a transposed"),
    # gif: budgets before anything proportional to the size is made
    (["gif", "--i", "1000000000"], "--i: 999999996000000004 frames exceed the budget of 2500"),
    (["gif", "--i", "100000", "--k", "3"], "raise it with --max-frames"),
    (["gif", "--pool", "max", "--i", "100000", "--k", "3"], "raise it with --max-frames"),
    (["gif", "--values", "--seed", "-1"], "--seed: must be a non-negative integer"),
    (["gif", "--duration", "0"], "Invalid value for '--duration'"),
    (["gif", "--width", "1"], "Invalid value for '--width'"),
    (["gif", "--max-frames", "0"], "Invalid value for '--max-frames'"),
    (["gif", "--view", "nope"], "Invalid value for '--view'"),
    (["gif", "--theme", "nope"], "Invalid value for '--theme'"),
    (["gif", "--transparent", "-o", "out/x.mp4"], "--transparent: .mp4 has no transparency"),
    (["gif", "-o", "out/x.bmp"], "-o: out/x.bmp: the extension must be one of"),
    (["gif", "--op", "1,0,0", "-t", "--s", "2"], "--op: gives 3 axes, but a picture has 1 or 2"),
    (["gif", "--pool", "max", "--weights", "1"], "--weights: pooling has no weights"),
    (["gif", "--cin", "3", "--bias-values", "1,2"], "--bias-values: the layer has no bias: add"),
    (
        ["gif", "--cin", "3", "--cout", "2", "--bias", "--bias-values", "1"],
        "--bias-values: needs 2 values for 2 output channels, got 1",
    ),
    (["gif", "--cin", "3", "--bias", "--bias-values", "x"], "--bias-values: expected comma-sep"),
    (["gif", "--pool", "max", "--bias-values", "1"], "--bias-values: pooling has no bias: drop"),
    (
        ["gif", "--layer", "nn.Conv2d(3, 2, 3, bias=False)", "--bias-values", "1,2"],
        "--bias-values: the layer has no bias: add bias=True in --layer",
    ),
    (
        SCATTER_BEYOND,
        # the middle output: 999999 + 9 stamps of 1 from each of the 2 input channels
        "--bias-values: the sums reach 1000017, and a cell prints numbers below 1,000,000",
    ),
    (["gif", "--no-count-include-pad"], "--no-count-include-pad: only average pooling"),
    (["gif", "--ceil-mode"], "--ceil-mode: only pooling (--pool) has a ceil mode"),
    (["gif", "--input-values", NAN_INPUT], "--input-values: must be finite numbers"),
    (
        ["gif", "--input-values", ",".join(["999999"] * 25), "--weights", ONES[:17]],
        "--input-values: the sums reach 8999991, and a cell prints numbers below 1,000,000",
    ),
    # numbers a cell cannot print readably, what a picture would leave out, PyTorch's words
    (
        ["gif", "--cout", "2", "--bias", "--bias-values", "1e308,-1e308"],
        "--bias-values: a cell prints numbers below 1,000,000 readably, got 1e+308",
    ),
    (["gif", "--cout", "2", "--bias", "--bias-values", "1e9,1"], "readably, got 1e+09"),
    (["gif", "--weights", "1,1,1,1,-1e6,1,1,1,1"], "--weights: a cell prints numbers below"),
    (["gif", "--input-values", ONES[:47] + ",1e6"], "--input-values: a cell prints numbers"),
    (
        ["gif", "--layer", "nn.MaxPool2d(3)", "--weights", ONES[:17]],
        "--weights: pooling has no weights: drop --weights or --layer",
    ),
    (
        ["gif", "--bias", "--view", "canvas"],
        "--bias: the one-slice views draw no bias: draw it with --view stack",
    ),
    (
        ["gif", "--layer", "nn.Conv2d(1, 1, 3)", "--view", "flat"],
        "--layer: 'nn.Conv2d(1, 1, 3)' has a bias, which --view stack draws: add bias=False",
    ),
    (
        ["gif", "--pool", "max", "--i", "2", "--k", "3", "--s", "3", "--ceil-mode"],
        "--k (axis 0): the dilated kernel spans 3 cells, more than the 2 cells of the padded "
        "input; in ceil mode too (convanim's rule",
    ),
    (
        ["shape", "--layer", "nn.MaxPool2d(3, ceil_mode=True)", "--i", "2"],
        "the 2 cells of the padded input; in ceil mode too (convanim's rule",
    ),
    (
        ["gif", "--pool", "max", "--i", "1", "--k", "2", "--d", "2", "--p", "1"],
        "--p (axis 0): a pooling window would cover only padding (PyTorch gives -inf there; "
        "convanim's own rule",
    ),
    (
        [
            "shape",
            "--layer",
            "Conv2d(1, 1, kernel_size=(3, 3), padding=same, padding_mode=reflect)",
        ],
        "padding_mode: convanim pads with zeros only ('zeros'), got 'reflect' (with padding 0",
    ),
    (["gif", "--overlap"], "--overlap: the overlap frame closes a scatter view"),
    (["gif", "--view", "scatter"], "--view: the scatter view needs a transposed spec (-t)"),
    (["gif", "--i", "40", "--dims", "1", "--width", "50"], "--width: 1.16 px per cell"),
    (["gif", "--pool", "max", "--d", "2", "--p", "2"], "--p (axis 0): pooling pads at most half"),
    (["gif", "--k", "3", "--d", "1000"], "--d: 96116x64188 px frames (2001 cells across)"),
    (["gif", "--i", "1", "--k", "10001", "--p", "5000"], "--k: 480116x320188 px frames"),
    (["gif", "-t", "--view", "scatter", "--i", "50", "--k", "50", "--s", "50"], "--i: 120068x"),
    (["gif", "--duration", "100000000"], "--duration: must be at most 655350 ms"),
    # stills and the SVG's automatic theme
    (["gif", "--frame", "0"], "--frame: must be a frame number from 1 to 9"),
    (["gif", "--frame", "10", "-o", "out/a.svg"], "--frame: must be a frame number from 1 to 9"),
    (["gif", "--frame", "x"], "Invalid value for '--frame'"),
    (["gif", "--frame", "2", "-o", "out/a.gif"], "-o: out/a.gif: a still frame is written as"),
    (["gif", "--theme", "auto", "-o", "out/a.webp"], "--theme: auto follows the reader's"),
    (["gif", "--theme", "auto", "--frame", "1", "-o", "a.pdf"], "--theme: auto follows"),
    # gallery, overlap, matrix
    (["gallery", "-o", "afile"], "-o: afile is a file, not a folder"),
    (["overlap", "--i", "5,5,5"], "--i: gives 3 axes, but a picture has 1 or 2"),
    (["overlap", "-o", "x.gif"], "-o: x.gif: a figure is written as .png, .svg, .pdf"),
    (["overlap", "-o", "x.txt"], "-o: x.txt: a figure is written as"),
    (["overlap", "--i", "100000", "--k", "3"], "--i: the overlap map would count"),
    (["matrix", "-o", "x.txt"], "-o: x.txt: a figure is written as"),
    (["matrix", "--animate", "-o", "x.svg"], "-o: x.svg: the matrix animation is written as"),
    (["matrix", "--i", "200", "--k", "3"], "--i: a 39204x40000 matrix is unreadable"),
    # scenes: refused before Manim starts
    (["scene"], "NAME: name a scene"),
    (["scene", "bogus"], "NAME: no scene 'bogus'"),
    (["scene", "convolution", "--i", "30"], "--i: the ConvolutionScene would take 225 steps"),
    (["scene", "convolution", "-o", "x.txt"], "-o: x.txt: a mp4 scene is written as .mp4"),
    (["scene", "convolution", "--seed", "-1"], "--seed: must be a non-negative integer"),
]


def _everything(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*")}


@pytest.mark.parametrize(("args", "message"), CASES, ids=[" ".join(a)[:60] for a, _ in CASES])
def test_bad_input_gets_one_error_line_exit_2_and_leaves_nothing(tmp_path, args, message):
    (tmp_path / "afile").write_text("not a folder")
    before = _everything(tmp_path)
    environment = {**os.environ, "COLUMNS": "80"}
    done = subprocess.run(
        [sys.executable, "-m", "convanim", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
    )
    lines = done.stderr.splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert message in lines[0]
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert _everything(tmp_path) == before
