"""The one request every front end builds: its rules in the library's keyword names."""

from __future__ import annotations

import pytest

import convanim
from convanim.errors import ConvanimError
from convanim.geometry import ConvSpec, Pooling
from convanim.request import Request
from convanim.story.presets import Separable

ONE = ConvSpec(input_size=(5, 5), kernel=3, padding=1)
LAYER = ConvSpec(input_size=(5, 5), kernel=3, in_channels=2, out_channels=2, bias=True)
PAIR = Separable.of(ConvSpec(input_size=(5, 5), kernel=3, in_channels=2), 3)

#: (what is drawn, keywords, the start of the refusal): each rule once, in keyword names.
REFUSED = [
    (ONE, {"reading": "scatter"}, "reading: reads the stack and volume views: add view stack"),
    (ONE, {"view": "stack", "pooling": "max"}, "pooling: pooling has no channel view"),
    (ONE, {"pooling": "max", "weights": [1] * 9}, "weights: pooling has no weights: drop"),
    (ONE, {"pooling": "avg", "bias_values": [1]}, "bias_values: pooling has no bias"),
    (ONE, {"bias_values": [1]}, "bias_values: the layer has no bias: add bias"),
    (ONE, {"ceil_mode": True}, "ceil_mode: only pooling (pooling) has a ceil mode"),
    (ONE, {"count_include_pad": False}, "count_include_pad: only average pooling (pooling avg)"),
    (ONE, {"pooling": "max", "count_include_pad": False}, "count_include_pad: only average"),
    (ONE, {"pooling": "mean"}, "pooling: must be one of max, avg, got 'mean'"),
    (ONE, {"overlap": True}, "overlap: the overlap frame closes a scatter view"),
    (LAYER, {"view": "canvas"}, "view: draws one channel; a layer with 2 input and 2 output"),
    (PAIR, {"view": "flat"}, "view: a separable pair is drawn by view stack or view volume"),
    (ONE, {"max_frames": 0}, "max_frames: must be at least 1, got 0"),
    (ONE, {"max_pixels": -1}, "max_pixels: must be at least 1, got -1"),
    (ONE, {"labels": "no"}, "labels: must be bool, got 'no'"),
    ((5, 5), {}, "spec: must be a ConvSpec, a Separable pair or a Network"),
]


@pytest.mark.parametrize(("shown", "keywords", "message"), REFUSED)
def test_each_rule_refuses_in_the_librarys_names(shown, keywords, message):
    with pytest.raises(ConvanimError) as refused:
        Request.of(shown, **keywords)
    assert str(refused.value).startswith(message)


def test_a_bias_in_a_one_slice_view_is_refused_and_the_default_view_draws_it():
    biased = ConvSpec(input_size=(5, 5), kernel=3, bias=True)
    with pytest.raises(ConvanimError, match=r"^bias: the one-slice views draw no bias"):
        Request.of(biased, view="canvas")
    assert Request.of(biased).view.value == "stack"
    assert Request.of(PAIR).view.value == "stack" and Request.of(ONE).view.value == "canvas"


def test_a_given_poolings_own_settings_name_its_file():
    """Two poolings that differ only in count_include_pad do not share a default file."""
    spec = ConvSpec(input_size=(5, 5), kernel=3, stride=3, padding=1)
    counted = Request.of(spec, pooling=Pooling(spec, "avg"))
    real_only = Request.of(spec, pooling=Pooling(spec, "avg", count_include_pad=False))
    assert counted.default_path().name == "conv_i5_k3_s3_p1_avgpool.gif"
    assert real_only.default_path().name == "conv_i5_k3_s3_p1_avgpool_nopad.gif"
    with pytest.raises(ConvanimError, match=r"^ceil_mode: pooling sets its own"):
        Request.of(spec, pooling=Pooling(spec, "avg"), ceil_mode=True)


def test_requests_for_the_same_values_are_equal_and_hash_alike():
    """The explorer keys its cache by request: given arrays compare by their values."""
    first = Request.of(ONE, weights=list(range(9)))
    again = Request.of(ONE, weights=[float(v) for v in range(9)])
    other = Request.of(ONE, weights=list(range(1, 10)))
    assert first == again and hash(first) == hash(again)
    assert first != other and first != Request.of(ONE, values=True)
    assert first.values is not None and not first.values.weights.flags.writeable


def test_a_network_request_draws_its_view_for_one_cell_and_refuses_a_layers_options():
    from convanim.pytorch import build_network, parse_chain

    flat = build_network(parse_chain("nn.Conv1d(1, 1, 3); nn.Conv1d(1, 1, 3)"), 9)
    plane = build_network(parse_chain("nn.Conv2d(1, 1, 3); nn.MaxPool2d(2)"), 8)
    assert Request.of(flat).view.value == "tree" and Request.of(flat).cell == (2,)
    assert Request.of(plane).view.value == "layers" and Request.of(plane).cell == (1, 1)
    assert Request.of(plane) == Request.of(plane, cell=(1, 1))
    assert hash(Request.of(plane)) == hash(Request.of(plane, cell=(1, 1)))
    assert Request.of(plane).sizes == "8x8 -> 3x3"
    for option in ({"values": True}, {"pooling": "max"}, {"width": 300}, {"overlap": True}):
        (name,) = option
        with pytest.raises(ConvanimError, match=f"^{name}: a network's picture follows"):
            Request.of(plane, **option)
    with pytest.raises(ConvanimError, match=r"^cell: must be a cell of the 3x3 layer"):
        Request.of(plane, cell=(3, 0))
    with pytest.raises(ConvanimError, match=r"^cell: only a network"):
        Request.of(ConvSpec(input_size=5, kernel=3), cell=(1,))
    shown = convanim.animate(flat, cell=(0,))
    assert shown.frames == 3  # the two layers, then the input
    assert shown.data.decode().count("<title>What output cell 0 of a network of 2 layers") == 1
