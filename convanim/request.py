"""One request for every front end: what to draw, how, and within which budgets, checked once.

The command line, ``convanim.animate``, the gallery, the Sphinx directive and the MkDocs
fence all build a ``Request`` with ``Request.of`` and hand it to the library; every rule
about how options combine lives here, in the library's keyword names (the command line
only translates them into its flags).

>>> from convanim.geometry import ConvSpec
>>> request = Request.of(ConvSpec(input_size=(5, 5), kernel=3, stride=2, padding=1), values=True)
>>> request.view.value, request.values is not None, request.sizes
('canvas', True, '5x5 -> 3x3')
>>> Request.of(ConvSpec(input_size=(5, 5), kernel=3), reading="scatter")
Traceback (most recent call last):
...
convanim.errors.ConvanimError: reading: reads the stack and volume views: add view stack
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from convanim.draw.style import Style, Theme
from convanim.errors import ConvanimError, choose, quoted
from convanim.geometry import ConvSpec, Pooling, PoolMode
from convanim.geometry.network import Network
from convanim.pipeline import (
    DURATION,
    MAX_FRAMES,
    MAX_PIXELS,
    check_channel_budgets,
    check_duration,
    check_frame_budget,
    check_network_view,
    check_pooling_view,
    check_view,
    default_extension,
    default_name,
    shown_spec,
    title,
)
from convanim.story.backward import Grad, GradientStory
from convanim.story.board import NetworkView, Reading, View, frame_count
from convanim.story.presets import Separable
from convanim.story.values import ValueShapes, ValueSource, given_array, small_gradient
from convanim.text import shape_text, size_text

if TYPE_CHECKING:
    from convanim.draw.frames import Drawing
    from convanim.pipeline import Animation, Still


@dataclass(frozen=True)
class Request:
    """An animation as asked for, every rule already checked (build it with ``Request.of``).

    ``drawing_options`` are the keyword arguments of ``pipeline.drawing`` it stands for.
    """

    shown: ConvSpec | Separable | Network  # a layer, a depthwise-separable pair, a network
    view: View | NetworkView
    reading: Reading  # how the stack and volume views read the layer
    values: ValueSource | None  # where printed numbers come from; None prints none
    pooling: Pooling | None  # a pooling animated over the spec's windows
    overlap: bool  # a scatter view closes on the stamp counts
    style: Style
    duration: int  # milliseconds per frame
    transparent: bool
    max_frames: int
    max_pixels: int
    tags: tuple[str, ...] = field(default=(), compare=False)  # for the default file name
    cell: tuple[int, ...] | None = None  # a network's output cell whose field is shown
    from_input: tuple[int, ...] | None = None  # or the input cell whose reach is shown
    #: A gradient's picture: the layer it is of, and what the drawn layer stands for.
    gradient: GradientStory | None = field(default=None, compare=False)

    @classmethod
    def of(
        cls,
        shown: ConvSpec | Separable | Network,
        *,
        view: View | NetworkView | str | None = None,
        reading: Reading | str = Reading.GATHER,
        values: bool = False,
        seed: int = 0,
        input_values: object = None,
        weights: object = None,
        bias_values: object = None,
        pooling: Pooling | PoolMode | str | None = None,
        count_include_pad: bool = True,
        ceil_mode: bool = False,
        overlap: bool = False,
        theme: Theme | str = Theme.LIGHT,
        width: int | None = None,
        labels: bool = True,
        duration: int = DURATION,
        transparent: bool = False,
        max_frames: int = MAX_FRAMES,
        max_pixels: int = MAX_PIXELS,
        cell: tuple[int, ...] | None = None,
        from_input: tuple[int, ...] | None = None,
        grad: Grad | str | None = None,
        grad_values: object = None,
    ) -> Request:
        """The request for ``shown`` with these options, refused (ConvanimError) where they
        do not fit together.

        ``view`` defaults to canvas for one channel, stack for a layer with channels or a
        bias, and for a separable pair. ``pooling`` is a ``Pooling`` of the spec, or a mode (max, avg)
        with ``count_include_pad`` and ``ceil_mode``. ``values`` prints small integers from
        ``seed``; ``input_values``, ``weights`` and ``bias_values`` print the ones given (numbers
        in row-major order, shaped as ``ValueShapes`` says), and so does any pooling.

        ``grad`` (input, weight, bias) draws the backward pass of the layer instead (one
        channel in a one-slice view, channels in the stack view), at its printed x and w
        and the upstream gradient ``grad_values`` (dy, shaped as the output; by default
        small integers from ``seed``): see ``story.backward``.

        A ``Network`` is drawn in a ``NetworkView`` (tree for 1-D, layers for 2-D by
        default) for its output ``cell`` (None: the centre one), or for what input cell
        ``from_input`` reaches; a layer's options (numbers, pooling, reading, overlap,
        width) are refused for it.
        """
        if grad is not None or grad_values is not None:
            if isinstance(shown, Network):
                raise ConvanimError("grad", "draws a layer's backward pass, not a network's")
            return cls._gradient(
                shown,
                grad,
                grad_values,
                view=view,
                seed=seed,
                input_values=input_values,
                weights=weights,
                bias_values=bias_values,
                pooling=pooling,
                reading=reading,
                count_include_pad=count_include_pad,
                ceil_mode=ceil_mode,
                overlap=overlap,
                duration=duration,
                max_frames=max_frames,
                max_pixels=max_pixels,
                theme=theme,
                width=width,
                labels=labels,
                transparent=transparent,
            )
        if isinstance(shown, Network):
            layer_options = {
                "reading": reading != Reading.GATHER,
                "values": values,
                "input_values": input_values is not None,
                "weights": weights is not None,
                "bias_values": bias_values is not None,
                "pooling": pooling is not None,
                "count_include_pad": not count_include_pad,
                "ceil_mode": ceil_mode,
                "overlap": overlap,
                "width": width is not None,
            }
            for name, set_ in layer_options.items():
                if set_:
                    rule = "a network's picture follows one cell's field: drop {" + name + "}"
                    raise ConvanimError(name, rule)
            return cls._network(
                shown,
                view,
                cell,
                from_input,
                theme,
                labels,
                duration,
                transparent,
                max_frames,
                max_pixels,
            )
        for name, followed in (("cell", cell), ("from_input", from_input)):
            if followed is not None:
                raise ConvanimError(name, "only a network has cells to follow through its layers")
        _check_kinds(
            shown,
            seed=seed,
            max_frames=max_frames,
            max_pixels=max_pixels,
            values=values,
            labels=labels,
            transparent=transparent,
            overlap=overlap,
            count_include_pad=count_include_pad,
            ceil_mode=ceil_mode,
            **({} if width is None else {"width": width}),
        )
        _check_timing(duration, max_frames, max_pixels)
        pair = shown if isinstance(shown, Separable) else None
        spec = pair.depthwise if pair is not None else shown
        assert isinstance(spec, ConvSpec)
        if view is None:  # the one-slice views draw neither channels nor a 1-D or 2-D bias
            drawn_bias = spec.bias and spec.ndim < 3  # a 3-D picture names its bias
            one = spec.single_channel and not drawn_bias and pair is None
            view = View.CANVAS if one else View.STACK
        view = choose(View, view, "view")
        reading = choose(Reading, reading, "reading")
        if reading is not Reading.GATHER and not view.channels:
            raise ConvanimError("reading", "reads the stack and volume views: add {view} stack")
        check_view(shown, view, overlap)
        pool = _pooling(spec, pooling, count_include_pad, ceil_mode)
        check_pooling_view(pool, view)
        if pool is not None and weights is not None:
            raise ConvanimError("weights", "pooling has no weights: drop {weights} or {pooling}")
        if pool is not None and bias_values is not None:
            rule = "pooling has no bias: drop {bias_values} or {pooling}"
            raise ConvanimError("bias_values", rule)
        if bias_values is not None and not spec.bias:
            raise ConvanimError("bias_values", "the layer has no bias: add {bias}")
        given = (input_values, weights, bias_values)
        numeric = values or pool is not None or any(array is not None for array in given)
        source = None
        if numeric:
            owner = "the depthwise layer's " if pair is not None else ""
            shapes = ValueShapes.of(spec, view.channels, owner)
            source = ValueSource(
                seed,
                _given(input_values, shapes.input, "input_values"),
                _given(weights, shapes.weights, "weights"),
                _given(bias_values, shapes.bias, "bias_values", shapes.bias_naming),
            )
        tags: tuple[str, ...] = ("values",) if numeric else ()
        if pool is not None:  # the pooling's own settings, given or set here
            tags = (f"{pool.mode.value}pool",)
            tags += ("nopad",) if not pool.count_include_pad else ()
            tags += ("ceil",) if pool.ceil_mode else ()
        tags += ("overlap",) if overlap else ()
        style = Style(theme=choose(Theme, theme, "theme"), labels=labels, width=width)
        return cls(
            shown,
            view,
            reading,
            source,
            pool,
            overlap,
            style,
            duration,
            transparent,
            max_frames,
            max_pixels,
            tags,
        )

    @classmethod
    def _gradient(
        cls,
        shown: ConvSpec | Separable,
        grad: Grad | str | None,
        grad_values: object,
        *,
        view: View | NetworkView | str | None,
        seed: int,
        input_values: object,
        weights: object,
        bias_values: object,
        pooling: Pooling | PoolMode | str | None,
        reading: Reading | str,
        count_include_pad: bool,
        ceil_mode: bool,
        duration: int,
        max_frames: int,
        max_pixels: int,
        **options: Any,
    ) -> Request:
        """The request for a gradient's picture (see ``of``)."""
        from convanim.story.backward import gradient_spec, gradient_story

        _check_kinds(shown, seed=seed, max_frames=max_frames, max_pixels=max_pixels)
        _check_timing(duration, max_frames, max_pixels)
        if grad is None:
            raise ConvanimError("grad_values", "are dy for a gradient's picture: add {grad}")
        grad = choose(Grad, grad, "grad")
        if isinstance(shown, ConvSpec) and shown.padding_mode != "zeros" and grad is Grad.INPUT:
            rule = (
                f"input draws zero padding only, got {{padding_mode}} {shown.padding_mode}: each "
                "copy's gradient would fold back onto its input cell (geometry.backward "
                "computes it); weight and bias draw it"
            )
            raise ConvanimError("grad", rule)
        if isinstance(shown, Separable):
            raise ConvanimError("grad", "draws one layer's backward pass: drop {preset}")
        if _pooling(shown, pooling, count_include_pad, ceil_mode) is not None:
            raise ConvanimError("grad", "draws a convolution's backward pass: drop {pooling}")
        reading = choose(Reading, reading, "reading")
        if shown.ndim > 2:
            raise ConvanimError("grad", "draws the backward pass of a 1-D or 2-D layer")
        if grad is Grad.BIAS and not shown.bias:
            raise ConvanimError("grad", "the layer has no bias: add {bias}")
        one = shown.single_channel  # a one-channel picture; else a channel view
        if view is None:
            view = View.CANVAS if one else View.STACK
        view = choose(View, view, "view")
        if one and view.channels:
            rule = "a gradient of one channel is drawn canvas, scatter or flat"
            raise ConvanimError("view", rule)
        if not one and view is not View.STACK:  # the volume view has no room for numbers
            rule = "a gradient with channels is drawn {view} stack, which prints its numbers"
            raise ConvanimError("view", rule)
        stamps = view is View.SCATTER or reading.stamps
        if stamps and grad is not Grad.INPUT:
            rule = "dw and db gather (each weight sums what it met): "
            if view is View.SCATTER:
                raise ConvanimError("view", rule + "draw them canvas or flat")
            raise ConvanimError("reading", rule + "drop the scatter {reading}")
        if stamps and shown.transposed:
            rule = "dx of a transposed layer is a convolution, which gathers: drop the scatter"
            raise ConvanimError("view" if view is View.SCATTER else "reading", rule)
        if bias_values is not None and not shown.bias:
            raise ConvanimError("bias_values", "the layer has no bias: add {bias}")
        layer = replace(shown, bias=False)  # its gradients' pictures leave the bias out
        # The budgets, before any number is made: x, w and dy grow with the layer.
        if grad is Grad.WEIGHT:  # one frame per weight
            _check_weight_frames(layer, max_frames)
        drawn_spec = gradient_spec(layer, grad)
        if one:
            frames = frame_count(drawn_spec, Reading.SCATTER if stamps else Reading.GATHER)
            check_frame_budget(frames, max_frames)
        else:
            check_channel_budgets(drawn_spec, view, reading, max_frames, max_pixels)
        shapes = ValueShapes.of(shown, channels=not shown.single_channel)
        source = ValueSource(
            seed,
            _given(input_values, shapes.input, "input_values"),
            _given(weights, shapes.weights, "weights"),
            _given(bias_values, shapes.bias, "bias_values", shapes.bias_naming),
        )
        if shown.single_channel:  # the one-slice views' own small numbers
            plain_x, plain_w = source.arrays(layer)
            x, w = plain_x[None], plain_w[None, None]
        else:
            x, w, _ = source.channel_arrays(layer)
        b = source.channel_arrays(shown)[2] if shown.bias else None
        dy_shape = (shown.out_channels, *shown.output_size)
        typed = shown.output_size if shown.single_channel else dy_shape  # as --grad-values says
        dy = (
            small_gradient(layer, seed)
            if grad_values is None
            else given_array(grad_values, typed, "grad_values")
        ).reshape(dy_shape)
        story = replace(gradient_story(layer, grad, x, w, dy), bias=b)
        drawn = cls.of(
            story.spec,
            view=view,
            reading=reading,
            input_values=story.input,
            weights=story.weights,
            duration=duration,
            max_frames=max_frames,
            max_pixels=max_pixels,
            **options,
        )
        tags = (f"grad{grad.value}", *(tag for tag in drawn.tags if tag != "values"))
        return replace(drawn, gradient=replace(story, layer=shown), tags=tags)

    @classmethod
    def _network(
        cls,
        network: Network,
        view: View | NetworkView | str | None,
        cell: tuple[int, ...] | None,
        from_input: tuple[int, ...] | None,
        theme: Theme | str,
        labels: bool,
        duration: int,
        transparent: bool,
        max_frames: int,
        max_pixels: int,
    ) -> Request:
        """The request for a network (see ``of``)."""
        _check_kinds(
            network,
            max_frames=max_frames,
            max_pixels=max_pixels,
            labels=labels,
            transparent=transparent,
        )
        _check_timing(duration, max_frames, max_pixels)
        if view is None:
            view = NetworkView.TREE if network.ndim == 1 else NetworkView.LAYERS
        view = choose(NetworkView, view, "view")
        check_network_view(network, view)
        if view is NetworkView.COUNTS:
            for name, followed in (("cell", cell), ("from_input", from_input)):
                if followed is not None:
                    rule = (
                        "the counts view follows the whole input, no one cell: drop {" + name + "}"
                    )
                    raise ConvanimError(name, rule)
        if cell is not None and from_input is not None:
            rule = "a picture follows one cell: an output {cell} or an input {from_input}"
            raise ConvanimError("from_input", rule)
        from convanim.geometry.network import check_cell

        shown_cell = check_cell(network.sizes[-1], cell, "cell")
        if from_input is not None:
            from_input = check_cell(network.input_size, from_input, "from_input")
        style = Style(theme=choose(Theme, theme, "theme"), labels=labels)
        return cls(
            network,
            view,
            Reading.GATHER,
            None,
            None,
            False,
            style,
            duration,
            transparent,
            max_frames,
            max_pixels,
            (),
            shown_cell,
            from_input,
        )

    @property
    def spec(self) -> ConvSpec:
        """The layer drawn (a separable pair's first)."""
        if isinstance(self.shown, Network):
            raise ConvanimError("spec", "a network has no one layer: see its stages")
        return self.shown.depthwise if isinstance(self.shown, Separable) else self.shown

    @property
    def drawing_options(self) -> dict[str, Any]:
        """The keyword arguments of ``pipeline.drawing`` that draw this request."""
        if isinstance(self.shown, Network):
            return {
                "view": self.view,
                "style": self.style,
                "max_frames": self.max_frames,
                "max_pixels": self.max_pixels,
                "cell": self.cell,
                "from_input": self.from_input,
            }
        options: dict[str, Any] = {
            "view": self.view,
            "style": self.style,
            "max_frames": self.max_frames,
            "max_pixels": self.max_pixels,
            "values": self.values,
            "pooling": self.pooling,
            "overlap": self.overlap,
        }
        if isinstance(self.view, View) and self.view.channels:
            options["reading"] = self.reading
        if self.gradient is not None:
            options["names"] = self.gradient.names
            if self.gradient.channel_tags is not None:
                options["channel_tags"] = self.gradient.channel_tags
        return options

    @property
    def sizes(self) -> str:
        """What the animation maps onto what: ``5x5 -> 3x3``, or a separable pair's or a
        network's ends."""
        if isinstance(self.shown, Network):
            ends = self.shown.input_size, self.shown.sizes[-1]
            return " -> ".join(map(size_text, ends))
        if isinstance(self.shown, Separable):
            last = self.shown.pointwise
            after = size_text((last.out_channels, *last.output_size))
            return f"{shape_text(self.shown.depthwise)} -> {after}"
        return shape_text(shown_spec(self.shown, self.pooling))

    @property
    def _about(self) -> str | None:
        """The alt text an SVG is given where the drawn spec's own sentence is not it."""
        return None if self.gradient is None else self.gradient.about

    @property
    def title(self) -> str:
        """The animation in one sentence: its alt text."""
        if self.gradient is not None:
            return self.gradient.about
        return title(self.shown, self.pooling, self.cell, self.view, self.from_input)

    def default_path(self, still: int | None = None, folder: Path = Path("renders")) -> Path:
        """Where the command line writes it unless told: a name that states the parameters."""
        tags = self.tags + ((f"frame{still}",) if still is not None else ())
        extension = default_extension(self.style.theme, still=still is not None)
        if isinstance(self.shown, Network):
            cell = "-".join(map(str, self.cell or ()))
            followed = f"cell{cell}"
            if self.from_input is not None:
                followed = "from" + "-".join(map(str, self.from_input))
            theme = "" if self.style.theme is Theme.LIGHT else f"_{self.style.theme.value}"
            parts = ["net", *self.tags, self.view.value, followed, *tags[len(self.tags) :]]
            return folder / ("_".join(parts) + theme + extension)
        assert isinstance(self.view, View)
        if self.gradient is not None:  # named for the layer whose gradient it is
            layer = self.gradient.layer
            return folder / default_name(layer, self.view, self.style.theme, extension, tags)
        name = default_name(self.spec, self.view, self.style.theme, extension, tags)
        if isinstance(self.shown, Separable):
            name = f"separable_{name.removeprefix('conv_')}"
        return folder / name

    def still(self) -> Request:
        """The same request for a printed still: theme auto, which follows the reader's
        screen, is light on paper."""
        if self.style.theme is not Theme.AUTO:
            return self
        return replace(self, style=replace(self.style, theme=Theme.LIGHT))

    def numbers(self) -> dict[str, Any]:
        """The numbers the animation prints, as ``pipeline.printed_numbers`` gives them;
        refused when it prints none."""
        from convanim.pipeline import printed_numbers

        if isinstance(self.shown, Network):
            raise ConvanimError("as_json", "a network's numbers are convanim net --json's")
        if self.values is None:
            raise ConvanimError("as_json", "writes the numbers the picture prints: add {values}")
        if self.gradient is not None:
            from convanim.story.backward import gradient_numbers

            return gradient_numbers(self.gradient)
        assert isinstance(self.view, View)
        return printed_numbers(self.shown, self.view, self.values, self.pooling)

    def write(self, path: Path | str) -> Animation:
        """Write the animation to ``path`` (the format follows its extension)."""
        from convanim.pipeline import animate_to_file

        return animate_to_file(
            self.shown,
            path,
            duration=self.duration,
            transparent=self.transparent,
            about=self._about,
            **self.drawing_options,
        )

    def write_still(self, path: Path | str, frame: int | None = None) -> Still:
        """Write frame number ``frame`` (1-based; None: the one that stands for the
        animation) to ``path``: .svg, .png or .pdf."""
        from convanim.pipeline import write_still

        return write_still(
            self.shown,
            path,
            frame=frame,
            transparent=self.transparent,
            about=self._about,
            **self.drawing_options,
        )

    def svg(self, frame: int | None = None) -> tuple[str, Drawing]:
        """The animated SVG (or frame number ``frame`` alone, 1-based), and the drawing it
        was written from."""
        from convanim.pipeline import svg_text

        return svg_text(
            self.shown,
            duration=self.duration,
            transparent=self.transparent,
            still=frame is not None,
            frame=frame,
            about=self._about,
            **self.drawing_options,
        )


def _pooling(
    spec: ConvSpec,
    pooling: Pooling | PoolMode | str | None,
    count_include_pad: bool,
    ceil_mode: bool,
) -> Pooling | None:
    """The pooling asked for: a ``Pooling`` as given, or one of ``spec`` in a mode."""
    if isinstance(pooling, Pooling):
        if not count_include_pad or ceil_mode:
            argument = "ceil_mode" if ceil_mode else "count_include_pad"
            raise ConvanimError(argument, "{pooling} sets its own: give it there")
        return pooling
    if pooling is None:
        if ceil_mode:
            raise ConvanimError("ceil_mode", "only pooling ({pooling}) has a ceil mode")
        if not count_include_pad:
            rule = "only average pooling ({pooling} avg) counts padding"
            raise ConvanimError("count_include_pad", rule)
        return None
    mode = choose(PoolMode, pooling, "pooling")
    if not count_include_pad and mode is not PoolMode.AVG:
        rule = "only average pooling ({pooling} avg) counts padding"
        raise ConvanimError("count_include_pad", rule)
    return Pooling(spec, mode, count_include_pad, ceil_mode)


def _given(
    values: object, shape: tuple[int, ...], argument: str, naming: str | None = None
) -> np.ndarray | None:
    return None if values is None else given_array(values, shape, argument, naming)


def _check_weight_frames(layer: ConvSpec, max_frames: int) -> None:
    """Refuse a weight gradient's picture, one frame per weight, over ``max_frames``,
    naming the larger factor: the kernel's cells or a channel count."""
    kernel, pairs = math.prod(layer.kernel), math.prod(layer.weight_shape[:2])
    channels = "in_channels" if layer.in_channels >= layer.out_channels else "out_channels"
    smaller = "fewer channels or a smaller kernel"
    culprit = channels if pairs > kernel else "kernel"
    check_frame_budget(math.prod(layer.weight_shape), max_frames, "weight", smaller, culprit)


def _check_timing(duration: int, max_frames: int, max_pixels: int) -> None:
    """Refuse a duration no format stores, and budgets below one frame or one pixel."""
    check_duration(duration)
    for name, budget in (("max_frames", max_frames), ("max_pixels", max_pixels)):
        if budget < 1:
            raise ConvanimError(name, f"must be at least 1, got {budget}")


_SWITCHES = ("values", "labels", "transparent", "overlap", "count_include_pad", "ceil_mode")


def _check_kinds(shown: object, **given: object) -> None:
    """Refuse arguments of the wrong kind with ConvanimError, as the library does everywhere."""
    if not isinstance(shown, (ConvSpec, Separable, Network)):
        rule = f"must be a ConvSpec, a Separable pair or a Network, got {quoted(shown)}"
        raise ConvanimError("spec", rule)
    for name, value in given.items():
        wanted = bool if name in _SWITCHES else int
        if type(value) is not wanted and not (wanted is int and isinstance(value, np.integer)):
            raise ConvanimError(name, f"must be {wanted.__name__}, got {quoted(value)}")
