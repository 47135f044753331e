"""The PyTorch layer that ``describe.torch_lines`` prints computes the reference op; ``apply``
with channels, groups and bias computes what PyTorch computes; ``from_torch`` reads modules.

Optional: skipped when torch is not installed. Each printed line is run as
written: line 0 builds the layer, an ``F.pad`` comment line runs before it (an
asymmetric convolution) and a crop comment line after it (an asymmetric
transposed convolution).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import reference
from conftest import COPYING, channel_specs, moded_specs, random_values
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from convanim.errors import ConvanimError
from convanim.geometry import ConvSpec, Pooling, apply
from convanim.integrations.gallery import GUIDE_SPECS
from convanim.pytorch import from_torch, parse_layer
from convanim.text import torch_lines

torch = pytest.importorskip("torch")
F = pytest.importorskip("torch.nn.functional")

PAD_FIRST = "# asymmetric padding: pad first, "
CROP_AFTER = "# asymmetric padding: crop the output, "

# Asymmetric paddings (and a few other corners of the printed arguments), 1-D to 3-D.
EXTRA_SPECS = {
    "conv1d_pad_before": ConvSpec(input_size=7, kernel=3, stride=2, padding=((2, 0),)),
    "conv1d_same_even_kernel": ConvSpec(input_size=6, kernel=4, padding="same"),
    "conv1d_pad_after_dilated": ConvSpec(
        input_size=6, kernel=2, stride=2, padding=((0, 3),), dilation=3
    ),
    "conv2d_asymmetric_dilated": ConvSpec(
        input_size=(6, 7), kernel=(3, 2), stride=(2, 1), padding=((1, 0), (0, 2)), dilation=(1, 2)
    ),
    "conv2d_same_even_kernel": ConvSpec(input_size=(6, 5), kernel=(4, 2), padding="same"),
    "conv2d_symmetric_per_axis": ConvSpec(input_size=(5, 6), kernel=3, padding=(1, 2)),
    "conv3d_asymmetric": ConvSpec(
        input_size=(4, 5, 3), kernel=(2, 3, 1), padding=((1, 0), (0, 1), (0, 0))
    ),
    "conv2d_reflect": ConvSpec(input_size=(5, 6), kernel=3, padding=(1, 2), padding_mode="reflect"),
    "conv1d_circular_asymmetric_strided": ConvSpec(
        input_size=7, kernel=3, stride=2, padding=((3, 1),), padding_mode="circular"
    ),
    "conv2d_replicate_asymmetric": ConvSpec(
        input_size=(4, 3), kernel=(2, 3), padding=((0, 5), (2, 1)), padding_mode="replicate"
    ),
    "transposed1d_crop_before": ConvSpec(
        input_size=4, kernel=3, stride=2, padding=((1, 0),), output_padding=1, transposed=True
    ),
    "transposed1d_crop_after_dilated": ConvSpec(
        input_size=5, kernel=2, stride=3, padding=((0, 3),), dilation=2, transposed=True
    ),
    "transposed1d_padding_past_kernel": ConvSpec(
        input_size=4, kernel=3, stride=2, padding=3, transposed=True
    ),
    "transposed1d_output_padding_past_stride": ConvSpec(
        input_size=3, kernel=2, stride=1, dilation=3, output_padding=2, transposed=True
    ),
    "transposed2d_asymmetric": ConvSpec(
        input_size=(3, 4),
        kernel=(3, 4),
        stride=(2, 3),
        padding=((0, 2), (1, 1)),
        dilation=(2, 1),
        output_padding=(1, 2),
        transposed=True,
    ),
    "transposed2d_one_axis_cropped": ConvSpec(
        input_size=(4, 3), kernel=(2, 3), stride=(3, 1), padding=((2, 0), (0, 0)), transposed=True
    ),
}
SPECS = {**GUIDE_SPECS, **EXTRA_SPECS}


def run_printed_layer(spec: ConvSpec, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Run the lines ``torch_lines(spec)`` prints on x with weights w, as a user would."""
    layer_line, *comment_lines = torch_lines(spec)
    assert layer_line.startswith("torch.nn.Conv")
    asymmetric = any(before != after for before, after in spec.padding)
    assert len(comment_lines) == int(asymmetric)
    layer = eval(layer_line, {"torch": torch}).to(torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(w).reshape(layer.weight.shape))
        layer.bias.zero_()
    names = {"F": F, "x": torch.from_numpy(x).reshape(1, 1, *x.shape)}
    for line in comment_lines:
        if line.startswith(PAD_FIRST):
            assert not spec.transposed
            exec(line.removeprefix(PAD_FIRST), names)
    with torch.no_grad():
        names["y"] = layer(names["x"])
    for line in comment_lines:
        if line.startswith(CROP_AFTER):
            assert spec.transposed
            exec(line.removeprefix(CROP_AFTER), names)
        else:
            assert line.startswith(PAD_FIRST)
    return names["y"].numpy()[0, 0]


@pytest.mark.parametrize("spec", SPECS.values(), ids=SPECS.keys())
def test_printed_torch_layer_computes_the_reference_op(spec):
    seed = len(spec.input_size) + sum(spec.input_size)
    x = random_values(spec.input_size, seed)
    w = random_values(spec.kernel, seed + 1)
    op = reference.conv_transpose if spec.transposed else reference.conv
    expected = op(x, w, spec)
    assert expected.shape == spec.output_size
    y = run_printed_layer(spec, x, w)
    assert y.shape == spec.output_size
    np.testing.assert_allclose(y, expected)


@settings(max_examples=300, deadline=None)
@given(
    mode=st.sampled_from(["max", "avg"]),
    size=st.integers(1, 9),
    kernel=st.integers(1, 5),
    stride=st.integers(1, 3),
    padding=st.integers(0, 3),
    dilation=st.integers(1, 3),
    count_include_pad=st.booleans(),
    ceil_mode=st.booleans(),
)
def test_pooling_is_accepted_exactly_when_pytorch_accepts_it(
    mode, size, kernel, stride, padding, dilation, count_include_pad, ceil_mode
):
    """Same refusals as PyTorch's max_pool1d / avg_pool1d, and the same numbers otherwise."""
    if mode == "avg":
        dilation = 1  # PyTorch's average pooling has no dilation
    else:
        count_include_pad = True  # nor its max pooling a count_include_pad (convanim refuses it)
    # Known limit: in ceil mode PyTorch also pools an input smaller than one window
    # (a single partial window); convanim's spec needs the window to fit once.
    assume(not ceil_mode or size + 2 * padding >= dilation * (kernel - 1) + 1)
    x = np.random.default_rng(size * 31 + kernel).integers(-9, 9, size).astype(float)
    try:
        spec = ConvSpec(size, kernel, stride=stride, padding=padding, dilation=dilation)
        pooling = Pooling(spec, mode, count_include_pad, ceil_mode)
    except ConvanimError:
        pooling = None
    tensor = torch.tensor(x)[None, None]
    try:
        if mode == "max":
            expected = F.max_pool1d(tensor, kernel, stride, padding, dilation, ceil_mode=ceil_mode)
        else:
            expected = F.avg_pool1d(
                tensor,
                kernel,
                stride,
                padding,
                ceil_mode=ceil_mode,
                count_include_pad=count_include_pad,
            )
        refused = bool(torch.isinf(expected).any() or torch.isnan(expected).any())
    except RuntimeError:
        refused = True
    assert (pooling is None) == refused, spec if pooling else "refused by convanim"
    if pooling is not None:
        np.testing.assert_allclose(pooling.apply(x), expected[0, 0].numpy())


FUNCTIONAL = {
    (1, False): "conv1d",
    (2, False): "conv2d",
    (1, True): "conv_transpose1d",
    (2, True): "conv_transpose2d",
}


def torch_op(spec: ConvSpec) -> Callable[..., torch.Tensor]:
    """F.conv / F.conv_transpose with ``spec``'s parameters (its padding the same on both
    sides), called as op(x, w, bias)."""
    padding = tuple(before for before, _ in spec.padding)
    function = getattr(F, FUNCTIONAL[spec.ndim, spec.transposed])
    if spec.transposed:
        arguments = (spec.stride, padding, spec.output_padding, spec.groups, spec.dilation)
    else:
        arguments = (spec.stride, padding, spec.dilation, spec.groups)
    return lambda x, w, bias: function(x, w, bias, *arguments)


def layer_arrays(spec: ConvSpec, seed: int) -> tuple[Any, Any, Any, Any]:
    """Random x, w, b (None without a bias) and an upstream gradient dy for ``spec``, in
    PyTorch's layouts without the batch axis."""
    x = random_values((spec.in_channels, *spec.input_size), seed)
    w = random_values(spec.weight_shape, seed + 1)
    b = random_values(spec.out_channels, seed + 2) if spec.bias else None
    dy = random_values((spec.out_channels, *spec.output_size), seed + 3)
    return x, w, b, dy


@settings(max_examples=200, deadline=None)
@given(spec=channel_specs(), seed=st.integers(0, 2**16))
def test_apply_with_channels_matches_pytorch_and_the_printed_layer(spec, seed):
    """apply against F.conv2d / F.conv_transpose2d with the same weight and bias tensors,
    and against the layer ``torch_lines`` prints, holding them."""
    assume(all(before == after for before, after in spec.padding))
    x, w, b, _ = layer_arrays(spec, seed)
    y = apply(spec, x, w, b)
    tensors = [torch.from_numpy(array) for array in (x[None], w)]
    bias = None if b is None else torch.from_numpy(b)
    expected = torch_op(spec)(*tensors, bias)
    np.testing.assert_array_equal(y, expected[0].numpy())
    (line,) = torch_lines(spec)
    layer = eval(line, {"torch": torch}).to(torch.float64)
    assert (layer.bias is not None) == (spec.bias or spec.single_channel)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(w))
        if layer.bias is not None:
            layer.bias.copy_(torch.from_numpy(b if b is not None else np.zeros(1)))
        np.testing.assert_array_equal(y, layer(tensors[0])[0].numpy())


@settings(max_examples=100, deadline=None)
@given(spec=channel_specs(), seed=st.integers(0, 2**16))
def test_the_backward_pass_is_autograds(spec, seed):
    """gradients() against autograd through F.conv / F.conv_transpose with the same
    tensors and upstream gradient dy: dx, dw and db, equal entry for entry."""
    from convanim.geometry.backward import gradients

    assume(all(before == after for before, after in spec.padding))
    x, w, b, dy = layer_arrays(spec, seed)
    leaves = [torch.from_numpy(array).requires_grad_() for array in (x[None], w)]
    bias = None if b is None else torch.from_numpy(b).requires_grad_()
    torch_op(spec)(*leaves, bias).backward(torch.from_numpy(dy[None]))
    grads = gradients(spec, x, w, dy)
    np.testing.assert_array_equal(grads.dx, leaves[0].grad[0].numpy())
    np.testing.assert_array_equal(grads.dw, leaves[1].grad.numpy())
    if bias is not None:
        np.testing.assert_array_equal(grads.db, bias.grad.numpy())


@settings(max_examples=60, deadline=None)
@given(spec=channel_specs(), seed=st.integers(0, 2**16))
def test_the_weight_gradients_picture_prints_autograds_dw(spec, seed):
    """The layer a dw picture draws (a depthwise convolution, one output channel per
    channel pair), run on the numbers it prints, gives autograd's weight gradient in the
    channel each tag names."""
    from convanim.story.backward import Grad, gradient_story

    assume(all(before == after for before, after in spec.padding))
    layer = dataclasses.replace(spec, bias=False)
    x, w, _, dy = layer_arrays(layer, seed)
    try:
        story = gradient_story(layer, Grad.WEIGHT, x, w, dy)
    except ConvanimError:  # every weight meets padding alone: autograd's dw is 0
        story = None
    weights = torch.from_numpy(w).requires_grad_()
    y = torch_op(layer)(torch.from_numpy(x[None]), weights, None)
    y.backward(torch.from_numpy(dy[None]))
    expected = weights.grad.numpy()
    if story is None:
        assert not expected.any()
        return
    drawn = apply(story.spec, story.input, story.weights)
    tags = story.channel_tags or ("0,0",)
    for tag, channel in zip(tags, drawn.reshape(len(tags), *layer.kernel), strict=True):
        a, b = map(int, tag.split(","))
        np.testing.assert_array_equal(channel, expected[a, b])


MODULES = [
    "torch.nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)",
    "torch.nn.Conv1d(3, 6, 4, padding='same', groups=3, bias=False)",
    "torch.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, groups=2)",
    "torch.nn.ConvTranspose1d(2, 4, 3, stride=3, padding=2, dilation=2, bias=False)",
    "torch.nn.MaxPool2d(3, stride=2, padding=1, dilation=1, ceil_mode=True)",
    "torch.nn.MaxPool1d(2)",
    "torch.nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)",
    "torch.nn.AvgPool1d(3, stride=2, ceil_mode=True)",
    "torch.nn.Conv2d(2, 4, 3, padding_mode='reflect')",  # no padding: the mode changes nothing
    "torch.nn.Conv2d(2, 4, 3, stride=2, padding=(2, 1), padding_mode='reflect')",
    "torch.nn.Conv2d(2, 2, 3, padding=1, padding_mode='replicate', groups=2)",
    "torch.nn.Conv1d(1, 3, 4, padding='same', dilation=2, padding_mode='circular')",
    "torch.nn.Conv3d(2, 2, (3, 2, 3), stride=(2, 1, 1), padding=(1, 0, 1), dilation=(1, 2, 1))",
    "torch.nn.ConvTranspose3d(1, 2, 3, stride=2, padding=1, output_padding=(1, 0, 1))",
    "torch.nn.MaxPool3d(2, stride=(1, 2, 2), padding=1)",
    "torch.nn.AvgPool3d(3, stride=2, padding=1, count_include_pad=False, ceil_mode=True)",
]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
@pytest.mark.parametrize("text", MODULES)
def test_from_torch_reads_real_modules_and_computes_what_they_compute(text):
    """from_torch(module) is the op --layer reads from the same text, and gives the
    module's own output with the module's own weights."""
    module = eval(text, {"torch": torch}).to(torch.float64)
    size = {"1d": (9,), "2d": (7, 6), "3d": (4, 5, 6)}[text.split("(")[0][-2:]]
    op = from_torch(module, size)
    assert op == parse_layer(text).build(size)
    with torch.no_grad():
        if isinstance(op, Pooling):
            x = np.random.default_rng(1).normal(size=size)
            expected = module(torch.from_numpy(x)[None, None])[0, 0].numpy()
            np.testing.assert_allclose(op.apply(x), expected)
            return
        x = np.random.default_rng(1).normal(size=(op.in_channels, *size))
        expected = module(torch.from_numpy(x)[None])[0].numpy()
        bias = None if module.bias is None else module.bias.numpy()
        np.testing.assert_allclose(apply(op, x, module.weight.numpy(), bias), expected)


PRINTED = [
    "torch.nn.Conv1d(2, 4, 3, padding='same')",
    "torch.nn.Conv2d(2, 2, 3, padding_mode='reflect', bias=False)",
    "torch.nn.Conv2d(2, 2, 1, padding='same', padding_mode='circular', groups=2)",
    "torch.nn.Conv2d(1, 1, 3, padding=2, padding_mode='replicate')",
    "torch.nn.ConvTranspose2d(2, 2, 3, stride=2, output_padding=1)",
    "torch.nn.MaxPool2d(3, stride=2, padding=1)",
    "torch.nn.AvgPool1d(2)",
]


@pytest.mark.parametrize("text", PRINTED)
def test_what_print_module_writes_reads_back_as_the_module(text):
    """PyTorch prints padding=same and padding_mode=reflect unquoted: --layer takes them."""
    module = eval(text, {"torch": torch})
    size = (6, 7) if "2d" in text else (8,)
    assert parse_layer(repr(module)).build(size) == from_torch(module, size)


def test_the_pooling_rules_convanim_calls_its_own_differ_from_pytorch():
    """PyTorch pools a window over padding only (-inf) and, in ceil mode, an input smaller
    than one window; convanim refuses both as its own rules. MaxPool has no
    count_include_pad, which Pooling refuses for max pooling."""
    padding_only = F.max_pool1d(torch.ones(1, 1, 1), 2, stride=2, padding=1, dilation=2)
    assert padding_only.flatten().tolist() == [float("-inf")]
    with pytest.raises(ConvanimError, match="convanim's own rule"):
        Pooling(ConvSpec(input_size=1, kernel=2, stride=2, padding=1, dilation=2), "max")
    small = F.max_pool1d(torch.arange(2.0)[None, None], 3, stride=3, ceil_mode=True)
    assert small.flatten().tolist() == [1.0]
    with pytest.raises(ConvanimError, match="in ceil mode too"):
        parse_layer("nn.MaxPool1d(3, ceil_mode=True)").build(2)
    with pytest.raises(TypeError):
        torch.nn.MaxPool2d(3, count_include_pad=False)


@st.composite
def torch_chains(draw):
    """A random chain as PyTorch text (one channel): convolutions, transposed convolutions,
    max and average pooling, nearest upsampling, zero padding and activations, 1-D or 2-D."""
    ndim = draw(st.integers(1, 2))
    d = f"{ndim}d"
    layers = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["conv", "transposed", "max", "avg", "up", "pad", "relu"]))
        k, s = draw(st.integers(1, 4)), draw(st.integers(1, 3))
        p, dil = draw(st.integers(0, 2)), draw(st.integers(1, 2))
        if kind == "conv":
            layers.append(
                f"nn.Conv{d}(1, 1, {k}, stride={s}, padding={p}, dilation={dil}, bias=False)"
            )
        elif kind == "transposed":
            op = draw(st.integers(0, max(s, dil) - 1))
            layers.append(
                f"nn.ConvTranspose{d}(1, 1, {k}, stride={s}, padding={min(p, dil * (k - 1))}, "
                f"output_padding={op}, dilation={dil}, bias=False)"
            )
        elif kind in ("max", "avg"):
            ceil = draw(st.booleans())
            layers.append(
                f"nn.{'Max' if kind == 'max' else 'Avg'}Pool{d}({k}, stride={s}, "
                f"padding={min(p, k // 2)}, ceil_mode={ceil})"
            )
        elif kind == "up":
            layers.append(f"nn.Upsample(scale_factor={draw(st.integers(1, 3))})")
        elif kind == "pad":
            sides = ", ".join(str(draw(st.integers(0, 2))) for _ in range(2 * ndim))
            layers.append(f"nn.ZeroPad{d}(({sides}))")
        else:
            layers.append("nn.ReLU()")
    return ndim, "; ".join(layers)


def summing(module):
    """``module`` with every weight 1 and every pooling window summing its cells: each path
    from an input cell to an output adds 1 to that output's gradient."""
    nn = torch.nn
    if isinstance(module, (nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d, nn.AvgPool2d)):
        pool = nn.AvgPool1d if isinstance(module, (nn.MaxPool1d, nn.AvgPool1d)) else nn.AvgPool2d
        assert getattr(module, "dilation", 1) in (1, (1, 1))
        window = dict(kernel_size=module.kernel_size, stride=module.stride, padding=module.padding)
        if pool is nn.AvgPool2d:
            return pool(**window, ceil_mode=module.ceil_mode, divisor_override=1)
        return _SumPool1d(module.kernel_size, module.stride, module.padding, module.ceil_mode)
    if isinstance(module, nn.ReLU):
        return nn.Identity()  # the linear stack: a path counts whatever its sign
    if hasattr(module, "weight"):
        with torch.no_grad():
            module.weight.fill_(1.0)
    return module


class _SumPool1d(torch.nn.Module):
    """AvgPool1d has no divisor_override: a 1-D window summed as a 2-D one of height 1."""

    def __init__(self, kernel, stride, padding, ceil_mode):
        super().__init__()
        first = lambda v: v[0] if isinstance(v, tuple) else v  # noqa: E731
        self.pool = torch.nn.AvgPool2d(
            (1, first(kernel)), (1, first(stride)), (0, first(padding)), ceil_mode, True, 1
        )

    def forward(self, x):
        return self.pool(x.unsqueeze(-2)).squeeze(-2)


@settings(max_examples=120, deadline=None)
@given(chain=torch_chains(), size=st.integers(4, 9), data=st.data())
def test_network_sizes_fields_and_paths_equal_torchs_forward_and_autograd(chain, size, data):
    """PyTorch runs the chain: its forward shapes are the network's sizes, and the gradient
    of one output with every weight 1 and every pooling window summing its cells is the
    path count of every input cell; its non-zeros are the field."""
    from convanim.geometry.network import receptive_field
    from convanim.pytorch import build_network, parse_chain

    ndim, text = chain
    model = eval(f"nn.Sequential({text.replace(';', ',')})", {"nn": torch.nn}).double()
    x = torch.zeros((1, 1, *(size,) * ndim), dtype=torch.float64, requires_grad=True)
    try:
        y = model(x)
    except RuntimeError:  # PyTorch refuses the chain: convanim must refuse it too
        with pytest.raises(ConvanimError):
            build_network(parse_chain(text), (size,) * ndim)
        return
    try:
        network = build_network(parse_chain(text), (size,) * ndim)
    except ConvanimError as error:  # the pooling rules convanim calls its own (tested above)
        assume("convanim's rule" not in str(error))
        raise
    assert [tuple(shape) for shape in network.sizes[1:]] == [
        tuple(model[: k + 1](x).shape[2:]) for k in range(len(model))
    ]
    summed = torch.nn.Sequential(*(summing(module) for module in model)).double()
    cell = tuple(data.draw(st.integers(0, n - 1)) for n in y.shape[2:])
    summed(x)[(0, 0, *cell)].backward()
    gradient = x.grad[0, 0].numpy()
    field = receptive_field(network, cell)
    assert np.array(field.path_counts(), dtype=float).tolist() == gradient.tolist()
    np.testing.assert_array_equal(field.mask(0), gradient != 0)


@settings(max_examples=100, deadline=None)
@given(spec=channel_specs(transposed=False), seed=st.integers(0, 2**16), data=st.data())
def test_the_deconvnet_steps_are_torchs(spec, seed, data):
    """deconvnet() against F.conv, relu, max_pool(return_indices=True), max_unpool and
    F.conv_transpose with the same tensors: every step equal entry for entry, the switches
    index for index. Continuous values tie only where the ReLU leaves a window all zeros;
    both then take its first cell, which PyTorch does not promise."""
    from dataclasses import replace

    from convanim.geometry.deconvnet import deconvnet, pooling_over

    spec = replace(spec, bias=False)
    assume(all(before == after for before, after in spec.padding))
    window = data.draw(st.tuples(*(st.integers(1, n) for n in spec.output_size)))
    stride = data.draw(st.tuples(*(st.integers(1, 3) for _ in window)))
    padding = tuple(before for before, _ in spec.padding)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((spec.in_channels, *spec.input_size))
    w = rng.standard_normal(spec.weight_shape)
    steps = deconvnet(spec, pooling_over(spec, window, stride), x, w)
    n = spec.ndim
    conv = getattr(F, f"conv{n}d")
    y = conv(
        torch.from_numpy(x[None]),
        torch.from_numpy(w),
        None,
        spec.stride,
        padding,
        spec.dilation,
        spec.groups,
    )
    relu = torch.relu(y)
    pooled, where = getattr(F, f"max_pool{n}d")(relu, window, stride, return_indices=True)
    unpooled = getattr(F, f"max_unpool{n}d")(pooled, where, window, stride, output_size=y.shape[2:])
    made = [
        (m - 1) * s - 2 * p + d * (k - 1) + 1
        for m, s, p, d, k in zip(spec.output_size, spec.stride, padding, spec.dilation, spec.kernel)
    ]
    output_padding = tuple(size - m for size, m in zip(spec.input_size, made))
    back = getattr(F, f"conv_transpose{n}d")(
        torch.relu(unpooled),
        torch.from_numpy(w),
        None,
        spec.stride,
        padding,
        output_padding,
        spec.groups,
        spec.dilation,
    )
    np.testing.assert_allclose(steps.y, y[0].numpy(), atol=1e-12)
    np.testing.assert_allclose(steps.relu, relu[0].numpy(), atol=1e-12)
    np.testing.assert_allclose(steps.pooled, pooled[0].numpy(), atol=1e-12)
    np.testing.assert_array_equal(steps.switches, where[0].numpy())
    np.testing.assert_allclose(steps.unpooled, unpooled[0].numpy(), atol=1e-12)
    np.testing.assert_allclose(steps.reconstruction, back[0].numpy(), atol=1e-12)


@pytest.mark.parametrize("mode", COPYING)
@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_each_mode_takes_the_paddings_f_pad_takes_and_copies_what_it_copies(mode, size):
    """Every (before, after) up to two past the input size: ConvSpec refuses the mode's
    padding exactly where F.pad raises, and otherwise its padded input is F.pad's."""
    from convanim.geometry import canvas_values

    x = np.arange(1.0, size + 1)
    for before in range(size + 3):
        for after in range(size + 3):
            try:
                padded = F.pad(torch.from_numpy(x)[None, None], (before, after), mode=mode)
            except (RuntimeError, NotImplementedError):
                padded = None
            try:
                spec = ConvSpec(size, kernel=1, padding=((before, after),), padding_mode=mode)
            except ConvanimError as error:
                assert error.argument == "padding_mode"
                assert padded is None, (mode, size, before, after)
                continue
            assert padded is not None, (mode, size, before, after)
            np.testing.assert_array_equal(canvas_values(spec, x), padded[0, 0].numpy())


@pytest.mark.parametrize("mode", COPYING)
def test_a_transposed_layer_takes_no_mode_in_pytorch_or_convanim(mode):
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        torch.nn.ConvTranspose2d(1, 1, 3, padding=1, padding_mode=mode)
    with pytest.raises(ConvanimError, match="not defined for a transposed convolution"):
        ConvSpec((3, 3), kernel=3, padding=1, transposed=True, padding_mode=mode)


@settings(max_examples=150, deadline=None)
@given(spec=moded_specs(channels=True), seed=st.integers(0, 2**16))
def test_a_layer_with_a_padding_mode_is_the_torch_module_forward_and_backward(spec, seed):
    """nn.Conv1d/2d built with the spec's padding_mode (symmetric padding) or F.pad with the
    mode then the convolution (per-side padding): y, and under autograd dx, dw and db."""
    from convanim.geometry.backward import gradients

    x, w, b, dy = layer_arrays(spec, seed)
    leaves = [torch.from_numpy(array).requires_grad_() for array in (x[None], w)]
    bias = None if b is None else torch.from_numpy(b).requires_grad_()
    if all(before == after for before, after in spec.padding):
        layer = getattr(torch.nn, f"Conv{spec.ndim}d")(
            spec.in_channels,
            spec.out_channels,
            spec.kernel,
            stride=spec.stride,
            padding=tuple(before for before, _ in spec.padding),
            dilation=spec.dilation,
            groups=spec.groups,
            bias=False,
            padding_mode=spec.padding_mode,
        ).double()
        leaves[1] = layer.weight = torch.nn.Parameter(torch.from_numpy(w))
        y = layer(leaves[0]) + (0 if bias is None else bias.reshape(-1, *(1,) * spec.ndim))
    else:
        sides = tuple(side for pair in reversed(spec.padding) for side in pair)
        padded = F.pad(leaves[0], sides, mode=spec.padding_mode)
        function = getattr(F, FUNCTIONAL[spec.ndim, False])
        y = function(padded, leaves[1], bias, spec.stride, 0, spec.dilation, spec.groups)
    np.testing.assert_allclose(apply(spec, x, w, b), y[0].detach().numpy())
    y.backward(torch.from_numpy(dy[None]))
    grads = gradients(spec, x, w, dy)
    np.testing.assert_allclose(grads.dx, leaves[0].grad[0].numpy())
    np.testing.assert_allclose(grads.dw, leaves[1].grad.numpy())
    if bias is not None:
        np.testing.assert_allclose(grads.db, bias.grad.numpy())
