"""PyTorch layers: ``--layer`` read (never run) and ``from_torch``, against specs built by hand."""

from __future__ import annotations

import builtins
import dataclasses
import json

import pytest
from conftest import channel_specs
from hypothesis import assume, given, settings
from typer.testing import CliRunner

from convanim.cli import app
from convanim.cli.flags import SpecFlags
from convanim.errors import ConvanimError
from convanim.geometry import ConvSpec, Pooling
from convanim.pytorch import LAYER_MAX_CHARS, from_torch, parse_layer
from convanim.text import pooling_torch_lines, torch_lines

runner = CliRunner()
SQUARE = (6, 6)

# Every accepted form, with the op it describes on a 6x6 (or 6-cell) input.
ACCEPTED = [
    ("nn.Conv2d(4, 2, 3)", ConvSpec(SQUARE, 3, in_channels=4, out_channels=2, bias=True)),
    ("torch.nn.Conv2d(4, 2, 3)", ConvSpec(SQUARE, 3, in_channels=4, out_channels=2, bias=True)),
    ("Conv2d(4, 2, 3)", ConvSpec(SQUARE, 3, in_channels=4, out_channels=2, bias=True)),
    ("  nn.Conv2d( 4 ,2, 3, )  ", ConvSpec(SQUARE, 3, in_channels=4, out_channels=2, bias=True)),
    (
        "nn.Conv2d(in_channels=4, out_channels=2, kernel_size=3, bias=False)",
        ConvSpec(SQUARE, 3, in_channels=4, out_channels=2),
    ),
    (
        "nn.Conv2d(4, 2, kernel_size=(3, 2), stride=[2, 1], padding=(1, 0), dilation=(1, 2))",
        ConvSpec(
            SQUARE,
            (3, 2),
            stride=(2, 1),
            padding=(1, 0),
            dilation=(1, 2),
            in_channels=4,
            out_channels=2,
            bias=True,
        ),
    ),
    (
        "nn.Conv2d(4, 2, 3, 2, 1, 2, 2, False, 'zeros')",  # every argument, by position
        ConvSpec(SQUARE, 3, 2, 1, 2, in_channels=4, out_channels=2, groups=2),
    ),
    (
        "nn.Conv1d(2, 4, 4, padding='same', groups=2)",
        ConvSpec(6, 4, padding="same", in_channels=2, out_channels=4, groups=2, bias=True),
    ),
    ("nn.Conv1d(1, 1, 3, padding='valid', padding_mode='zeros')", ConvSpec(6, 3, bias=True)),
    ("nn.Conv1d(1, 1, +3)", ConvSpec(6, 3, bias=True)),
    (  # as print(module) writes it: names bare
        "Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding=same)",
        ConvSpec(6, 3, padding="same", in_channels=2, out_channels=4, bias=True),
    ),
    (
        "Conv2d(1, 1, kernel_size=(3, 3), stride=(1, 1), padding_mode=reflect)",
        ConvSpec(SQUARE, 3, bias=True, padding_mode="reflect"),
    ),
    (
        "nn.Conv1d(1, 1, 3, padding=valid, padding_mode='circular')",
        ConvSpec(6, 3, bias=True, padding_mode="circular"),
    ),
    (
        "nn.Conv1d(1, 1, 3, padding=same, padding_mode=replicate)",
        ConvSpec(6, 3, padding=1, bias=True, padding_mode="replicate"),
    ),
    (
        "nn.Conv2d(1, 1, (3, 1), padding=(2, 0), padding_mode=reflect)",
        ConvSpec(SQUARE, (3, 1), padding=(2, 0), bias=True, padding_mode="reflect"),
    ),
    (
        "nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, groups=2)",
        ConvSpec(
            SQUARE,
            3,
            stride=2,
            padding=1,
            output_padding=1,
            transposed=True,
            in_channels=4,
            out_channels=2,
            groups=2,
            bias=True,
        ),
    ),
    (
        "nn.ConvTranspose1d(2, 2, 3, 2, 1, 1, 2, False, 2)",  # its own positional order
        ConvSpec(6, 3, 2, 1, 2, 1, True, in_channels=2, out_channels=2, groups=2),
    ),
    ("nn.MaxPool2d(3)", Pooling(ConvSpec(SQUARE, 3, stride=3), "max")),
    ("nn.MaxPool1d(kernel_size=2, stride=None)", Pooling(ConvSpec(6, 2, stride=2), "max")),
    (
        "nn.MaxPool2d(3, 1, 1, 2, True, True)",
        Pooling(ConvSpec(SQUARE, 3, 1, 1, 2), "max", ceil_mode=True),
    ),
    (
        "nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False, "
        "divisor_override=None)",
        Pooling(ConvSpec(SQUARE, 3, 2, 1), "avg", count_include_pad=False, ceil_mode=True),
    ),
    ("nn.AvgPool1d(2, 1)", Pooling(ConvSpec(6, 2, 1), "avg")),
    ("nn.Conv3d(1, 1, (1, 3, 2), padding=1)", ConvSpec((5, 5, 5), (1, 3, 2), padding=1, bias=True)),
    (
        "nn.ConvTranspose3d(1, 1, 3, stride=2, bias=False)",
        ConvSpec((3, 3, 3), 3, stride=2, transposed=True),
    ),
    ("nn.MaxPool3d(2)", Pooling(ConvSpec((4, 4, 4), 2, stride=2), "max")),
    ("nn.AvgPool3d(3, 1, 1)", Pooling(ConvSpec((5, 5, 5), 3, 1, 1), "avg")),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED, ids=[text for text, _ in ACCEPTED])
def test_every_accepted_form_gives_its_op(text, expected):
    spec = expected.spec if isinstance(expected, Pooling) else expected
    layer = parse_layer(text)
    assert layer.ndim == spec.ndim
    assert layer.build(spec.input_size) == expected
    assert layer.build(spec.input_size[0]) == expected  # one size for every axis


# Code, and everything else that is not one of the layer calls: refused, never evaluated.
REFUSED = [
    ("__import__('os').system('touch pwned')", "expected one of Conv1d"),
    ("__import__('os')", "expected one of Conv1d"),
    ("nn.Conv2d(__import__('os').system('touch pwned'), 1, 3)", "in_channels: expected a literal"),
    ("nn.Conv2d(1, 1, 3, stride=open('pwned', 'w'))", "stride: expected a literal"),
    ("nn.Conv2d(1, 1, 3).weight", "expected one of Conv1d"),
    ("nn.Conv2d(1, 1, 3).cuda()", "expected one of Conv1d"),
    ("nn.Conv2d(1, 1, nn.k)", "kernel_size: expected a literal"),
    ("nn.Conv2d(1, 1, k)", "kernel_size: expected a literal"),
    ("lambda: nn.Conv2d(1, 1, 3)", "expected one of Conv1d"),
    ("nn.Conv2d(1, 1, (lambda: 3)())", "kernel_size: expected a literal"),
    ("nn.Conv2d(1, 1, 3 + 0)", "kernel_size: expected a literal"),
    ("nn.Conv2d(1, 1, f'{3}')", "kernel_size: expected a literal"),
    ("exec('import os')", "expected one of Conv1d"),
    ("nn.Conv2d(1, 1, 3); import os", "not a Python expression"),
    ("import os", "not a Python expression"),
    ("nn.Conv2d(1, 1, 3) or open('pwned', 'w')", "expected one of Conv1d"),
    ("[nn.Conv2d(1, 1, 3)]", "expected one of Conv1d"),
    ("nn.Conv2d", "expected one of Conv1d"),
    ("nn.functional.conv2d(1, 1, 3)", "expected one of Conv1d"),
    ("os.nn.Conv2d(1, 1, 3)", "expected one of Conv1d"),
    ("os.Conv2d(1, 1, 3)", "expected one of Conv1d"),
    ("torch.nn.modules.conv.Conv2d(1, 1, 3)", "expected one of Conv1d"),
    ("nn.Linear(4, 2)", "expected one of Conv1d"),
    ("nn.Conv4d(1, 1, 3)", "expected one of Conv1d"),
    ("nn.Conv3d(1, 1, (3, 3))", "kernel_size: Conv3d takes one value or 3, got 2"),
    ("nn.Conv2d(*[1, 1, 3])", "* and ** arguments are not read"),
    ("nn.Conv2d(**{'in_channels': 1})", "* and ** arguments are not read"),
    ("", "not a Python expression"),
    ("(" * 240 + ")" * 240, "not a Python expression"),  # nested deeper than Python parses
    ("nn.Conv2d(1, 1, 3)\x00", "not a Python expression"),
    ("nn.Conv2d(1, 1, 3" + " " * LAYER_MAX_CHARS + ")", "longer than 500 characters"),
    # PyTorch's signatures and rules
    ("nn.Conv2d(1, 1)", "Conv2d needs kernel_size"),
    ("nn.MaxPool2d()", "MaxPool2d needs kernel_size"),
    ("nn.Conv2d(1, 1, 3, foo=1)", "Conv2d has no argument 'foo'"),
    ("nn.AvgPool2d(3, dilation=2)", "AvgPool2d has no argument 'dilation'"),
    ("nn.AvgPool1d(2, divisor_override=None)", "AvgPool1d has no argument 'divisor_override'"),
    ("nn.Conv2d(1, 1, 3, device='cpu')", "device does not change the arithmetic"),
    ("nn.Conv2d(1, 1, 3, kernel_size=3)", "Conv2d got two values for kernel_size"),
    ("nn.Conv2d(1, 1, 3, 1, 0, 1, 1, True, 'zeros', None)", "at most 9 positional"),
    ("nn.Conv2d(1, 1, (3, 3, 3))", "kernel_size: Conv2d takes one value or 2, got 3"),
    ("nn.Conv1d(1, 1, (3, 3))", "kernel_size: Conv1d takes one value or 1, got 2"),
    (
        "nn.Conv2d(1, 1, 3, padding=(1, 6), padding_mode='reflect')",
        "padding_mode (axis 1): reflect needs each side of padding below input_size (6), got 6",
    ),
    (
        "nn.Conv1d(1, 1, 3, padding=7, padding_mode=circular)",
        "padding_mode (axis 0): circular needs each side of padding at most input_size (6), got 7",
    ),
    (
        "nn.Conv1d(1, 1, 3, padding_mode='mirror')",
        "padding_mode: must be one of ('zeros', 'reflect'",
    ),
    ("nn.ConvTranspose1d(1, 1, 3, padding_mode=reflect)", "ConvTranspose1d pads with zeros only"),
    ("nn.Conv1d(1, 1, 3, stride=same)", "stride: expected a literal"),
    ("nn.Conv1d(1, 1, 3, padding=full)", "padding: must be an integer or one of"),
    ("nn.Conv2d(1, 1, 3, padding='full')", "padding: must be an integer or one of"),
    ("nn.Conv2d(1, 1, 3, stride=2, padding='same')", "padding='same' needs stride 1"),
    ("nn.ConvTranspose2d(1, 1, 3, padding='valid')", "padding: ConvTranspose2d takes integers"),
    ("nn.MaxPool2d(2, padding='same')", "padding: MaxPool2d takes integers"),
    ("nn.Conv2d(1, 1, 3, bias=1)", "bias: must be True or False, got 1"),
    ("nn.MaxPool2d(2, ceil_mode='yes')", "ceil_mode: must be True or False"),
    ("nn.Conv2d(1, 1, 3.0)", "kernel_size: expected an integer or a tuple of 2"),
    ("nn.Conv2d(1, 1, True)", "kernel_size: expected an integer"),
    ("nn.Conv2d(1, 1, (3, 'x'))", "kernel_size: expected an integer"),
    ("nn.Conv2d(1, 1, {3})", "kernel_size: expected an integer"),
    ("nn.Conv2d(1, 1, 3, padding=((1, 0), (0, 1)))", "padding: expected an integer"),
    ("nn.AvgPool2d(2, divisor_override=3)", "divisor_override: only None"),
    ("nn.Conv2d('a', 1, 3)", "in_channels: must be an integer, got 'a'"),
    ("nn.Conv2d(3, 4, 3, groups=2)", "in_channels: must be divisible by groups (2), got 3"),
    ("nn.Conv2d(4, 3, 3, groups=2)", "out_channels: must be divisible by groups (2), got 3"),
    ("nn.Conv2d(1, 1, 0)", "kernel_size: must be positive, got 0"),
    ("nn.Conv2d(1, 1, 3, stride=0)", "stride: must be positive, got 0"),
    ("nn.Conv2d(1, 1, 9)", "kernel_size (axis 0): the dilated kernel spans 9 cells"),
    ("nn.MaxPool2d(3, padding=2)", "pooling pads at most half the kernel size (kernel_size 3"),
    ("nn.ConvTranspose1d(1, 1, 3, stride=2, output_padding=2)", "output_padding (axis 0)"),
]


@pytest.mark.parametrize(("text", "words"), REFUSED, ids=[text[:50] for text, _ in REFUSED])
def test_everything_else_is_refused_naming_layer_and_quoting_it(text, words, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def never(*args, **kwargs):
        raise AssertionError("the layer text was run")

    monkeypatch.setattr(builtins, "eval", never)
    monkeypatch.setattr(builtins, "exec", never)
    with pytest.raises(ConvanimError) as caught:
        parse_layer(text).build(SQUARE if "2d" in text else 6)
    error = caught.value
    assert error.argument == "layer"
    shown = text if len(text) <= 80 else text[:77] + "..."
    assert str(error).startswith(f"layer: {shown!r}: ")
    assert words in str(error)
    assert "\n" not in str(error)
    assert not list(tmp_path.iterdir())  # nothing ran


def test_a_layer_is_text():
    with pytest.raises(ConvanimError) as caught:
        parse_layer(None)
    assert (
        str(caught.value) == "layer: must be text, a layer call like nn.Conv2d(1, 1, 3); got None"
    )


def test_input_size_with_other_axes_than_the_layer_is_refused_as_input_size():
    with pytest.raises(ConvanimError) as caught:
        parse_layer("nn.Conv2d(1, 1, 3)").build((5, 5, 5))
    assert str(caught.value) == "input_size: has 3 values but layer Conv2d has 2 axes"
    with pytest.raises(ConvanimError) as caught:
        parse_layer("nn.Conv2d(1, 1, 3)").build(0)
    assert str(caught.value) == "input_size (axis 0): must be positive, got 0"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nn.Conv2d(1, 1, 3, stride=2, padding=1)", (5, 5)),  # the guide's: 5 in
        ("nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1, output_padding=1)", (3, 3)),  # 6 out
        ("nn.Conv1d(1, 1, 7)", (7,)),  # the fewest cells that fit
        ("nn.MaxPool2d(2)", (5, 5)),
    ],
)
def test_without_an_input_size_the_guide_picks_one(text, expected):
    op = parse_layer(text).build()
    assert (op.spec if isinstance(op, Pooling) else op).input_size == expected


@settings(max_examples=150, deadline=None)
@given(spec=channel_specs())
def test_printed_torch_layer_reads_back_as_the_spec(spec):
    """``torch_lines`` and the parser agree: the printed layer is the spec (one-channel
    specs print PyTorch's layer, whose bias is on by default)."""
    assume(all(before == after for before, after in spec.padding))
    (line,) = torch_lines(spec)
    parsed = parse_layer(line).build(spec.input_size)
    if spec.single_channel:
        parsed = dataclasses.replace(parsed, bias=spec.bias)
    assert parsed == spec


@pytest.mark.parametrize(
    "pooling",
    [
        Pooling(ConvSpec((5, 5), 3, stride=2, padding=1), "max"),
        Pooling(ConvSpec((5, 6), (3, 2), stride=(1, 2), dilation=(2, 1)), "max", ceil_mode=True),
        Pooling(ConvSpec(7, 3, stride=3, padding=1), "avg", count_include_pad=False),
        Pooling(ConvSpec(7, 2), "avg", ceil_mode=True),
    ],
)
def test_printed_pooling_layer_reads_back_as_the_pooling(pooling):
    (line,) = pooling_torch_lines(pooling)
    assert parse_layer(line).build(pooling.spec.input_size) == pooling


class StandIn:
    """A module stand-in: its class name and attributes are PyTorch's."""

    def __init__(self, **attributes):
        vars(self).update(attributes)


def stand_in(name: str, **attributes) -> StandIn:
    return type(name, (StandIn,), {})(**attributes)


CONV2D = dict(
    in_channels=4,
    out_channels=2,
    kernel_size=(3, 3),
    stride=(2, 2),
    padding=(1, 1),
    dilation=(1, 1),
    groups=2,
    bias=None,
    padding_mode="zeros",
    output_padding=(0, 0),
    transposed=False,
)
MODULES = [
    (stand_in("Conv2d", **CONV2D), "nn.Conv2d(4, 2, 3, stride=2, padding=1, groups=2, bias=False)"),
    (
        stand_in(
            "Conv1d",
            **{
                **CONV2D,
                "kernel_size": (3,),
                "stride": (1,),
                "padding": "same",
                "dilation": (1,),
                "output_padding": (0,),
            },
        ),
        "nn.Conv1d(4, 2, 3, padding='same', groups=2, bias=False)",
    ),
    (
        stand_in(
            "ConvTranspose1d",
            **{
                **CONV2D,
                "kernel_size": (4,),
                "stride": (2,),
                "padding": (1,),
                "dilation": (1,),
                "output_padding": (1,),
                "bias": object(),  # a tensor: the layer has a bias
                "transposed": True,
            },
        ),
        "nn.ConvTranspose1d(4, 2, 4, stride=2, padding=1, output_padding=1, groups=2)",
    ),
    (
        stand_in(
            "MaxPool2d",
            kernel_size=3,
            stride=3,
            padding=1,
            dilation=1,
            return_indices=False,
            ceil_mode=True,
        ),
        "nn.MaxPool2d(3, padding=1, ceil_mode=True)",
    ),
    (
        stand_in(
            "AvgPool1d",
            kernel_size=(2,),
            stride=(2,),
            padding=(1,),
            ceil_mode=False,
            count_include_pad=False,
        ),
        "nn.AvgPool1d(2, padding=1, count_include_pad=False)",
    ),
]


@pytest.mark.parametrize(("module", "text"), MODULES, ids=[text for _, text in MODULES])
def test_from_torch_reads_the_attributes_of_the_same_layer(module, text):
    assert from_torch(module) == parse_layer(text).build()
    assert from_torch(module, input_size=9) == parse_layer(text).build(9)


def test_from_torch_takes_subclasses_and_refuses_other_modules():
    subclass = type("Encoder", (type(MODULES[0][0]),), {})(**CONV2D)
    assert from_torch(subclass, (6, 6)).weight_shape == (2, 2, 3, 3)
    with pytest.raises(ConvanimError) as caught:
        from_torch(stand_in("Linear", in_features=4, out_features=2))
    assert str(caught.value).startswith("module: must be one of torch.nn's Conv1d, Conv2d")
    with pytest.raises(ConvanimError, match=r"module: .*: Conv2d has no attribute groups"):
        from_torch(stand_in("Conv2d", **{k: v for k, v in CONV2D.items() if k != "groups"}))
    circular = from_torch(stand_in("Conv2d", **{**CONV2D, "padding_mode": "circular"}), (6, 6))
    assert circular.padding_mode == "circular"
    with pytest.raises(ConvanimError) as caught:
        from_torch(stand_in("Conv2d", **{**CONV2D, "padding_mode": "mirror"}))
    assert caught.value.argument == "module"
    assert (
        "padding_mode: must be one of ('zeros', 'reflect', 'replicate', 'circular'), got 'mirror'"
        in str(caught.value)
    )


def run(*args: str):
    return runner.invoke(app, list(args))


def test_shape_of_a_layer_is_the_shape_of_its_flags():
    """The same record as the spec flags give, with the channel fields and the counts."""
    layer = run("shape", "--layer", "nn.Conv2d(4, 2, 3, stride=2, groups=2)", "--i", "7", "--json")
    flags = run(
        "shape", "--i", "7", "--k", "3", "--s", "2", "--cin", "4", "--cout", "2", "--groups", "2",
        "--bias", "--json",
    )  # fmt: skip
    assert layer.exit_code == flags.exit_code == 0
    record = json.loads(layer.output)
    assert record == json.loads(flags.output)
    assert record["output_size"] == [3, 3]
    assert (record["in_channels"], record["out_channels"], record["groups"]) == (4, 2, 2)
    assert (record["weight_shape"], record["bias_shape"]) == ([2, 2, 3, 3], [2])
    assert record["parameter_count"] == 38
    assert record["multiply_accumulates"] == record["dense_multiply_accumulates"] == 2 * 9 * 2 * 9
    assert record["torch"] == ["torch.nn.Conv2d(4, 2, kernel_size=3, stride=2, groups=2)"]


def test_shape_prints_channels_weights_counts_and_the_layer():
    result = run(
        "shape", "--layer",
        "torch.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, groups=2)",
    )  # fmt: skip
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "transposed convolution: 4x3x3 -> 2x6x6"
    assert result.output.splitlines()[3:] == [
        "channels: 4 in, 2 out, 2 groups: each output channel reads 2 of the 4 input channels",
        "  group 0: input channels 0..1 -> output channel 0",
        "  group 1: input channels 2..3 -> output channel 1",
        "weight (4, 1, 3, 3), bias (2,): 38 parameters",
        "multiply-accumulates: 256 with real input cells (1,296 counting padding and inserted "
        "zeros, as profilers do)",
        "torch.nn.ConvTranspose2d(4, 2, kernel_size=3, stride=2, padding=1, output_padding=1, "
        "groups=2)",
    ]


def test_shape_of_a_pooling_layer():
    result = run("shape", "--layer", "nn.MaxPool2d(3, stride=2, ceil_mode=True)", "--i", "6")
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "max pooling: 6x6 -> 3x3"
    assert "  ceil_mode: axis 1 pools a last, partial window (PyTorch pads 1 more after)" in (
        result.output
    )
    assert (
        result.output.splitlines()[-1]
        == "torch.nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True)"
    )
    record = json.loads(run("shape", "--layer", "nn.AvgPool1d(3)", "--json").output)
    assert (record["pool"], record["parameter_count"], record["weight_shape"]) == ("avg", 0, None)


def test_one_channel_shape_output_is_unchanged_and_huge_channels_answer_at_once():
    plain = run("shape", "--k", "3", "--s", "2", "--p", "1").output
    assert "channels" not in plain
    assert plain.splitlines()[-1] == "torch.nn.Conv2d(1, 1, kernel_size=3, stride=2, padding=1)"
    huge = run("shape", "--cin", str(10**30), "--cout", str(10**30), "--groups", str(10**29))
    assert huge.exit_code == 0
    assert f"  ... ({10**29:,} groups in all)" in huge.output
    assert f"weight ({10**30}, 10, 3, 3): " in huge.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["shape", "--cout", "0"], "error: --cout: must be positive, got 0"),
        (["shape", "--groups", "x"], "error: Invalid value for '--groups'"),
        (["shape", "--layer", "nn.Conv1d(1, 1, 3)", "--cin", "1"], "error: --cin: --layer sets"),
        (["shape", "--layer", "nn.Conv1d(1, 1, 3)", "--dims", "1"], "error: --dims: --layer sets"),
        (["shape", "--layer", "nn.Conv2d(1, 1, 3)", "-t"], "error: --layer: 'nn.Conv2d(1, 1, 3)' is "
         "a convolution, but -t asks for a transposed convolution"),
        (["gif", "--layer", "nn.Conv2d(2, 2, 3, groups=2)", "--view", "canvas"], "error: --view: "
         "draws one channel; a layer with 2 input and 2 output channels is drawn by --view stack "
         "or --view volume"),
        (["gif", "--bias", "--values", "--view", "canvas"], "error: --bias: the one-slice views "
         "draw no bias: draw it with --view stack"),
        (["matrix", "--cout", "2"], "error: --cout: 1 input and 2 output channels are not drawn"),
        (["matrix", "--layer", "nn.ConvTranspose1d(1, 1, 3)"], "error: --layer: 'nn.ConvTranspose1d"
         "(1, 1, 3)' is a transposed convolution, but this command takes a convolution"),
        (["scene", "convolution", "--cin", "2"], "error: --cin: the convolution scene draws one "
         "channel, not 2 in and 1 out: convanim scene channels shows channels and groups"),
    ],
)  # fmt: skip
def test_commands_refuse_what_they_cannot_draw_or_a_layer_with_its_flags(
    args, message, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # a command that failed to refuse would write here
    result = run(*args)
    assert result.exit_code == 2
    assert result.output.startswith(message)
    assert len(result.output.strip().splitlines()) == 1


def test_commands_draw_a_one_channel_layer():
    """PyTorch's default bias is on: a one-channel layer still draws (in the stack view)."""
    spec = ConvSpec((5, 5), 3, stride=2, padding=1, bias=True)
    flags = SpecFlags(layer="nn.Conv2d(1, 1, 3, stride=2, padding=1)")
    assert flags.spec(max_axes=2) == spec
    assert flags.operation() == spec
    pooling = SpecFlags(layer="nn.MaxPool1d(2)", input_size="6").operation()
    assert pooling == Pooling(ConvSpec(6, 2, stride=2), "max")
