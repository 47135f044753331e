"""``convanim gif --grad input|weight|bias``: the backward pass through the command line.

Each gradient in ``--json`` is checked against the independent NumPy reference: the loss
``<y, dy>`` is linear in x and in w, so ``dx[i]`` and ``dw[k]`` are the loss at unit
tensors, computed with ``tests/reference.py``'s convolutions; ``db`` is dy summed. The
picture written beside prints the gradient it shows.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import reference
from typer.testing import CliRunner

from convanim.cli import app
from convanim.geometry import ConvSpec
from convanim.story.values import number_text

RUNNER = CliRunner()

LAYERS = {
    "guide default": (["--k", "3", "--s", "2", "--p", "1"], ConvSpec((5, 5), 3, 2, 1)),
    "an unread column": (["--i", "6", "--k", "3", "--s", "2"], ConvSpec((6, 6), 3, 2)),
    "dilated, padded before": (
        ["--i", "5", "--k", "2", "--d", "2", "--p", "1:0"],
        ConvSpec((5, 5), 2, padding=((1, 0), (1, 0)), dilation=2),
    ),
    "transposed": (
        ["--i", "3", "--k", "3", "--s", "2", "--p", "1", "-t"],
        ConvSpec((3, 3), 3, 2, 1, transposed=True),
    ),
    "transposed, output padding": (
        ["--i", "2", "--k", "3", "--s", "2", "--op", "1", "-t"],
        ConvSpec((2, 2), 3, 2, output_padding=1, transposed=True),
    ),
    "1-D": (["--i", "7", "--k", "3", "--s", "2", "--dims", "1"], ConvSpec(7, 3, 2)),
}


def gif(*args: str) -> tuple[int, str, str]:
    result = RUNNER.invoke(app, ["gif", *args])
    return result.exit_code, result.stdout, result.stderr


def forward(spec: ConvSpec, x, w) -> np.ndarray:
    op = reference.conv_transpose if spec.transposed else reference.conv
    return op(x, w, spec)


def unit(shape, index) -> np.ndarray:
    one = np.zeros(shape)
    one[index] = 1.0
    return one


@pytest.mark.parametrize("grad", ["input", "weight"])
@pytest.mark.parametrize("name", list(LAYERS))
def test_the_gradients_are_the_references_and_the_picture_prints_them(name, grad, tmp_path):
    args, spec = LAYERS[name]
    path = tmp_path / "g.svg"
    code, out, err = gif(*args, "--grad", grad, "--json", "--theme", "auto", "-o", str(path))
    assert code == 0, err
    record = json.loads(out)
    assert sorted(record) == ["dw", "dx", "dy", "w", "x", "y"]
    x, w, y, dy = (np.array(record[key])[0] for key in ("x", "w", "y", "dy"))
    w = w[0]
    np.testing.assert_array_equal(y, forward(spec, x, w))
    dx = [np.sum(forward(spec, unit(x.shape, i), w) * dy) for i in np.ndindex(x.shape)]
    dw = [np.sum(forward(spec, x, unit(w.shape, k)) * dy) for k in np.ndindex(w.shape)]
    np.testing.assert_array_equal(np.array(record["dx"])[0], np.reshape(dx, x.shape))
    np.testing.assert_array_equal(np.array(record["dw"])[0, 0], np.reshape(dw, w.shape))
    shown = np.array(record["dx" if grad == "input" else "dw"])
    text = path.read_text(encoding="utf-8")
    assert re.search(f"<title>[^<]*the {grad} gradient of the ", text)  # its alt text
    printed = re.findall(r">(-?[0-9.]+)</text>", text)
    assert {number_text(value) for value in shown.ravel()} <= set(printed)


def test_the_bias_gradient_sums_dy_and_the_given_numbers_are_used(tmp_path):
    dy = "1,-2,3,4"
    args = ["--i", "4", "--k", "3", "--s", "2", "--p", "1", "--bias", "--bias-values", "5"]
    out_file = str(tmp_path / "b.gif")
    code, out, err = gif(*args, "--grad", "bias", "--grad-values", dy, "--json", "-o", out_file)
    assert code == 0, err
    record = json.loads(out)
    assert record["dy"] == [[[1.0, -2.0], [3.0, 4.0]]] and record["db"] == [6.0]
    x, w = np.array(record["x"])[0], np.array(record["w"])[0, 0]
    spec = ConvSpec((4, 4), 3, 2, 1)
    np.testing.assert_array_equal(np.array(record["y"])[0], reference.conv(x, w, spec) + 5)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_a_copying_layer_s_dw_is_the_reference_s_drawn_on_its_padded_input(mode, tmp_path):
    """The weights met x padded, copies and all: the picture draws that input, named so,
    and prints the reference's dw; its db picture is drawn too."""
    args = ["--i", "5", "--k", "3", "--s", "2", "--p", "1", "--padding-mode", mode]
    spec = ConvSpec((5, 5), 3, 2, 1, padding_mode=mode)
    path = tmp_path / "g.svg"
    code, out, err = gif(*args, "--grad", "weight", "--json", "-o", str(path))
    assert code == 0, err
    record = json.loads(out)
    x, w, dy = (np.array(record[key])[0] for key in ("x", "w", "dy"))
    w = w[0]
    dw = [np.sum(forward(spec, x, unit(w.shape, k)) * dy) for k in np.ndindex(w.shape)]
    np.testing.assert_array_equal(np.array(record["dw"])[0, 0], np.reshape(dw, w.shape))
    text = path.read_text(encoding="utf-8")
    assert f">{mode}-padded x 7x7</text>" in text
    printed = set(re.findall(r">(-?[0-9.]+)</text>", text))
    shown = np.r_[np.ravel(dw), reference.pad(x, 1, mode).ravel()]
    assert {number_text(value) for value in shown} <= printed
    bias = gif(*args, "--bias", "--grad", "bias", "-o", str(tmp_path / "b.svg"))
    assert bias[0] == 0, bias[2]


CHANNEL_LAYERS = {
    "groups and a bias": (
        ["--i", "4", "--k", "3", "--p", "1", "--cin", "4", "--cout", "2", "--groups", "2"],
        ConvSpec((4, 4), 3, padding=1, in_channels=4, out_channels=2, groups=2, bias=True),
    ),
    "transposed, strided": (
        ["--i", "3", "--k", "3", "--s", "2", "--cin", "2", "--cout", "3", "-t"],
        ConvSpec((3, 3), 3, 2, in_channels=2, out_channels=3, transposed=True, bias=True),
    ),
}


@pytest.mark.parametrize(
    ("name", "reading"),
    [
        ("groups and a bias", "gather"),
        ("groups and a bias", "scatter"),  # dx stamps: a convolution's transpose
        ("transposed, strided", "gather"),  # dx is a convolution, which gathers
    ],
)
def test_a_layer_with_channels_sends_dy_back_through_its_transpose(name, reading, tmp_path):
    """dx and db of layers with channels and groups, drawn in the stack view: each entry
    the loss at a unit tensor through the grouped reference; db dy summed per channel."""
    args, spec = CHANNEL_LAYERS[name]
    path = tmp_path / "g.svg"
    code, out, err = gif(
        *args, "--bias", "--grad", "input", "--reading", reading, "--json", "-o", str(path)
    )
    assert code == 0, err
    record = json.loads(out)
    x, w, b, dy = (np.array(record[key]) for key in ("x", "w", "b", "dy"))
    op = reference.conv_transpose_grouped if spec.transposed else reference.conv_grouped
    np.testing.assert_array_equal(np.array(record["y"]), op(x, w, spec, b))
    dx = [np.sum(op(unit(x.shape, i), w, spec) * dy) for i in np.ndindex(x.shape)]
    np.testing.assert_array_equal(np.array(record["dx"]), np.reshape(dx, x.shape))
    np.testing.assert_array_equal(np.array(record["db"]), dy.sum(axis=(1, 2)))
    printed = set(re.findall(r">(-?[0-9.]+)</text>", path.read_text(encoding="utf-8")))
    assert {number_text(value) for value in np.ravel(record["dx"])} <= printed
    code, out, err = gif(*args, "--bias", "--grad", "bias", "--json", "-o", str(path))
    assert code == 0, err
    printed = set(re.findall(r">(-?[0-9.]+)</text>", path.read_text(encoding="utf-8")))
    assert {number_text(value) for value in json.loads(out)["db"]} <= printed


@pytest.mark.parametrize("name", list(CHANNEL_LAYERS))
def test_a_layer_with_channels_has_one_dw_frame_per_weight_summing_the_references_dw(
    name, tmp_path
):
    """dw of a grouped convolution and of a transposed layer with channels: every entry
    the loss at a unit weight through the grouped reference, in PyTorch's layout; the
    picture has one frame per weight and the totals it prints ("= ...") are dw's entries,
    each output channel tagged with the weights it holds."""
    args, spec = CHANNEL_LAYERS[name]
    path = tmp_path / "g.svg"
    result = RUNNER.invoke(
        app, ["gif", *args, "--bias", "--grad", "weight", "--json", "-o", str(path)]
    )
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    assert sorted(record) == ["b", "db", "dw", "dx", "dy", "w", "x", "y"]
    x, w, dy = (np.array(record[key]) for key in ("x", "w", "dy"))
    np.testing.assert_array_equal(record["db"], dy.sum(axis=(1, 2)))
    assert w.shape == spec.weight_shape
    op = reference.conv_transpose_grouped if spec.transposed else reference.conv_grouped
    dw = [np.sum(op(x, unit(w.shape, k), spec) * dy) for k in np.ndindex(w.shape)]
    np.testing.assert_array_equal(np.array(record["dw"]), np.reshape(dw, w.shape))
    assert f"g.svg: {w.size} frames," in result.stderr
    text = path.read_text(encoding="utf-8")
    totals = set(re.findall(r">= (-?[0-9.]+)</text>", text))
    assert totals == {number_text(value) for value in np.ravel(dw)}
    output, filters = ("dw[i,o]", "x[i]") if spec.transposed else ("dw[o,i]", "dy[o]")
    assert f">{output} " in text and f">{filters} " in text
    tags = {f">{a},{b}</text>" for a, b in np.ndindex(w.shape[:2])}
    assert all(tag in text for tag in tags)


@pytest.mark.parametrize("grad", ["input", "weight"])
def test_given_numbers_are_the_ones_sent_back(grad, tmp_path):
    """x, w and dy as typed: dw of a 3x3 input and a 2x2 kernel by hand."""
    args = ["--i", "3", "--k", "2", "--input-values", "1,2,3,4,5,6,7,8,9", "--weights", "1,0,0,-1"]
    out_file = str(tmp_path / "g.gif")
    code, out, err = gif(
        *args, "--grad", grad, "--grad-values", "1,0,0,1", "--json", "-o", out_file
    )
    assert code == 0, err
    record = json.loads(out)
    assert record["x"] == [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]
    assert record["dy"] == [[[1.0, 0.0], [0.0, 1.0]]]
    # dw[k] = x[k] * dy[0, 0] + x[k + (1, 1)] * dy[1, 1]: the top-left and bottom-right windows.
    assert record["dw"] == [[[[1.0 + 5.0, 2.0 + 6.0], [4.0 + 8.0, 5.0 + 9.0]]]]
    # dx: w stamped at (0, 0) and at (1, 1), each scaled by 1.
    assert record["dx"] == [[[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, -1.0]]]


def test_the_default_name_says_the_layer_and_the_gradient(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = gif("--k", "3", "--s", "2", "--p", "1", "--grad", "input")
    assert code == 0, err
    assert out.startswith("renders/conv_i5_k3_s2_p1_gradinput.gif: 25 frames")


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["--grad", "input", "--grad-values", "1,2"],
            "--grad-values: needs 9 values for 3x3, got 2",
        ),
        (
            ["--grad", "input", "--grad-values", "1,1,1,1,1,1,1,1,nan"],
            "--grad-values: must be finite",
        ),
        (["--grad", "bias"], "--grad: the layer has no bias: add --bias"),
        (["--grad", "weight", "--view", "scatter"], "--view: dw and db gather"),
        (
            ["--grad", "weight", "--cin", "2", "--reading", "scatter"],
            "--reading: dw and db gather (each weight sums what it met): drop the scatter --reading",
        ),
        (["--grad", "input", "--cin", "2", "--view", "canvas"], "--view: a gradient with channels"),
        (
            ["--grad", "weight", "--cin", "2", "--view", "volume"],
            "--view: a gradient with channels",
        ),
        (
            ["--grad", "weight", "--cin", "8", "--cout", "8", "--k", "7", "--i", "9"],
            "--cin: 3136 frames (one per weight) exceed the budget of 2500",
        ),
        (["--grad", "weight", "--max-frames", "8"], "--k: 9 frames (one per weight) exceed"),
        (
            ["--grad", "weight", "--cin", "2", "--grad-values", "1,2,3"],
            "--grad-values: needs 9 values for 1x3x3, got 3",
        ),
        (["--grad", "input", "--view", "stack"], "--view: a gradient of one channel is drawn"),
        (["--grad", "input", "-t", "--view", "scatter"], "--view: dx of a transposed layer"),
        (["--grad", "input", "--pool", "max"], "--grad: draws a convolution's backward pass"),
        (
            ["--grad", "input", "--padding-mode", "reflect"],
            "--grad: input draws zero padding only, got --padding-mode reflect",
        ),
        (["--grad-values", "1,2"], "--grad-values: are dy for a gradient's picture: add --grad"),
        (["--grad", "input", "--i", "300"], "--i: 90000 frames exceed the budget"),
    ],
)
def test_a_refused_gradient_is_one_error_line_and_no_file(args, line, tmp_path):
    path = tmp_path / "out" / "g.gif"
    code, out, err = gif("--k", "3", "--s", "2", "--p", "1", *args, "-o", str(path))
    assert code == 2 and out == ""
    assert err.startswith(f"error: {line}") and err.count("\n") == 1
    assert not path.parent.exists()
