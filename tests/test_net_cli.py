"""``convanim net`` through the real program: the JSON contract and the table against
hand-worked stacks and NumPy, and one ``error:`` line for every bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest


def run(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "convanim", "net", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_json_of_two_3x3_layers_and_a_pooling():
    done = run(
        "--layers",
        "nn.Conv2d(3, 8, 3); nn.ReLU(); nn.MaxPool2d(2); nn.Conv2d(8, 4, 3)",
        "--i",
        "12",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert [layer["name"] for layer in record["layers"]] == [
        "nn.Conv2d(3, 8, 3)",
        "nn.ReLU()",
        "nn.MaxPool2d(2)",
        "nn.Conv2d(8, 4, 3)",
    ]
    assert [layer["output_size"] for layer in record["layers"]] == [
        [10, 10],
        [10, 10],
        [5, 5],
        [3, 3],
    ]
    assert [layer["jump"] for layer in record["layers"]] == [[1, 1], [1, 1], [2, 2], [2, 2]]
    assert [layer["size"] for layer in record["layers"]] == [[3, 3], [3, 3], [4, 4], [8, 8]]
    field = record["field"]
    assert field["cell"] == [1, 1] and field["paths_exact"] is True
    # By hand along one axis: the last conv reads 3 pool windows, side by side (stride 2),
    # of 2 first-conv outputs each: 6 outputs once, each reading 3 inputs.
    one_axis = np.convolve(np.repeat(np.ones(3), 2), np.ones(3)).astype(int)  # 8 wide
    expected = np.zeros(12, dtype=int)
    expected[2 : 2 + len(one_axis)] = one_axis  # cell 1 of the last layer starts at input 2
    assert np.array(field["paths"]).tolist() == np.outer(expected, expected).tolist()
    assert field["input"] == {"box": [[2, 9], [2, 9]], "cells": 64, "holes": False}


def test_table_of_a_dilated_stack_names_every_layer_and_the_field():
    """WaveNet's dilations 1, 2, 4 without padding: the field doubles, with holes between."""
    done = run(
        "--layers",
        "nn.Conv1d(1, 1, 2, dilation=1); nn.Conv1d(1, 1, 2, dilation=2); nn.Conv1d(1, 1, 2, dilation=4)",
        "--i",
        "16",
        "--cell",
        "0",
    )
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.splitlines()]
    assert rows[0] == ["layer", "output", "jump", "size", "start", "field", "of", "cell", "0"]
    assert rows[1] == ["input", "16", "0..7,", "8", "cells"]
    # output, jump, size, start, then the cells of the layer that reach output cell 0
    assert rows[2][-9:] == ["15", "1", "2", "0.5", "0..6,", "4", "cells,", "with", "holes"]
    assert rows[3][-9:] == ["13", "1", "4", "1.5", "0..4,", "2", "cells,", "with", "holes"]
    assert rows[4][-7:] == ["9", "1", "8", "3.5", "0..0,", "1", "cell"]
    assert (
        done.stdout.splitlines()[-1]
        == "paths from each input cell to cell 0: 1 to 1 (exact integers)"
    )


def test_projective_field_from_an_input_cell():
    done = run(
        "--layers",
        "nn.ConvTranspose1d(1, 1, 4, stride=2, padding=1)",
        "--i",
        "8",
        "--from-input",
        "0",
        "--json",
    )
    record = json.loads(done.stdout)
    # input 0 stamps outputs 0*2 - 1 + k for k in 0..3, the first one cropped: 0, 1, 2
    assert record["projective"] == {
        "cell": [0],
        "layers": [{"box": [[0, 2]], "cells": 3, "holes": False}],
    }


def test_a_model_file_as_print_writes_it(tmp_path):
    text = """Sequential(
  (0): Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (1): ReLU(inplace=True)
  (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
)
"""
    (tmp_path / "model.txt").write_text(text)
    done = run("--model", "model.txt", "--i", "8,8", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [layer["output_size"] for layer in json.loads(done.stdout)["layers"]] == [
        [8, 8],
        [8, 8],
        [4, 4],
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "error: --layers: give the chain with one of --layers, --model or --preset"),
        (
            ("--layers", "nn.Conv2d(1, 1, 3)", "--preset", "wavenet"),
            "error: --preset: give the chain with one of",
        ),
        (("--layers", "nn.Conv2d(1, 1, 3)"), "error: --i: a network needs its input size"),
        (("--layers", "nn.Conv2d(1, 1, 3)", "--i", "x"), "error: --i: expected"),
        (
            ("--layers", "nn.Conv2d(1, 1, 3)", "--i", "5", "--cell", "3,0"),
            "error: --cell: must be a cell of the 3x3 layer",
        ),
        (("--layers", "nn.Conv2d(1, 1, 3)", "--i", "5", "--cell", "a"), "error: --cell: expected"),
        (
            ("--layers", "nn.Conv2d(1, 1, 3)", "--i", "5", "--from-input", "5,5"),
            "error: --from-input: must be a cell of the 5x5 layer",
        ),
        (("--model", "missing.txt", "--i", "5"), "error: --model: cannot read missing.txt"),
        (("--model", ".", "--i", "5"), "error: --model: cannot read .: Is a directory"),
        (("--layers", ""), "error: --layers: no layers"),
        (("--preset", "dcgan", "--view", "layers"), "error: --i: 3516x4267 px frames exceed"),
        (("--layers", "nn.Conv2d(1, 1, 3)", "--i", "100000000"), "error: --i:"),
        (
            ("--layers", "nn.Conv1d(1, 1, 3, padding=1, padding_mode='circular')", "--i", "8"),
            "error: --layers: layer 1 (nn.Conv1d(1, 1, 3, padding=1, padding_mode='circular')): "
            "padding_mode: a network's layers pad with zeros here, got 'circular'",
        ),
    ],
)
def test_bad_input_is_one_error_line_with_exit_2(tmp_path, args, message):
    done = run(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith(message), done.stderr
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


WAVENET = "; ".join(
    f"nn.ConstantPad1d(({d}, 0), 0); nn.Conv1d(1, 1, 2, dilation={d})" for d in (1, 2, 4, 8)
)


@pytest.mark.parametrize("cell", [15, 7, 0])
def test_a_causal_dilated_stack_sees_each_past_input_once_and_no_future_one(cell):
    """WaveNet's causal stack (padding (k-1)*d before, none after): output t reads inputs
    t-15..t, each along exactly one path, and nothing after t."""
    done = run("--layers", WAVENET, "--i", "16", "--cell", str(cell), "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["layers"][-1]["output_size"] == [16]
    assert record["field"]["paths"] == [1] * (cell + 1) + [0] * (15 - cell)


def test_padding_layers_read_pytorchs_order_and_copying_ones_are_refused():
    done = run("--layers", "nn.ZeroPad2d((1, 2, 3, 4)); nn.Conv2d(1, 1, 1)", "--i", "5,6", "--json")
    assert [layer["output_size"] for layer in json.loads(done.stdout)["layers"]] == [
        [5 + 3 + 4, 6 + 1 + 2],  # (left, right, top, bottom): the last axis first
        [12, 9],
    ]
    done = run("--layers", "nn.ReflectionPad2d(1); nn.Conv2d(1, 1, 3)", "--i", "5")
    assert done.returncode == 2
    assert done.stderr.startswith(
        "error: --layers: layer 1 (nn.ReflectionPad2d(1)): ReflectionPad2d copies input cells"
    )
    done = run("--layers", "nn.ZeroPad1d(-1)", "--i", "5")
    assert done.returncode == 2 and "padding: must be a whole number >= 0" in done.stderr


def test_presets_show_their_stacks_as_their_papers_say():
    """VGG's block sees 7x7; ResNet's stem 11x11 with a jump of 4 (7x7 stride 2, then max
    pooling 3/2); DCGAN's generator makes 64x64 from 1x1, each output along 4^4 paths."""
    vgg = json.loads(run("--preset", "vgg-block", "--json").stdout)
    assert vgg["layers"][-1]["size"] == [7, 7] and vgg["field"]["input"]["cells"] == 49
    stem = json.loads(run("--preset", "resnet-stem", "--json").stdout)
    last = stem["layers"][-1]
    assert (last["output_size"], last["jump"], last["size"]) == ([56, 56], [4, 4], [11, 11])
    dcgan = json.loads(run("--preset", "dcgan", "--json").stdout)
    assert dcgan["layers"][-1]["output_size"] == [64, 64] and dcgan["field"]["paths"] == [[4**4]]
    wavenet = json.loads(run("--preset", "wavenet", "--cell", "15", "--json").stdout)
    assert wavenet["field"]["paths"] == [1] * 16


def test_tree_view_lights_wavenets_tree_row_by_row(tmp_path):
    """Output 15 of WaveNet's causal stack: each row lights the cells it reads, by hand
    (dilation 8: 7 and 15; 4: 3, 7, 11, 15; ...), one row more per frame, with the edges
    between lit cells (two per lit cell above the input); the input prints one path each."""
    from convanim.draw.frames import CellShape, Label, Role, Segment
    from convanim.draw.network import draw_network
    from convanim.draw.style import TREE_LIT_EDGE, Style
    from convanim.geometry.network import receptive_field
    from convanim.pytorch import build_network, parse_chain
    from convanim.story.board import NetworkView

    built = build_network(parse_chain(WAVENET), 16)
    drawing = draw_network(built, receptive_field(built, (15,)), NetworkView.TREE, Style())
    by_hand = [range(16), range(1, 16, 2), range(3, 16, 4), range(7, 16, 8), [15]]  # input up
    assert len(drawing.frames) == 5
    for index, frame in enumerate(drawing.frames):
        lit = [s for s in frame.below if isinstance(s, CellShape) and s.role is Role.HIGHLIGHT]
        rows = sorted({round(s.corners[:, 1].min()) for s in lit}, reverse=True)  # input first
        assert len(rows) == index + 1
        for row, y in zip(range(4 - index, 5), rows):
            shown = sorted(s.position[1] for s in lit if round(s.corners[:, 1].min()) == y)
            assert shown == list(by_hand[row]), (index, row)
        edges = [s for s in frame.below if isinstance(s, Segment) and s.width == TREE_LIT_EDGE]
        assert len(edges) == 2 * sum(len(by_hand[row]) for row in range(5 - index, 5))
    paths = [s.text for s in drawing.frames[4].below if isinstance(s, Label)]
    assert paths == ["1"] * 16
    done = run("--preset", "wavenet", "--view", "tree", "-o", "w.gif", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    from PIL import Image

    with Image.open(tmp_path / "w.gif") as gif:
        assert gif.n_frames == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--preset", "vgg-block", "--view", "tree"),
            "error: --view: the tree view draws 1-D chains",
        ),
        (
            ("--preset", "wavenet", "-o", "a.gif"),
            "error: -o: a network is drawn with --view tree, layers or counts",
        ),
        (("--preset", "wavenet", "--view", "tree", "-o", "a.txt"), "error: -o:"),
        (("--preset", "wavenet", "--view", "tree", "--i", "100000"), "error: --i:"),
    ],
)
def test_tree_view_refusals_leave_nothing(tmp_path, args, message):
    done = run(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith(message), done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_layers_view_lights_each_plane_then_prints_the_paths_by_hand():
    """Three 3x3 convolutions around a 2x2 max pooling: the planes light 1, 3x3, 6x6, 8x8
    cells from the top, and the input prints the paths of the outer product of
    1 3 6 8 9 9 8 6 3 1 with itself (worked out with np.convolve along one axis)."""
    from convanim.draw.frames import CellShape, Label, Role
    from convanim.draw.network import draw_network
    from convanim.draw.style import Style
    from convanim.geometry.network import receptive_field
    from convanim.pytorch import build_network, parse_chain
    from convanim.story.board import NetworkView

    chain = "nn.Conv2d(1, 1, 3); nn.Conv2d(1, 1, 3); nn.MaxPool2d(2); nn.Conv2d(1, 1, 3)"
    built = build_network(parse_chain(chain), 12)
    drawing = draw_network(built, receptive_field(built, (0, 0)), NetworkView.LAYERS, Style())
    lit = [
        sum(isinstance(s, CellShape) and s.role is Role.HIGHLIGHT for s in frame.below)
        for frame in drawing.frames
    ]
    assert lit == [1, 1 + 9, 1 + 9 + 36, 1 + 9 + 36 + 64, 1 + 9 + 36 + 64 + 100]
    one_axis = np.convolve(np.convolve(np.repeat(np.ones(3), 2), np.ones(3)), np.ones(3))
    assert one_axis.astype(int).tolist() == [1, 3, 6, 8, 9, 9, 8, 6, 3, 1]
    printed = [s for s in drawing.frames[4].below if isinstance(s, Label) and s.role is Role.VALUE]
    assert sorted(int(s.text) for s in printed) == sorted(
        np.outer(one_axis, one_axis).astype(int).ravel()
    )
    (legend,) = [
        s for s in drawing.frames[4].below if isinstance(s, Label) and s.role is Role.LABEL
    ]
    assert legend.text == "paths from each input cell: 1 (pale) to 81 (dark)"
    done = run("--preset", "wavenet", "--view", "layers")
    assert done.returncode == 2
    assert done.stderr.startswith("error: --view: the layers view draws 2-D chains")


def test_counts_view_compounds_a_decoders_stamps_into_a_checkerboard():
    """Two transposed 3x3 layers of stride 2 on a 3x3 input of ones: each layer prints, per
    cell, the sum of the stamps it received (worked out here by stamping, one axis at a
    time: a stamp of ones is a product of rows of ones)."""
    from convanim.draw.frames import Label, Role
    from convanim.draw.network import draw_network
    from convanim.draw.style import Style
    from convanim.geometry.network import receptive_field
    from convanim.pytorch import build_network, parse_chain
    from convanim.story.board import NetworkView

    def stamped(counts):
        out = np.zeros(2 * (len(counts) - 1) + 3, dtype=int)
        for i, count in enumerate(counts):
            out[2 * i : 2 * i + 3] += count
        return out

    first = stamped(np.ones(3, dtype=int))
    second = stamped(first)
    assert first.tolist() == [1, 1, 2, 1, 2, 1, 1]
    chain = "nn.ConvTranspose2d(1, 1, 3, stride=2); nn.ConvTranspose2d(1, 1, 3, stride=2)"
    built = build_network(parse_chain(chain), 3)
    drawing = draw_network(built, receptive_field(built), NetworkView.COUNTS, Style())
    printed = [
        int(s.text)
        for s in drawing.frames[2].below
        if isinstance(s, Label) and s.role is Role.VALUE
    ]
    expected = [np.ones((3, 3), dtype=int), np.outer(first, first), np.outer(second, second)]
    assert printed == [int(v) for grid in expected for v in grid.ravel()]
    assert max(printed) == 9 and sorted(set(np.outer(second, second).ravel())) == [1, 2, 3, 4, 6, 9]


def test_from_input_lights_what_an_input_cell_reaches_row_by_row_upward(tmp_path):
    """WaveNet's causal stack from input 3: it reaches 3..3+2^k-1 of row k (by hand: each
    causal layer of dilation d adds cells up to d later), one row more per frame, from the
    input up; the file's title says so."""
    from convanim.draw.frames import CellShape, Role
    from convanim.draw.network import draw_network
    from convanim.draw.style import Style
    from convanim.geometry.network import projective_field, receptive_field
    from convanim.pytorch import build_network, parse_chain
    from convanim.story.board import NetworkView

    built = build_network(parse_chain(WAVENET), 16)
    reach = projective_field(built, (3,))
    drawing = draw_network(built, receptive_field(built), NetworkView.TREE, Style(), reach)
    by_hand = [list(range(3, min(16, 3 + 2**k))) for k in range(5)]
    for index, frame in enumerate(drawing.frames):
        lit = [s for s in frame.below if isinstance(s, CellShape) and s.role is Role.HIGHLIGHT]
        rows = sorted({round(s.corners[:, 1].min()) for s in lit}, reverse=True)  # input first
        assert len(rows) == index + 1
        for row, y in enumerate(rows):
            shown = sorted(s.position[1] for s in lit if round(s.corners[:, 1].min()) == y)
            assert shown == by_hand[row], (index, row)
    done = run(
        "--preset", "wavenet", "--view", "tree", "--from-input", "3", "-o", "a.svg", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    title = (
        "What input cell 3 of a network of 8 layers (input 16, output 16) reaches, layer by layer"
    )
    assert f"<title>{title}</title>" in (tmp_path / "a.svg").read_text()


def test_the_readmes_tables_are_what_net_prints():
    """Every ``$ convanim net --preset NAME`` block of the README is the command's output."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    blocks = re.findall(r"```console\n\$ convanim net --preset (\S+)\n(.*?)```", readme, re.DOTALL)
    assert {name for name, _ in blocks} == {
        "vgg-block",
        "wavenet",
        "dcgan",
        "unet-step",
        "resnet-stem",
    }
    for name, shown in blocks:
        assert run("--preset", name).stdout == shown, name


def test_a_cell_that_reads_padding_only_is_said_and_drawn_not_a_crash(tmp_path):
    """Output 0 of a 1x1 convolution with padding 1 reads only padding: the table says no
    input cell reaches it, the JSON's box is null, the pictures draw it; and an input cell
    a stride skips reaches nothing on the layer above."""
    empty = ("--layers", "nn.Conv2d(1, 1, 1, padding=1)", "--i", "3", "--cell", "0,0")
    table = run(*empty)
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[1].split()[-1] == "none"
    assert table.stdout.splitlines()[-1] == "no input cell reaches cell 0,0: it reads padding only"
    record = json.loads(run(*empty, "--json").stdout)
    assert record["field"]["input"] == {"box": None, "cells": 0, "holes": False}
    assert record["field"]["paths"] == [[0] * 3] * 3
    drawn = run(*empty, "--view", "layers", "-o", "a.svg", cwd=tmp_path)
    assert drawn.returncode == 0, drawn.stderr
    skipped = ("--layers", "nn.Conv2d(1, 1, 1, stride=2)", "--i", "4", "--from-input", "1,1")
    assert run(*skipped).stdout.splitlines()[-1] == "input cell 1,1 reaches on the last layer: none"
    drawn = run(*skipped, "--view", "layers", "-o", "b.svg", cwd=tmp_path)
    assert drawn.returncode == 0, drawn.stderr


def test_a_final_padding_layer_is_drawn_so_the_followed_cell_is_lit():
    from convanim.draw.frames import CellShape, Role
    from convanim.draw.network import draw_network
    from convanim.draw.style import Style
    from convanim.geometry.network import receptive_field
    from convanim.pytorch import build_network, parse_chain
    from convanim.story.board import NetworkView

    built = build_network(parse_chain("nn.Conv1d(1, 1, 3); nn.ZeroPad1d(1)"), 5)
    drawing = draw_network(built, receptive_field(built, (1,)), NetworkView.TREE, Style())
    assert len(drawing.frames) == 3  # the input, the convolution, the padded output
    (top,) = [
        s for s in drawing.frames[0].below if isinstance(s, CellShape) and s.role is Role.HIGHLIGHT
    ]
    assert top.position == (0, 1)
