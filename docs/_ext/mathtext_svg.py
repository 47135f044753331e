"""Math for Sphinx's HTML builders, rendered at build time: each formula an inline SVG.

matplotlib's mathtext (a subset of TeX) lays a formula out and gives its glyphs as
outlines; they are written as one ``<path>`` filled with ``currentColor``, so the formula
takes the colour of the text around it (the theme's light or dark), labelled with its
TeX source for screen readers, and sized in ``em`` so that it scales with that text.
Inline formulas sit on the baseline, display formulas are centred on their own line.
Nothing is fetched when a page is read: no script, no font, no image file.

In ``conf.py``: ``extensions = [..., "mathtext_svg"]`` (with this folder on ``sys.path``)
and ``html_math_renderer = "mathtext_svg"``.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number
from sphinx.writers.html5 import HTML5Translator

if TYPE_CHECKING:
    from matplotlib.path import Path

NAME = "mathtext_svg"
#: Units of the SVG's drawing per em of the surrounding text: the formula is laid out at
#: this font size, large enough that mathtext's whole-unit box metrics are exact to 1%.
UNITS_PER_EM = 100
#: The formula's font size relative to the text around it: Computer Modern's letters are
#: smaller than a sans-serif text font's at the same size (x-height 0.43 em against about
#: 0.52 em); this comes close to the text's x-height without capitals much taller than its.
MATH_SCALE = 1.15
FONT_SET = "cm"  # Computer Modern, the look of TeX
DECIMALS = 1  # of a drawing unit (a thousandth of an em) in the path's coordinates
EM_DECIMALS = 3  # of the sizes in em: a thousandth of an em, as the path's coordinates

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Formula:
    """One formula drawn: its outline as SVG path data, the drawing's box in drawing
    units (y down, the baseline at 0) and its depth below the baseline."""

    path_data: str
    left: float
    top: float
    width: float
    height: float
    depth: float


def _number(value: float, decimals: int = DECIMALS) -> str:
    """``value`` rounded to ``decimals``, without trailing zeros or a ``-0``.

    >>> _number(2.50), _number(-0.04), _number(1.23456, 3)
    ('2.5', '0', '1.235')
    """
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _path_data(path: Path) -> str:
    """A matplotlib ``Path`` (y up) as SVG path data (y down)."""
    from matplotlib.path import Path

    letters = {Path.MOVETO: "M", Path.LINETO: "L", Path.CURVE3: "Q", Path.CURVE4: "C"}
    commands = []
    for vertices, code in path.iter_segments(simplify=False, curves=True):
        if code == Path.CLOSEPOLY:
            commands.append("Z")
            continue
        points = vertices.reshape(-1, 2)
        coordinates = " ".join(f"{_number(x)} {_number(-y)}" for x, y in points)
        commands.append(f"{letters[code]}{coordinates}")
    return "".join(commands)


@functools.cache
def draw(tex: str) -> Formula:
    """``tex`` laid out by mathtext; ValueError (mathtext's message) if it cannot be."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.mathtext import MathTextParser
    from matplotlib.textpath import TextPath

    font = FontProperties(size=UNITS_PER_EM, math_fontfamily=FONT_SET)
    source = f"${tex}$"
    # The box TeX would give the formula (advance width, height above and depth below
    # the baseline), in whole units: at UNITS_PER_EM, within 1% of an em.
    box = MathTextParser("path").parse(source, dpi=72, prop=font)
    outline = TextPath((0, 0), source, prop=font)  # y up, the baseline at y = 0
    ink = outline.get_extents()
    ascent = box.height - box.depth
    # Italic letters may reach past the box: the drawing holds both the box and the ink.
    left, right = min(0.0, ink.x0), max(box.width, ink.x1)
    top, bottom = min(-ascent, -ink.y1), max(box.depth, -ink.y0)
    return Formula(_path_data(outline), left, top, right - left, bottom - top, bottom)


def svg(tex: str, display: bool) -> str:
    """The formula ``tex`` as an inline SVG element labelled with its source."""
    formula = draw(tex)
    scale = MATH_SCALE / UNITS_PER_EM  # em per drawing unit

    def em(units: float) -> str:
        return f"{_number(units * scale, EM_DECIMALS)}em"

    if display:  # its own line, centred; narrowed with its height kept in proportion
        style = (
            f"display: block; margin: 0 auto; width: {em(formula.width)}; "
            "max-width: 100%; height: auto"
        )
    else:  # the formula's baseline on the text's
        style = (
            f"width: {em(formula.width)}; height: {em(formula.height)}; "
            f"vertical-align: {em(-formula.depth)}"
        )
    view_box = " ".join(
        _number(value) for value in (formula.left, formula.top, formula.width, formula.height)
    )
    label = html.escape(tex, quote=True)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{label}" '
        f'viewBox="{view_box}" style="{style}" fill="currentColor">'
        f'<path d="{formula.path_data}"/></svg>'
    )


def _formula(translator: HTML5Translator, node: nodes.Element, tex: str, display: bool) -> str:
    """The SVG of ``tex``, or (with a warning at the node) its source as code."""
    try:
        return svg(tex, display)
    except ValueError as error:
        # mathtext's message: the formula, a caret under the fault, then what it expected.
        problem = str(error).strip().splitlines()[-1]
        logger.warning(
            "mathtext cannot draw %r: %s", tex, problem, location=node, type="math", subtype=NAME
        )
        return f"<code>{translator.encode(tex)}</code>"


def _one_line(tex: str) -> str:
    """``tex`` with its line breaks and runs of spaces as single spaces (mathtext reads
    a newline as a character)."""
    return " ".join(tex.split())


def visit_math(translator: HTML5Translator, node: nodes.math) -> None:
    translator.body.append(translator.starttag(node, "span", "", CLASS="math notranslate"))
    translator.body.append(_formula(translator, node, _one_line(node.astext()), display=False))
    translator.body.append("</span>")
    raise nodes.SkipNode


def visit_displaymath(translator: HTML5Translator, node: nodes.math_block) -> None:
    """A display formula; one drawn line per paragraph of its source (mathtext draws no
    aligned blocks)."""
    translator.body.append(translator.starttag(node, "div", CLASS="math notranslate"))
    if node["number"]:
        number = get_node_equation_number(translator, node)
        translator.body.append(f'<span class="eqno">({number})')
        translator.add_permalink_ref(node, _("Link to this equation"))
        translator.body.append("</span>")
    for part in node.astext().split("\n\n"):
        if part.strip():
            translator.body.append(_formula(translator, node, _one_line(part), display=True))
    translator.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the renderer (select it with ``html_math_renderer = "mathtext_svg"``)."""
    app.add_html_math_renderer(
        NAME,
        inline_renderers=(visit_math, None),
        block_renderers=(visit_displaymath, None),
    )
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
