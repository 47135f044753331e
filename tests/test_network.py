"""Networks: receptive and projective fields and path counts against dense N-D matrices built
here from PyTorch's definitions (every weight 1, every pooling window summing its cells),
and the calculator's summary against hand-worked stacks, including the cases the public
receptive-field calculators get wrong."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from convanim.errors import ConvanimError
from convanim.geometry import ConvSpec, Pooling
from convanim.geometry.network import (
    Network,
    Stage,
    Upsample,
    drawn_layers,
    layer_reads,
    outer,
    outer_counts,
    path_totals,
    projective_field,
    receptive_field,
    summaries,
)


def conv_matrix(size, kernel, stride, padding, dilation):
    """(output cells, input cells) of a convolution: output o reads input o*s - pb + k*d."""
    out = tuple(
        (n + pb + pa - d * (k - 1) - 1) // s + 1
        for n, k, s, (pb, pa), d in zip(size, kernel, stride, padding, dilation)
    )
    assume(min(out) >= 1)
    matrix = np.zeros((math.prod(out), math.prod(size)), dtype=object)
    for o in itertools.product(*map(range, out)):
        for k in itertools.product(*map(range, kernel)):
            i = tuple(
                oo * s - pb + kk * d
                for oo, kk, s, (pb, _), d in zip(o, k, stride, padding, dilation)
            )
            if all(0 <= ii < n for ii, n in zip(i, size)):
                matrix[np.ravel_multi_index(o, out), np.ravel_multi_index(i, size)] += 1
    return out, matrix


def transposed_matrix(size, kernel, stride, padding, dilation, output_padding):
    """A transposed convolution: input i stamps output i*s - pb + k*d, cropped."""
    out = tuple(
        (n - 1) * s - pb - pa + d * (k - 1) + op + 1
        for n, k, s, (pb, pa), d, op in zip(size, kernel, stride, padding, dilation, output_padding)
    )
    assume(min(out) >= 1)
    matrix = np.zeros((math.prod(out), math.prod(size)), dtype=object)
    for i in itertools.product(*map(range, size)):
        for k in itertools.product(*map(range, kernel)):
            o = tuple(
                ii * s - pb + kk * d
                for ii, kk, s, (pb, _), d in zip(i, k, stride, padding, dilation)
            )
            if all(0 <= oo < n for oo, n in zip(o, out)):
                matrix[np.ravel_multi_index(o, out), np.ravel_multi_index(i, size)] += 1
    return out, matrix


def upsample_matrix(size, scale):
    out = tuple(n * s for n, s in zip(size, scale))
    matrix = np.zeros((math.prod(out), math.prod(size)), dtype=object)
    for o in itertools.product(*map(range, out)):
        i = tuple(oo // s for oo, s in zip(o, scale))
        matrix[np.ravel_multi_index(o, out), np.ravel_multi_index(i, size)] = 1
    return out, matrix


@st.composite
def chains(draw, max_ndim=2):
    """A valid random chain and, per stage, its dense reference matrix."""
    ndim = draw(st.integers(1, max_ndim))
    size = tuple(draw(st.lists(st.integers(2, 7), min_size=ndim, max_size=ndim)))
    start, stages, matrices = size, [], []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["conv", "transposed", "max", "upsample", "pass"]))
        if max(size) > 12:
            kind = draw(st.sampled_from(["conv", "max", "pass"]))
        if kind == "pass":
            stages.append(Stage("nn.ReLU()", None))
            matrices.append(np.eye(math.prod(size), dtype=int).astype(object))
            continue
        if kind == "upsample":
            scale = tuple(draw(st.lists(st.integers(1, 2), min_size=ndim, max_size=ndim)))
            stages.append(Stage("nn.Upsample(scale_factor=2)", Upsample(size, scale)))
            size, matrix = upsample_matrix(size, scale)
            matrices.append(matrix)
            continue

        def each(low, high):
            return tuple(draw(st.lists(st.integers(low, high), min_size=ndim, max_size=ndim)))

        kernel, stride, dilation = each(1, 3), each(1, 3), each(1, 2)
        if kind == "max":
            dilation = (1,) * ndim
            padding = tuple((p, p) for p in (draw(st.integers(0, k // 2)) for k in kernel))
            out, matrix = conv_matrix(size, kernel, stride, padding, dilation)
            assume(min(out) >= 1)
            spec = ConvSpec(input_size=size, kernel=kernel, stride=stride, padding=padding)
            stages.append(Stage("nn.MaxPool", Pooling(spec, "max")))
        elif kind == "conv":
            padding = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(ndim))
            out, matrix = conv_matrix(size, kernel, stride, padding, dilation)
            assume(min(out) >= 1)
            spec = ConvSpec(
                input_size=size, kernel=kernel, stride=stride, padding=padding, dilation=dilation
            )
            stages.append(Stage("nn.Conv", spec))
        else:
            padding = tuple((draw(st.integers(0, 1)), draw(st.integers(0, 1))) for _ in range(ndim))
            output_padding = tuple(
                draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation)
            )
            out, matrix = transposed_matrix(size, kernel, stride, padding, dilation, output_padding)
            assume(min(out) >= 1)
            spec = ConvSpec(
                input_size=size,
                kernel=kernel,
                stride=stride,
                padding=padding,
                dilation=dilation,
                output_padding=output_padding,
                transposed=True,
            )
            stages.append(Stage("nn.ConvTranspose", spec))
        size = out
        matrices.append(matrix)
    return Network(start, tuple(stages)), matrices


def support(counts, size):
    return np.array(counts, dtype=object).reshape(size) != 0


@settings(max_examples=150, deadline=None)
@given(chain=chains(), data=st.data())
def test_fields_and_path_counts_equal_the_composed_transposes_of_a_one_hot(chain, data):
    network, matrices = chain
    sizes = network.sizes
    for matrix, before, after in zip(matrices, sizes, sizes[1:]):
        assert matrix.shape == (math.prod(after), math.prod(before))  # the sizes, by formula
    cell = tuple(data.draw(st.integers(0, n - 1)) for n in sizes[-1])
    field = receptive_field(network, cell)
    counts = np.zeros(math.prod(sizes[-1]), dtype=object)
    counts[np.ravel_multi_index(cell, sizes[-1])] = 1
    for layer in range(len(sizes) - 1, -1, -1):
        lit = support(counts, sizes[layer])
        np.testing.assert_array_equal(field.mask(layer), lit)
        assert field.cells(layer) == int(lit.sum())
        if layer:
            counts = matrices[layer - 1].T.dot(counts)
    assert field.path_counts() == counts.reshape(sizes[0]).tolist()


@settings(max_examples=100, deadline=None)
@given(chain=chains(), data=st.data())
def test_projective_field_is_what_the_forward_matrices_reach(chain, data):
    network, matrices = chain
    sizes = network.sizes
    cell = tuple(data.draw(st.integers(0, n - 1)) for n in sizes[0])
    reach = projective_field(network, cell)
    vector = np.zeros(math.prod(sizes[0]), dtype=object)
    vector[np.ravel_multi_index(cell, sizes[0])] = 1
    for layer, size in enumerate(sizes):
        expected = support(vector, size)
        np.testing.assert_array_equal(outer(reach[layer]), expected)
        if layer < len(matrices):
            vector = matrices[layer].dot(vector)


def stack(size, *specs):
    """A chain of convolutions given as (kernel, stride, padding, dilation), 1-D."""
    stages = []
    for kernel, stride, padding, dilation in specs:
        spec = ConvSpec(
            input_size=size, kernel=kernel, stride=stride, padding=padding, dilation=dilation
        )
        stages.append(Stage(f"k{kernel} s{stride} p{padding} d{dilation}", spec))
        size = spec.output_size[0]
    return stages


def test_three_3x3_layers_see_7x7_with_jump_1():
    network = Network((32,), tuple(stack(32, (3, 1, 1, 1), (3, 1, 1, 1), (3, 1, 1, 1))))
    assert [s[0].size for s in summaries(network)] == [3, 5, 7]
    assert {s[0].jump for s in summaries(network)} == {1}
    assert [s[0].start for s in summaries(network)] == [0, 0, 0]  # padding 1 keeps centres
    field = receptive_field(network, (16,))
    assert field.box(0) == ((13, 19),)
    assert list(field.paths[0][13:20]) == [1, 3, 6, 7, 6, 3, 1]  # the trinomial coefficients


def test_strided_stack_multiplies_the_jump():
    network = Network((32,), tuple(stack(32, (3, 2, 1, 1), (3, 2, 1, 1))))
    first, second = (s[0] for s in summaries(network))
    assert (first.jump, first.size, first.start) == (2, 3, 0)
    assert (second.jump, second.size, second.start) == (4, 7, 0)


def test_dilated_stack_start_counts_the_dilation():
    """WaveNet-style dilations 1, 2, 4 with 'valid' padding: field 8 cells, the first one
    centred at 3.5; a calculator that leaves dilation out of the start says 1.5."""
    network = Network((16,), tuple(stack(16, (2, 1, 0, 1), (2, 1, 0, 2), (2, 1, 0, 4))))
    last = summaries(network)[-1][0]
    assert (last.jump, last.size, last.start) == (1, 8, Fraction(7, 2))
    assert receptive_field(network, (0,)).box(0) == ((0, 7),)


def test_dilated_layer_has_holes():
    network = Network((9,), tuple(stack(9, (3, 1, 0, 3))))
    (only,) = summaries(network)
    assert only[0].holes and only[0].size == 7
    assert receptive_field(network, (0,)).holes(0)


def test_a_transposed_layers_field_is_not_empty():
    """A calculator gives a transposed layer a field of 0; each output of a k4 s2 p1
    transposed convolution reads 2 inputs (3 at none), and the jump is half a cell."""
    spec = ConvSpec(input_size=8, kernel=4, stride=2, padding=1, transposed=True)
    network = Network((8,), (Stage("nn.ConvTranspose1d(1, 1, 4, 2, 1)", spec),))
    field = receptive_field(network, (5,))
    assert field.cells(0) == 2 and field.box(0) == ((2, 3),)
    (summary,) = summaries(network)[0]
    assert summary.jump == Fraction(1, 2) and summary.size == 2


def test_same_padding_stack_keeps_the_size_and_the_calculator_summary():
    stages = []
    for _ in range(3):
        spec = ConvSpec(input_size=20, kernel=4, padding="same")
        stages.append(Stage("nn.Conv1d(1, 1, 4, padding='same')", spec))
    network = Network((20,), tuple(stages))
    assert network.sizes == ((20,),) * 4
    last = summaries(network)[-1][0]
    assert (last.jump, last.size) == (1, 10)  # 4, 7, 10: each layer adds 3
    assert last.start == Fraction(3, 2)  # same pads 1 before, 2 after: each field leans right


def test_path_counts_are_exact_beyond_float_precision():
    stages = stack(200, *[(3, 1, 1, 1)] * 60)
    field = receptive_field(Network((200,), tuple(stages)), (100,))
    central_trinomial = sum(math.comb(60, k) * math.comb(60 - k, k) for k in range(31))
    assert max(field.paths[0]) == field.paths[0][100] == central_trinomial
    assert max(field.paths[0]) > 2**53


def test_bad_cells_and_chains_are_refused():
    network = Network((8,), tuple(stack(8, (3, 1, 0, 1))))
    with pytest.raises(ConvanimError, match="cell: must be a cell of the 6 layer"):
        receptive_field(network, (6,))
    with pytest.raises(ConvanimError, match="from_input"):
        projective_field(network, (-1,))
    with pytest.raises(ConvanimError, match=r"layer 2 \(b\) reads \(5,\)"):
        Network((8,), (network.stages[0], Stage("b", ConvSpec(input_size=5, kernel=3))))
    with pytest.raises(ConvanimError, match="at least one layer"):
        Network((8,), ())


@settings(max_examples=100, deadline=None)
@given(chain=chains())
def test_path_totals_are_the_forward_pass_of_ones(chain):
    """Every layer's counts from the whole input: the composed matrices times a vector of ones."""
    network, matrices = chain
    totals = path_totals(network)
    vector = np.ones(math.prod(network.sizes[0]), dtype=object)
    for layer, size in enumerate(network.sizes):
        assert outer_counts(totals[layer]) == vector.reshape(size).tolist()
        if layer < len(matrices):
            vector = matrices[layer].dot(vector)


def test_a_transposed_layers_jump_is_its_stride_inverted_whatever_its_kernel():
    """Odd kernels too: k 3 stride 2 (the guide's odd case) reads 1 or 2 inputs by turns,
    k 4 stride 3 likewise every third cell: the fields recur every s cells moved by one."""
    for kernel, stride, jump in ((3, 2, Fraction(1, 2)), (4, 3, Fraction(1, 3))):
        spec = ConvSpec(input_size=6, kernel=kernel, stride=stride, transposed=True)
        (summary,) = summaries(Network((6,), (Stage("up", spec),)))[0]
        assert summary.jump == jump and summary.start is None, (kernel, stride)


def test_cut_means_the_border_cuts_a_field_not_that_fields_differ():
    """A transposed layer's interior fields differ in width (1 or 2 inputs) without any
    border; padding 1 on a 3x3 kernel cuts the first and last fields."""
    spec = ConvSpec(input_size=6, kernel=3, stride=2, transposed=True)
    inner = [
        cell
        for cell in range(2, 11)
        if receptive_field(Network((6,), (Stage("t", spec),)), (cell,)).cells(0) == 1
    ]
    assert inner  # narrower fields inside: not cut by any border
    (only,) = summaries(Network((6,), tuple(stack(6, (3, 1, 0, 1)))))[0]
    assert not only.cut
    (padded,) = summaries(Network((6,), tuple(stack(6, (3, 1, 1, 1)))))[0]
    assert padded.cut and padded.size == 3 and padded.start == 0


def test_a_last_layer_of_one_cell_has_a_start_and_no_jump():
    (summary,) = summaries(Network((3,), tuple(stack(3, (3, 1, 0, 1)))))[0]
    assert (summary.jump, summary.size, summary.start) == (None, 3, 1)


def test_a_field_that_reads_padding_only_is_empty_not_an_error():
    network = Network((3,), tuple(stack(3, (1, 1, 1, 1))))  # output 0 is padding's
    field = receptive_field(network, (0,))
    assert field.box(0) is None and field.cells(0) == 0 and not field.holes(0)
    assert field.path_counts() == [0, 0, 0]


def test_drawn_layers_fold_pass_through_and_padding_but_not_the_last_that_does_anything():
    pad = ConvSpec(input_size=5, kernel=1, padding=1)
    conv = ConvSpec(input_size=7, kernel=3)
    network = Network(
        (5,),
        (
            Stage("pad", pad),
            Stage("conv", conv),
            Stage("relu", None),
            Stage("pad", ConvSpec(input_size=5, kernel=1, padding=1)),
            Stage("relu", None),
        ),
    )
    assert drawn_layers(network) == [0, 2, 4]


@settings(max_examples=60, deadline=None)
@given(chain=chains())
def test_layer_reads_are_the_products_of_the_stages_between(chain):
    network, matrices = chain
    if network.ndim != 1:
        return
    layers = [0, *range(1, len(network.sizes))]
    for reads, (earlier, later) in zip(
        layer_reads(network, [0, len(network.sizes) - 1]), [(0, len(network.sizes) - 1)]
    ):
        product = np.eye(network.sizes[0][0], dtype=object)
        for matrix in matrices[earlier:later]:
            product = matrix.dot(product)
        np.testing.assert_array_equal(reads, product != 0)
    assert len(layer_reads(network, layers)) == len(layers) - 1
