"""``convanim gif --values --json``: the numbers the picture prints, as JSON in PyTorch's
layouts, through the real program; the outputs against the independent NumPy reference, and
the file written beside them printing the same outputs."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest
import reference

from convanim.geometry import ConvSpec
from convanim.story.values import number_text


def run(*args: str, cwd) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "convanim", "gif", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def numbers(tmp_path, *args: str) -> dict:
    done = run(*args, "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith(args[args.index("-o") + 1])  # what was written, on stderr
    return json.loads(done.stdout)


def test_one_slice_numbers_are_the_reference_op_and_the_ones_the_svg_prints(tmp_path):
    record = numbers(tmp_path, "--k", "3", "--s", "2", "--p", "1", "--values", "-o", "a.svg")
    assert sorted(record) == ["w", "x", "y"]
    x, w, y = (np.array(record[name]) for name in ("x", "w", "y"))
    assert (x.shape, w.shape, y.shape) == ((1, 5, 5), (1, 1, 3, 3), (1, 3, 3))
    spec = ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1)
    np.testing.assert_array_equal(y[0], reference.conv(x[0], w[0, 0], spec))
    printed = re.findall(r">(-?[0-9.]+)</text>", (tmp_path / "a.svg").read_text())
    assert {number_text(v) for v in y.ravel()} <= set(printed)


def test_a_layer_with_channels_groups_and_bias_in_pytorchs_layout(tmp_path):
    args = ("--i", "4", "--k", "3", "--p", "1", "--cin", "4", "--cout", "2", "--groups", "2")
    record = numbers(tmp_path, *args, "--bias", "--values", "-o", "a.gif")
    x, w, b, y = (np.array(record[name]) for name in ("x", "w", "b", "y"))
    assert (x.shape, w.shape, b.shape, y.shape) == ((4, 4, 4), (2, 2, 3, 3), (2,), (2, 4, 4))
    spec = ConvSpec(input_size=(4, 4), kernel=3, padding=1, in_channels=4, out_channels=2, groups=2)
    np.testing.assert_array_equal(y, reference.conv_grouped(x, w, spec, b))


def test_a_transposed_layers_given_numbers_and_a_pooling(tmp_path):
    args = ("--i", "2", "--k", "2", "--s", "2", "-t", "--input-values", "1,2,3,4", "-o", "t.gif")
    record = numbers(tmp_path, *args)
    assert record["x"] == [[[1.0, 2.0], [3.0, 4.0]]]
    spec = ConvSpec(input_size=(2, 2), kernel=2, stride=2, transposed=True)
    x, w = np.array(record["x"])[0], np.array(record["w"])[0, 0]
    np.testing.assert_array_equal(np.array(record["y"])[0], reference.conv_transpose(x, w, spec))
    pooled = numbers(tmp_path, "--pool", "max", "--k", "3", "-o", "p.gif")
    assert sorted(pooled) == ["x", "y"]
    spec = ConvSpec(input_size=(5, 5), kernel=3)  # gif's stride stays 1 unless given
    np.testing.assert_array_equal(
        np.array(pooled["y"])[0], reference.pool(np.array(pooled["x"])[0], spec, "max")
    )


def test_a_separable_pair_chains_its_layers_numbers(tmp_path):
    record = numbers(tmp_path, "--preset", "separable", "--values", "-o", "s.gif")
    depthwise, pointwise = record["depthwise"], record["pointwise"]
    assert pointwise["x"] == depthwise["y"]  # the pointwise layer reads what depthwise made
    spec = ConvSpec(input_size=(5, 5), kernel=3, in_channels=3, out_channels=3, groups=3)
    x, w = np.array(depthwise["x"]), np.array(depthwise["w"])
    np.testing.assert_array_equal(np.array(depthwise["y"]), reference.conv_grouped(x, w, spec))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--k", "3"), "error: --json: writes the numbers the picture prints: add --values"),
        (
            ("--k", "3", "--values", "--markdown"),
            "error: --markdown: --json prints the numbers alone",
        ),
    ],
)
def test_json_refusals_leave_nothing(tmp_path, args, message):
    done = run(*args, "--json", "-o", "a.gif", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith(message), done.stderr
    assert list(tmp_path.iterdir()) == []
