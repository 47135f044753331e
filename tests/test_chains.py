"""Chains of PyTorch layers: ``parse_chain``, ``parse_model`` (print(model)'s text),
``network`` and ``from_torch`` of an nn.Sequential; sizes against PyTorch's documented
output-size formulas, written out here per axis."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convanim.errors import ConvanimError
from convanim.geometry import ConvSpec, Pooling
from convanim.geometry.network import Upsample
from convanim.pytorch import (
    ChainEnd,
    Layer,
    PassThrough,
    UpsampleLayer,
    build_network,
    from_torch,
    parse_chain,
    parse_layer,
    parse_model,
)

# PyTorch's documented output sizes, one axis (Conv2d, ConvTranspose2d, MaxPool2d,
# AvgPool2d, Upsample pages).


def conv_out(n, k, s=1, p=0, d=1):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def transposed_out(n, k, s=1, p=0, d=1, op=0):
    return (n - 1) * s - 2 * p + d * (k - 1) + op + 1


def pool_out(n, k, s, p=0, d=1, ceil=False):
    span = n + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= n + p:  # the last window must start inside the input
        out -= 1
    return out


def upsample_out(n, scale):
    return n * scale


def message(call) -> str:
    with pytest.raises(ConvanimError) as caught:
        call()
    return str(caught.value)


# --- parse_chain: what each item is --------------------------------------------------------

CHAIN = "nn.Conv2d(3,16,3,padding=1); nn.ReLU(); nn.MaxPool2d(2); nn.Conv2d(16,32,3,dilation=2)"


def test_a_chain_is_read_item_by_item_as_parse_layer_reads_each():
    items = parse_chain(CHAIN)
    assert [type(item) for item in items] == [Layer, PassThrough, Layer, Layer]
    for item, text in zip(items, CHAIN.split(";")):
        if isinstance(item, Layer):
            alone = parse_layer(text)
            assert (item.name, item.arguments) == (alone.name, alone.arguments)
        assert item.text == text.strip()
    assert items[1] == PassThrough("ReLU", "nn.ReLU()", "layer 2 (nn.ReLU())", "layers", None)
    assert [item.source for item in items][::3] == [
        "layer 1 (nn.Conv2d(3,16,3,padding=1))",
        "layer 4 (nn.Conv2d(16,32,3,dilation=2))",
    ]


PASS_THROUGHS = [  # (text as typed or as print(model) writes it, channels declared)
    ("nn.ReLU()", None),
    ("ReLU(inplace=True)", None),
    ("torch.nn.LeakyReLU(0.2, True)", None),
    ("LeakyReLU(negative_slope=0.01)", None),
    ("GELU(approximate='none')", None),
    ("nn.SiLU(inplace=True)", None),
    ("Sigmoid()", None),
    ("Tanh()", None),
    ("ELU(alpha=1.0)", None),
    ("Softmax(dim=1)", None),
    ("nn.Softmax2d()", None),
    ("Hardswish()", None),
    ("Hardtanh(min_val=-1.0, max_val=1.0)", None),
    ("nn.PReLU()", None),
    ("nn.PReLU(8)", 8),
    ("BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)", 16),
    ("nn.BatchNorm1d(num_features=4)", 4),
    ("InstanceNorm2d(8, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)", 8),
    ("nn.InstanceNorm1d(3)", 3),
    ("GroupNorm(4, 16, eps=1e-05, affine=True)", 16),
    ("LayerNorm((16,), eps=1e-05, elementwise_affine=True)", None),
    ("Dropout(p=0.5, inplace=False)", None),
    ("nn.Dropout2d(0.1)", None),
    ("nn.Dropout1d()", None),
    ("Identity()", None),
    ("nn.Identity(54, unused_argument=0.1)", None),  # PyTorch's Identity takes anything
]


@pytest.mark.parametrize(("text", "channels"), PASS_THROUGHS)
def test_pass_through_layers_keep_their_name_and_declared_channels(text, channels):
    (item,) = parse_chain(text)
    assert isinstance(item, PassThrough)
    assert item.name == text.split("(")[0].split(".")[-1]
    assert item.channels == channels


@pytest.mark.parametrize(
    ("text", "scale"),
    [
        ("nn.Upsample(scale_factor=2)", 2),
        ("Upsample(scale_factor=2.0, mode='nearest')", 2),  # as PyTorch prints it
        ("Upsample(scale_factor=2, mode=nearest)", 2),  # as PyTorch 1.0 printed it
        ("Upsample(scale_factor=(2.0, 3.0), mode='nearest')", (2, 3)),
        ("nn.Upsample(None, 3, 'nearest')", 3),
        ("nn.Upsample(scale_factor=[1, 4])", (1, 4)),
        ("nn.Upsample(scale_factor=(5,))", (5,)),
        ("nn.UpsamplingNearest2d(scale_factor=2)", 2),
        ("UpsamplingNearest2d(scale_factor=2.0, mode='nearest')", 2),
    ],
)
def test_nearest_upsampling_by_whole_factors(text, scale):
    (item,) = parse_chain(text)
    assert isinstance(item, UpsampleLayer)
    assert item.scale == scale
    assert type(item.scale) is type(scale)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (
            "nn.Upsample(scale_factor=2, mode='bilinear')",
            "mode: convanim draws nearest upsampling only (mode='nearest'), got 'bilinear'",
        ),
        ("nn.Upsample(scale_factor=2, mode=bicubic)", "convanim draws nearest upsampling only"),
        ("nn.Upsample(scale_factor=1.5)", "scale_factor: must be a whole number >= 1"),
        ("nn.Upsample(scale_factor=(2, 0.5))", "scale_factor: must be a whole number >= 1"),
        ("nn.Upsample(scale_factor=0)", "scale_factor: must be a whole number >= 1"),
        ("nn.Upsample(scale_factor=True)", "scale_factor: must be a whole number >= 1"),
        ("nn.Upsample(size=(8, 8))", "size: give scale_factor instead"),
        ("nn.Upsample(size=8, mode='nearest')", "size: give scale_factor instead"),
        ("nn.Upsample()", "scale_factor: must be a whole number >= 1 or one per axis, got None"),
        ("nn.UpsamplingNearest2d(scale_factor=(2, 2, 2))", "takes one factor or 2"),
        ("nn.UpsamplingNearest2d(scale_factor=2, mode='bilinear')", "nearest upsampling only"),
        ("nn.Upsample(scale_factor=2, align=True)", "Upsample has no argument 'align'"),
    ],
)
def test_other_upsamplings_are_refused_in_one_line(text, rule):
    shown = message(lambda: parse_chain(f"nn.Conv2d(1, 1, 1); {text}"))
    assert shown.startswith(f"layers: layer 2 ({text}): ")
    assert rule in shown
    assert "\n" not in shown


def test_flatten_and_linear_end_the_chain_and_keep_what_follows():
    items = parse_chain("nn.Conv2d(1, 4, 3); nn.Flatten(); nn.Linear(36, 10); nn.Softmax(dim=1)")
    assert items[1] == ChainEnd(
        "Flatten",
        "nn.Flatten()",
        "layer 2 (nn.Flatten())",
        "layers",
        ("nn.Linear(36, 10)", "nn.Softmax(dim=1)"),
    )
    assert len(items) == 2
    (_, end) = parse_chain("nn.Conv2d(1, 4, 3); Linear(in_features=3, out_features=2, bias=True)")
    assert (end.name, end.after) == ("Linear", ())
    after = parse_chain("nn.Conv2d(1, 4, 3); nn.AdaptiveAvgPool2d(1); anything(at, all)")[1]
    assert (after.name, after.after) == ("AdaptiveAvgPool2d", ("anything(at, all)",))


@pytest.mark.parametrize(
    ("chain", "rule"),
    [
        ("", "layers: no layers: expected layer calls separated by ';'"),
        ("  ;  ", "layers: no layers"),
        ("nn.ReLU();; nn.ReLU()", "layers: layer 2 is empty"),
        ("nn.ReLU();", "layers: layer 2 is empty"),
        ("nn.ReLU(); nn.Conv2d(1, 1, 3", "layers: layer 2 (nn.Conv2d(1, 1, 3): not a Python"),
        ("nn.ReLU(); relu", "layers: layer 2 (relu): expected a layer call"),
        (
            "nn.ReLU(); nn.Sequential(nn.ReLU())",
            "layers: layer 2 (nn.Sequential(nn.ReLU())): 'Sequential' is not a layer of a chain:"
            " convanim reads a chain of convolutions",
        ),
        (
            "nn.MultiheadAttention(16, 4)",
            "layers: layer 1 (nn.MultiheadAttention(16, 4)): 'MultiheadAttention' is not a layer",
        ),
        ("nn.Conv2d(1, 1, 3); MyBlock(3)", "layer 2 (MyBlock(3)): 'MyBlock' is not a layer"),
        ("F.relu(x)", "layer 1 (F.relu(x)): 'F.relu' is not a layer of a chain"),
        (
            "nn.ReLU(); nn.ReflectionPad2d(1)",
            "layer 2 (nn.ReflectionPad2d(1)): ReflectionPad2d copies input cells",
        ),
        ("nn.Conv2d(1, 1, 3, foo=1)", "layer 1 (nn.Conv2d(1, 1, 3, foo=1)): Conv2d has no arg"),
        ("nn.ReLU(inplace=x)", "layer 1 (nn.ReLU(inplace=x)): inplace: expected a literal"),
        ("nn.ReLU(foo=1)", "layer 1 (nn.ReLU(foo=1)): ReLU has no argument 'foo'"),
        ("nn.ReLU(True, True)", "ReLU takes at most 1 positional arguments"),
        ("nn.Softmax(dim=2)", "dim: convanim passes a softmax over the channels only (dim=1)"),
        ("nn.Softmax()", "over the channels only (dim=1), got None"),
        ("nn.BatchNorm2d()", "layer 1 (nn.BatchNorm2d()): BatchNorm2d needs num_features"),
        ("nn.BatchNorm2d(0)", "num_features: must be a whole number >= 1, got 0"),
        ("nn.GroupNorm(3, 16)", "num_channels must be divisible by num_groups"),
        ("nn.PReLU(2.5)", "num_parameters: must be a whole number >= 1, got 2.5"),
        ("nn.ReLU(); {x}", "layers: layer 2 ({x}): "),  # braces stay the user's text
    ],
)
def test_anything_else_is_refused_naming_the_layer(chain, rule):
    shown = message(lambda: parse_chain(chain))
    assert rule in shown
    assert "\n" not in shown


def test_errors_name_the_argument_given():
    with pytest.raises(ConvanimError) as caught:
        parse_chain("nn.ReLU(); nn.Bogus()", argument="chain")
    assert caught.value.argument == "chain"
    assert str(caught.value).startswith("chain: layer 2 (nn.Bogus()): ")


def test_long_chains_and_layers_are_refused_before_they_are_read():
    assert "exceed the budget of 1,000" in message(lambda: parse_chain("nn.ReLU();" * 1000 + "x"))
    long = "nn.Conv2d(1, 1, 3" + ", bias=True" * 60 + ")"
    assert "longer than 500 characters" in message(lambda: parse_chain(long))
    assert "must be text" in message(lambda: parse_chain(None))  # type: ignore[arg-type]


# --- parse_model: print(model)'s text -------------------------------------------------------

BRIEF_MODEL = """\
Sequential(
  (0): Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (1): ReLU(inplace=True)
  (features): Sequential(
    (0): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    (1): Upsample(scale_factor=2.0, mode='nearest')
  )
  (2): Flatten(start_dim=1, end_dim=-1)
  (3): Linear(in_features=32, out_features=10, bias=True)
)
"""


def test_a_printed_sequential_is_read_with_nested_ones_flattened():
    items = parse_model(BRIEF_MODEL)
    assert [type(item).__name__ for item in items] == [
        "Layer",
        "PassThrough",
        "Layer",
        "UpsampleLayer",
        "ChainEnd",
    ]
    assert items[0].text == "Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    assert items[2].source == (
        "layer 3 on line 5 (MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, "
        "ceil_mode=False))"
    )
    assert items[3].scale == 2
    assert items[4].after == ("Linear(in_features=32, out_features=10, bias=True)",)
    assert items[0].argument == "model"
    net = build_network(items, (8, 8), in_channels=3)
    assert net.sizes == ((8, 8), (8, 8), (8, 8), (4, 4), (8, 8))


# torchvision's vgg16().features as print() writes it (the first 17 lines as printed in a
# public notebook; the rest in the same format: Conv2d's and MaxPool2d's extra_repr).
VGG16_FEATURES = """\
Sequential(
  (0): Conv2d(3, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (1): ReLU(inplace=True)
  (2): Conv2d(64, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (3): ReLU(inplace=True)
  (4): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  (5): Conv2d(64, 128, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (6): ReLU(inplace=True)
  (7): Conv2d(128, 128, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (8): ReLU(inplace=True)
  (9): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  (10): Conv2d(128, 256, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (11): ReLU(inplace=True)
  (12): Conv2d(256, 256, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (13): ReLU(inplace=True)
  (14): Conv2d(256, 256, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (15): ReLU(inplace=True)
  (16): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  (17): Conv2d(256, 512, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (18): ReLU(inplace=True)
  (19): Conv2d(512, 512, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (20): ReLU(inplace=True)
  (21): Conv2d(512, 512, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (22): ReLU(inplace=True)
  (23): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  (24): Conv2d(512, 512, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (25): ReLU(inplace=True)
  (26): Conv2d(512, 512, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (27): ReLU(inplace=True)
  (28): Conv2d(512, 512, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (29): ReLU(inplace=True)
  (30): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
)
"""

# The DCGAN tutorial's generator (its `main`), as ConvTranspose2d's, BatchNorm2d's, ReLU's
# and Tanh's extra_repr print it.
DCGAN_MAIN = """\
Sequential(
  (0): ConvTranspose2d(100, 512, kernel_size=(4, 4), stride=(1, 1), bias=False)
  (1): BatchNorm2d(512, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
  (2): ReLU(inplace=True)
  (3): ConvTranspose2d(512, 256, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)
  (4): BatchNorm2d(256, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
  (5): ReLU(inplace=True)
  (6): ConvTranspose2d(256, 128, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)
  (7): BatchNorm2d(128, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
  (8): ReLU(inplace=True)
  (9): ConvTranspose2d(128, 64, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)
  (10): BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
  (11): ReLU(inplace=True)
  (12): ConvTranspose2d(64, 3, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)
  (13): Tanh()
)
"""


def test_vgg16_features_as_printed():
    net = build_network(parse_model(VGG16_FEATURES), (224, 224), in_channels=3)
    size = 224
    for stage, after in zip(net.stages, net.sizes[1:]):
        if isinstance(stage.op, Pooling):
            size = pool_out(size, 2, 2)
        elif isinstance(stage.op, ConvSpec):
            size = conv_out(size, 3, 1, 1)
        assert after == (size, size)
    assert net.sizes[-1] == (7, 7)  # torchvision's VGG: 224 / 2**5
    assert len(net.stages) == 31


def test_the_dcgan_generator_as_printed():
    items = parse_model(DCGAN_MAIN)
    norms = [item.channels for item in items if item.name == "BatchNorm2d"]
    assert norms == [512, 256, 128, 64]
    net = build_network(items, (1, 1), in_channels=100)
    size, sizes = 1, []
    for stride, padding in [(1, 0), (2, 1), (2, 1), (2, 1), (2, 1)]:
        size = transposed_out(size, 4, stride, padding)
        sizes += [size] * 3
    assert [s[0] for s in net.sizes[1:]] == sizes[:14]
    assert net.sizes[-1] == (64, 64)  # the tutorial's 3x64x64 images
    wrong = DCGAN_MAIN.replace("BatchNorm2d(256,", "BatchNorm2d(128,")
    assert message(lambda: build_network(parse_model(wrong), 1)) == (
        "model: layer 5 on line 6 (BatchNorm2d(128, eps=1e-05, momentum=0.1, affine=True, "
        "track_running_stats=True)): reads 128 channels, but layer 4 on line 5 (ConvTranspose2d("
        "512, 256, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), ...) gives 256"
    )


def test_printed_forms_of_padding_and_modes_are_read():
    model = """\
Sequential(
  (0): Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding=same)
  (1): BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
  (2): AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))
  (3): Upsample(scale_factor=3.0, mode='nearest')
  (4): Dropout(p=0.5, inplace=False)
  (5): Conv1d(4, 1, kernel_size=(5,), stride=(2,), padding=(2,), dilation=(2,), bias=False)
  (6): Conv1d(1, 1, kernel_size=(3,), stride=(1,), padding_mode=reflect)
)"""
    net = build_network(parse_model(model), 21)
    expected = [21, 21, pool_out(21, 2, 2), upsample_out(pool_out(21, 2, 2), 3)]
    expected += [expected[-1], conv_out(expected[-1], 5, 2, 2, 2)]
    expected.append(conv_out(expected[-1], 3))
    assert [size for (size,) in net.sizes[1:]] == expected


@pytest.mark.parametrize(
    ("model", "rule"),
    [
        (
            "Sequential(\n  (0): ReLU()\n  (blocks): ModuleList(\n    (0): ReLU()\n  )\n)",
            "model: line 3 ((blocks): ModuleList(): 'ModuleList' holds modules that are not a "
            "chain: convanim reads",
        ),
        (
            "Net(\n  (conv): Conv2d(1, 1, kernel_size=(3, 3), stride=(1, 1))\n)",
            "model: line 1 (Net(): expected Sequential(, as print(model) begins an nn.Sequential",
        ),
        (
            "Sequential(\n  (0): Bottleneck(\n    (conv1): Conv2d(1, 1, 1)\n  )\n)",
            "model: line 2 ((0): Bottleneck(): 'Bottleneck' holds modules",
        ),
        (
            "Sequential(\n  (0): ReLU()\n  (1): MultiheadAttention(\n  (out_proj): Linear()\n  )\n)",
            "line 3 ((1): MultiheadAttention(): 'MultiheadAttention' holds modules",
        ),
        (
            "Sequential(\n  (0): ReLU()\n  (1): MyActivation()\n)",
            "model: layer 2 on line 3 (MyActivation()): 'MyActivation' is not a layer of a chain",
        ),
        ("Sequential(\n  (0): ReLU()\n", "model: the Sequential opened on line 1 is not closed"),
        ("Sequential(\n  (0): ReLU()\n)\n)", "model: line 4 ()): after the Sequential's closing"),
        ("Sequential(\n  ReLU()\n)", "model: line 2 (ReLU()): expected a module line like (0)"),
        ("Sequential()", "model: no layers"),
        ("Sequential(\n  (0): Sequential()\n)", "model: no layers"),
        ("", "model: no layers"),
        ("Conv2d(1, 1, 3)", "model: line 1 (Conv2d(1, 1, 3)): expected Sequential("),
        (
            "Sequential(\n  (0): Upsample(size=(8, 8), mode='nearest')\n)",
            "model: layer 1 on line 2 (Upsample(size=(8, 8), mode='nearest')): size: give",
        ),
        (
            "Sequential(\n  (0): Upsample(scale_factor=2.0, mode='bilinear')\n)",
            "convanim draws nearest upsampling only",
        ),
    ],
)
def test_what_is_not_a_chain_is_refused_naming_the_line(model, rule):
    shown = message(lambda: parse_model(model))
    assert shown.startswith(rule) or rule in shown
    assert "\n" not in shown


# --- network: sizes, channels, axes ---------------------------------------------------------


def test_a_mixed_chain_has_pytorchs_output_sizes_on_every_axis():
    chain = (
        "nn.Conv2d(3, 8, (3, 5), stride=(2, 1), padding=(1, 2)); nn.BatchNorm2d(8); "
        "nn.LeakyReLU(0.2); nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True); "
        "nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1, output_padding=(0, 1)); "
        "nn.Upsample(scale_factor=(2, 3)); nn.AvgPool2d(2); "
        "nn.Conv2d(4, 2, 3, dilation=(2, 1), padding='same'); nn.Conv2d(2, 2, 2, dilation=3); "
        "nn.Flatten(); nn.Linear(10, 2)"
    )
    net = build_network(parse_chain(chain), (13, 11), in_channels=3)
    for axis, n in enumerate((13, 11)):
        sizes = [n]
        sizes.append(conv_out(sizes[-1], (3, 5)[axis], (2, 1)[axis], (1, 2)[axis]))
        sizes += [sizes[-1]] * 2
        sizes.append(pool_out(sizes[-1], 3, 2, 1, ceil=True))
        sizes.append(transposed_out(sizes[-1], 4, 2, 1, op=(0, 1)[axis]))
        sizes.append(upsample_out(sizes[-1], (2, 3)[axis]))
        sizes.append(pool_out(sizes[-1], 2, 2))
        sizes.append(sizes[-1])  # 'same'
        sizes.append(conv_out(sizes[-1], 2, d=3))
        assert [size[axis] for size in net.sizes] == sizes
    assert len(net.stages) == 9  # up to Flatten
    assert [stage.text for stage in net.stages][1:3] == ["nn.BatchNorm2d(8)", "nn.LeakyReLU(0.2)"]
    assert net.stages[1].op is None
    assert isinstance(net.stages[5].op, Upsample)


@st.composite
def chains_1d(draw):
    """A random 1-D chain, as text, with the layers' per-axis arguments."""
    layers = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["conv", "transposed", "max", "avg", "up", "relu"]))
        k, s, d = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
        if kind == "conv":
            p = draw(st.integers(0, 3))
            layers.append(
                (
                    f"nn.Conv1d(2, 2, {k}, stride={s}, padding={p}, dilation={d})",
                    lambda n, k=k, s=s, p=p, d=d: conv_out(n, k, s, p, d),
                )
            )
        elif kind == "transposed":
            p, op = draw(st.integers(0, d * (k - 1) // 2)), draw(st.integers(0, max(s, d) - 1))
            text = f"nn.ConvTranspose1d(2, 2, {k}, {s}, {p}, {op}, dilation={d})"
            layers.append(
                (text, lambda n, k=k, s=s, p=p, d=d, op=op: transposed_out(n, k, s, p, d, op))
            )
        elif kind == "max":  # dilation 1: no window of only padding (convanim refuses those)
            p = draw(st.integers(0, k // 2))
            layers.append(
                (f"nn.MaxPool1d({k}, {s}, {p})", lambda n, k=k, s=s, p=p: pool_out(n, k, s, p))
            )
        elif kind == "avg":
            p = draw(st.integers(0, k // 2))
            layers.append(
                (f"nn.AvgPool1d({k}, {s}, {p})", lambda n, k=k, s=s, p=p: pool_out(n, k, s, p))
            )
        elif kind == "up":
            layers.append((f"nn.Upsample(scale_factor={s}.0)", lambda n, s=s: upsample_out(n, s)))
        else:
            layers.append(("nn.ReLU()", lambda n: n))
    return layers


@settings(max_examples=300)
@given(chains_1d(), st.integers(1, 12))
def test_random_1d_chains_have_pytorchs_sizes_or_name_the_layer_that_empties(layers, n):
    chain = parse_chain("; ".join(text for text, _ in layers))
    sizes = [n]
    for position, (text, size) in enumerate(layers, start=1):
        sizes.append(size(sizes[-1]))
        if sizes[-1] < 1:
            shown = message(lambda: build_network(chain, (n,)))
            assert shown.startswith(f"layers: layer {position} ({text}): ")
            return
    assert [size for (size,) in build_network(chain, (n,)).sizes] == sizes


@pytest.mark.parametrize(
    ("chain", "in_channels", "rule"),
    [
        (
            "nn.Conv2d(3, 16, 3); nn.ReLU(); nn.Conv2d(8, 4, 3)",
            None,
            "layers: layer 3 (nn.Conv2d(8, 4, 3)): reads 8 channels, but layer 1 "
            "(nn.Conv2d(3, 16, 3)) gives 16",
        ),
        (
            "nn.Conv2d(3, 16, 3); nn.MaxPool2d(2); nn.Upsample(scale_factor=2); nn.Conv2d(8, 4, 3)",
            None,
            "layer 4 (nn.Conv2d(8, 4, 3)): reads 8 channels, but layer 1 (nn.Conv2d(3, 16, 3)) "
            "gives 16",
        ),
        (
            "nn.Conv2d(3, 16, 3); nn.BatchNorm2d(8)",
            None,
            "layer 2 (nn.BatchNorm2d(8)): reads 8 channels, but layer 1 (nn.Conv2d(3, 16, 3)) "
            "gives 16",
        ),
        (
            "nn.Conv2d(3, 16, 3); nn.GroupNorm(4, 32)",
            None,
            "layer 2 (nn.GroupNorm(4, 32)): reads 32 channels, but layer 1",
        ),
        (
            "nn.Conv2d(3, 16, 3); nn.PReLU(8)",
            None,
            "layer 2 (nn.PReLU(8)): reads 8 channels, but layer 1",
        ),
        (
            "nn.BatchNorm2d(4); nn.ReLU(); nn.Conv2d(3, 16, 3)",
            None,
            "layer 3 (nn.Conv2d(3, 16, 3)): reads 3 channels, but layer 1 (nn.BatchNorm2d(4)) "
            "gives 4",
        ),
        (
            "nn.ReLU(); nn.Conv2d(3, 16, 3)",
            1,
            "layers: layer 2 (nn.Conv2d(3, 16, 3)): reads 3 channels, but the input has 1",
        ),
        (
            "nn.ConvTranspose2d(4, 6, 3, groups=2); nn.Conv2d(4, 6, 1)",
            None,
            "layer 2 (nn.Conv2d(4, 6, 1)): reads 4 channels, but layer 1",
        ),
    ],
)
def test_channels_are_checked_from_layer_to_layer(chain, in_channels, rule):
    assert message(lambda: build_network(parse_chain(chain), 9, in_channels)).startswith(
        rule if rule.startswith("layers: ") else f"layers: {rule}"
    )


def test_matching_channels_pass():
    chain = "nn.Conv2d(3, 16, 3); nn.BatchNorm2d(16); nn.MaxPool2d(2); nn.GroupNorm(4, 16); "
    chain += "nn.Upsample(scale_factor=2); nn.Conv2d(16, 4, 1); nn.InstanceNorm2d(4)"
    assert build_network(parse_chain(chain), 10, in_channels=3).sizes[-1] == (8, 8)
    assert build_network(parse_chain("nn.BatchNorm2d(3); nn.Conv2d(3, 1, 1)"), 4, 3).sizes[-1] == (
        4,
        4,
    )


@pytest.mark.parametrize(
    ("chain", "input_size", "rule"),
    [
        (
            "nn.Conv2d(1, 1, 3); nn.Conv1d(1, 1, 3)",
            9,
            "layers: layer 2 (nn.Conv1d(1, 1, 3)): is 1-D, but layer 1 (nn.Conv2d(1, 1, 3)) is 2-D",
        ),
        (
            "nn.Conv1d(1, 1, 3); nn.BatchNorm2d(1)",
            9,
            "layer 2 (nn.BatchNorm2d(1)): is 2-D, but layer 1 (nn.Conv1d(1, 1, 3)) is 1-D",
        ),
        (
            "nn.Conv1d(1, 1, 3); nn.Upsample(scale_factor=(2, 2))",
            9,
            "layer 2 (nn.Upsample(scale_factor=(2, 2))): is 2-D, but layer 1",
        ),
        (
            "nn.Conv2d(1, 1, 3)",
            (9, 9, 9),
            "layers: layer 1 (nn.Conv2d(1, 1, 3)): is 2-D, but the input_size (9, 9, 9) is 3-D",
        ),
        ("nn.ReLU(); nn.Upsample(scale_factor=2)", 9, "input_size: give one size per axis"),
        ("nn.Conv2d(1, 1, 3)", (9, 0), "input_size: must be whole numbers >= 1, got (9, 0)"),
        ("nn.Conv2d(1, 1, 3)", -2, "input_size: must be whole numbers >= 1, got -2"),
    ],
)
def test_axes_are_checked(chain, input_size, rule):
    shown = message(lambda: build_network(parse_chain(chain), input_size))
    assert shown.startswith(
        rule if rule.startswith(("layers: ", "input_size: ")) else f"layers: {rule}"
    )


def test_upsampling_without_axes_takes_the_chains():
    net = build_network(parse_chain("nn.Upsample(scale_factor=2); nn.Conv1d(1, 1, 3)"), 4)
    assert net.sizes == ((4,), (8,), (6,))
    assert build_network(parse_chain("nn.Upsample(scale_factor=(1, 2))"), (3, 3)).sizes[-1] == (
        3,
        6,
    )
    assert build_network(parse_chain("nn.ReLU()"), (5,)).sizes == ((5,), (5,))
    assert build_network(parse_chain("nn.Conv1d(1, 1, 3)"), (np.int64(5),)).sizes == ((5,), (3,))


@pytest.mark.parametrize(
    ("chain", "rule"),
    [
        (
            "nn.Conv2d(1, 1, 3); nn.MaxPool2d(2); nn.Conv2d(1, 1, 3)",
            "layers: layer 3 (nn.Conv2d(1, 1, 3)): kernel_size (axis 0): the dilated kernel "
            "spans 3 cells, more than the 2 cells of the padded input",
        ),
        ("nn.MaxPool2d(4); nn.MaxPool2d(2)", "layers: layer 2 (nn.MaxPool2d(2)): kernel_size"),
        (
            "nn.ReLU(); nn.ConvTranspose2d(1, 1, 2, padding=4)",
            "layers: layer 2 (nn.ConvTranspose2d(1, 1, 2, padding=4)): padding (axis 0): the "
            "output is empty",
        ),
        (
            "nn.ReLU(); nn.Conv2d(1, 1, 0)",
            "layers: layer 2 (nn.Conv2d(1, 1, 0)): kernel_size",
        ),
    ],
)
def test_a_layer_whose_output_is_empty_is_named(chain, rule):
    assert message(lambda: build_network(parse_chain(chain), 6)).startswith(rule)


def test_the_network_stops_at_the_chain_end():
    net = build_network(parse_chain("nn.Conv1d(1, 2, 3); nn.Flatten(); nn.Linear(4, 2)"), 6)
    assert [stage.text for stage in net.stages] == ["nn.Conv1d(1, 2, 3)"]
    joined = parse_chain("nn.Conv1d(1, 2, 3); nn.Flatten()") + parse_chain("nn.Conv1d(2, 2, 3)")
    assert build_network(joined, 6).sizes == ((6,), (4,))
    shown = message(lambda: build_network(parse_chain("nn.Flatten(); nn.Conv1d(1, 1, 1)"), 6))
    assert shown == "layers: layer 1 (nn.Flatten()): ends the spatial chain before any layer of it"
    assert message(lambda: build_network((), 6)) == "layers: a network needs at least one layer"


# --- from_torch of an nn.Sequential ---------------------------------------------------------


class Module:
    """A stand-in for torch.nn.Module: attributes by keyword, children in order, a repr."""

    def __init__(self, *children, **attributes):
        self._children = children
        self.__dict__.update(attributes)

    def children(self):
        return iter(self._children)

    def forward(self, x):
        return x

    def __repr__(self):
        shown = ", ".join(f"{key}={value!r}" for key, value in vars(self).items() if key[0] != "_")
        return f"{type(self).__name__}({shown})"


def module(name: str, *children, **attributes):
    return type(name, (Module,), {})(*children, **attributes)


Sequential = type("Sequential", (Module,), {})


def conv2d(i, o, k, s=1, p=0, d=1):
    return module(
        "Conv2d",
        in_channels=i,
        out_channels=o,
        kernel_size=(k, k),
        stride=(s, s),
        padding=(p, p),
        dilation=(d, d),
        groups=1,
        bias=None,
        padding_mode="zeros",
    )


def maxpool2d(k, s):
    return module("MaxPool2d", kernel_size=k, stride=s, padding=0, dilation=1,
                  return_indices=False, ceil_mode=False)  # fmt: skip


def upsample(scale, mode="nearest", size=None):
    return module("Upsample", size=size, scale_factor=scale, mode=mode, align_corners=None)


def test_from_torch_reads_a_sequential_with_nested_ones_flattened():
    model = Sequential(
        conv2d(3, 8, 3, p=1),
        module("ReLU", inplace=True),
        Sequential(maxpool2d(2, 2), module("BatchNorm2d", num_features=8, eps=1e-5)),
        upsample((2.0, 3.0)),
        Sequential(),
        conv2d(8, 4, 3, d=2),
        module("Flatten", start_dim=1, end_dim=-1),
        module("Linear", in_features=4, out_features=2),
    )
    net = from_torch(model, (10, 9))
    expected = []
    for n, scale in zip((10, 9), (2, 3)):
        n = conv_out(n, 3, 1, 1)
        row = [n, n, pool_out(n, 2, 2), pool_out(n, 2, 2)]
        row.append(upsample_out(row[-1], scale))
        row.append(conv_out(row[-1], 3, d=2))
        expected.append(row)
    assert net.sizes[1:] == tuple(zip(*expected))
    assert net.stages[1].text == "ReLU(inplace=True)"
    assert net.stages[4].op == Upsample(net.sizes[4], (2, 3))


def test_from_torch_checks_a_sequential_as_a_chain():
    wrong = Sequential(conv2d(3, 8, 3), module("ReLU"), conv2d(4, 4, 3))
    assert message(lambda: from_torch(wrong, 9)).startswith(
        "module: layer 3 (Conv2d(in_channels=4, out_channels=4, kernel_size=(3, 3), stride=(1, 1),"
    )
    assert "): reads 4 channels, but layer 1 (Conv2d(in_channels=3," in message(
        lambda: from_torch(wrong, 9)
    )
    bilinear = Sequential(conv2d(1, 1, 1), upsample(2.0, mode="bilinear"))
    assert "layer 2 (Upsample(size=None, scale_factor=2.0, mode='bilinear', align_corners=None)): " \
        "mode: convanim draws nearest upsampling only" in message(lambda: from_torch(bilinear, 4))  # fmt: skip
    sized = Sequential(conv2d(1, 1, 1), upsample(None, size=(8, 8)))
    assert "size: give scale_factor instead" in message(lambda: from_torch(sized, 4))
    odd = Sequential(conv2d(1, 1, 1), module("MultiheadAttention", embed_dim=4))
    assert "layer 2 (MultiheadAttention(embed_dim=4)): 'MultiheadAttention' is not a layer" in (
        message(lambda: from_torch(odd, 4))
    )
    custom = type("Residual", (Sequential,), {"forward": lambda self, x: x + x})(conv2d(1, 1, 1))
    assert message(lambda: from_torch(custom, 4)) == (
        "module: 'Residual' is a Sequential with its own forward: not a chain"
    )
    same_forward = type("Stack", (Sequential,), {})(conv2d(1, 1, 3))
    assert from_torch(same_forward, 4).sizes[-1] == (2, 2)
    assert message(lambda: from_torch(Sequential(conv2d(1, 1, 1)))).startswith("input_size: ")
    assert message(lambda: from_torch(Sequential(), 4)) == "module: an empty Sequential: no layers"
    softmax = Sequential(conv2d(1, 2, 1), module("Softmax", dim=2))
    assert "dim: convanim passes a softmax over the channels only" in message(
        lambda: from_torch(softmax, 4)
    )


def test_from_torch_reads_the_same_chain_as_its_printed_text():
    model = Sequential(
        conv2d(1, 4, 3, s=2, p=1),
        module("GroupNorm", num_groups=2, num_channels=4, eps=1e-5, affine=True),
        module("GELU", approximate="none"),
        upsample(2.0),
        conv2d(4, 2, 3),
    )
    text = (
        "Conv2d(1, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False); "
        "GroupNorm(2, 4, eps=1e-05, affine=True); GELU(approximate='none'); "
        "Upsample(scale_factor=2.0, mode='nearest'); Conv2d(4, 2, kernel_size=(3, 3), bias=False)"
    )
    from_text = build_network(parse_chain(text), (9, 7))
    from_module = from_torch(model, (9, 7))
    assert [stage.op for stage in from_module.stages] == [stage.op for stage in from_text.stages]
    n = upsample_out(conv_out(9, 3, 2, 1), 2)
    assert from_module.sizes[-1][0] == conv_out(n, 3)


def test_a_single_layer_still_gives_its_op():
    assert from_torch(conv2d(1, 1, 3), 5).output_size == (3, 3)
