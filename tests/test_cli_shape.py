"""`convanim shape`: arithmetic printed right, bad flags rejected in one line with exit code 2."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from convanim.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_shape_prints_output_size_formula_and_torch_layer():
    result = run("shape", "--k", "3", "--s", "2", "--p", "1")
    assert result.exit_code == 0
    assert "convolution: 5x5 -> 3x3" in result.output
    assert "floor((5 + 1 + 1 - 1*(3-1) - 1) / 2) + 1 = 3" in result.output
    assert "torch.nn.Conv2d(1, 1, kernel_size=3, stride=2, padding=1)" in result.output


def test_shape_transposed_odd_case_names_output_padding():
    result = run("shape", "--i", "3", "--k", "3", "--s", "2", "--p", "1", "--op", "1", "-t")
    assert result.exit_code == 0
    assert "transposed convolution: 3x3 -> 6x6" in result.output
    assert (
        "torch.nn.ConvTranspose2d(1, 1, kernel_size=3, stride=2, padding=1, output_padding=1)"
        in result.output
    )


def test_shape_reports_unread_cells_and_asymmetric_padding_caveat():
    result = run("shape", "--i", "6", "--k", "3", "--s", "2", "--p", "0:1,1")
    assert result.exit_code == 0
    assert "6x6 -> 3x3" in result.output
    assert "x = F.pad(x, (1, 1, 0, 1))" in result.output
    unread = run("shape", "--i", "6", "--k", "3", "--s", "2")
    assert "input cells never read: (0, 5), (1, 5)" in unread.output


def test_shape_json_record():
    result = run("shape", "--i", "5,7", "--k", "3", "--p", "same", "--json")
    assert result.exit_code == 0
    record = json.loads(result.output)
    assert record["input_size"] == [5, 7]
    assert record["output_size"] == [5, 7]
    assert record["padding"] == [[1, 1], [1, 1]]
    assert record["transposed"] is False


def test_shape_json_record_of_a_padding_mode():
    """A copying mode's record names it, and every tap multiplies an input value (a copy
    or the cell itself): 25 outputs times 9 taps, none lost to a zero."""
    result = run("shape", "--i", "5", "--k", "3", "--p", "1", "--padding-mode", "reflect", "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["padding_mode"] == "reflect"
    assert record["multiply_accumulates"] == record["dense_multiply_accumulates"] == 25 * 9
    assert record["unread_count"] == 0
    zeros = json.loads(run("shape", "--i", "5", "--k", "3", "--p", "1", "--json").output)
    assert zeros["padding_mode"] == "zeros"
    assert zeros["multiply_accumulates"] == 13 * 13  # per axis 5 x 3 taps, less the 2 on padding


def test_dims_flag_sets_number_of_axes():
    result = run("shape", "--i", "4", "--k", "3", "--dims", "3", "--json")
    assert json.loads(result.output)["output_size"] == [2, 2, 2]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--k", "x"],
            "error: --k: expected an integer or comma-separated integers like 5,7, got 'x'",
        ),
        (["--i", "2", "--k", "5"], "error: --k (axis 0): the dilated kernel spans 5 cells"),
        (["--s", "0"], "error: --s (axis 0): must be positive"),
        (["--p", "-1"], "error: --p (axis 0): must not be negative"),
        (["--p", "1:2:3"], "error: --p: expected an integer, one per axis (1,0), before:after"),
        (["--p", ":"], "error: --p: expected an integer, one per axis (1,0), before:after"),
        (["--p", "same,valid"], "error: --p: a padding name applies to every axis: give it alone"),
        (
            ["--p", "{kernel}"],
            "error: --p: expected an integer, one per axis (1,0), before:after per side (1:2), or one of valid, same, full; got '{kernel}'",
        ),
        (["--p", "same", "-t"], "error: --p: 'same' is not defined for a transposed"),
        (["--op", "1"], "error: --op (axis 0): only applies to a transposed convolution"),
        (
            ["--op", "2", "--s", "2", "-t"],
            "error: --op (axis 0): must be smaller than --s (2) or --d",
        ),
        (["--i", "5,5,5", "--k", "3,3"], "error: --k: has 2 values but the spec has 3 axes"),
        (
            ["--dims", "0"],
            "error: Invalid value for '--dims': Input should be greater than or equal to 1",
        ),
        (["--i", "40000", "--k", "3", "--json", "--bogus"], "error: No such option: --bogus"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, message):
    result = run("shape", *args)
    assert result.exit_code == 2
    assert result.output.strip() == message or result.output.startswith(message)
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_real_program_runs_as_module():
    done = subprocess.run(
        [sys.executable, "-m", "convanim", "shape", "--k", "3", "--s", "2", "--p", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert "5x5 -> 3x3" in done.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "convanim", "shape", "--k", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip() == "error: --k (axis 0): must be positive, got 0"


def test_version_and_help_list_the_commands():
    import convanim

    assert run("--version").output.strip() == f"convanim {convanim.__version__}"
    help_text = run("--help").output
    for command in ("shape", "gif", "deconvnet", "gallery", "scene", "overlap", "matrix"):
        assert command in help_text


def test_help_shows_no_type_for_a_switch_and_the_type_of_a_value():
    """--help, --install-completion and --show-completion take no value: no <bool> beside
    them, as beside the program's own switches; flags that take a value keep their type."""
    environment = {**os.environ, "COLUMNS": "160"}
    for command in ([], ["gif"], ["shape"]):
        done = subprocess.run(
            [sys.executable, "-m", "convanim", *command, "--help"],
            capture_output=True,
            text=True,
            check=True,
            env=environment,
        )
        assert "<bool>" not in done.stdout
        assert re.search(r"--help +Show this message", done.stdout)
        if command:
            assert re.search(r"--dims +<int range>", done.stdout)
        else:
            assert re.search(r"--install-completion +Install completion", done.stdout)


def test_an_unforeseen_refusal_of_the_system_is_one_error_line(monkeypatch):
    """The last net: an OSError that no rule turned into a ConvanimError still gets one line,
    in the system's words, and exit code 2."""
    import errno
    import os

    def refuse(op):
        raise OSError(errno.EIO, os.strerror(errno.EIO), "/dev/sdz")

    monkeypatch.setattr("convanim.cli.commands.shape_lines", refuse)
    result = run("shape")
    assert result.exit_code == 2
    assert result.output == "error: /dev/sdz: Input/output error\n"
