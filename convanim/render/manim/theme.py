"""How the Manim scenes look: lengths in scene units, Manim stroke widths, font sizes.

Their colours are the palettes of ``draw.style`` (``THEME``'s), so a scene and a GIF
of the same spec agree.
"""

from __future__ import annotations

from convanim.draw.style import Theme

THEME = Theme.DARK  # the scenes' palette
CELL = 0.5  # default cell edge
MAX_CELL = 0.7  # largest cell edge when fitting grids into the frame
FRAME_ROOM = (11.0, 5.0)  # width and height the grids may take
STROKE = 2.0  # cell outlines
DASHED_STROKE = 1.5  # padding and inserted zeros
THIN_STROKE = 1.0  # heat maps and matrices
OUTLINE_OPACITY = 0.9
DASHED_OPACITY = 0.45
HEAT_OUTLINE_OPACITY = 0.4
MATRIX_OUTLINE_OPACITY = 0.35
FOOTPRINT_OPACITY = 0.35
FOOTPRINT_STROKE = 3.0
PENDING_OUTPUT_OPACITY = 0.15  # output cells not reached yet
FONT_PER_UNIT = 50  # font size of a cell value per scene unit of cell edge
LABEL_BUFF = 0.2  # between a grid and its caption
TAP_DOT_AT = 0.18  # the first-tap dot, from the cell's corner, in cell edges
TAP_DOT_RADIUS = 0.1  # in cell edges
VECTOR_STROKE = 1.5  # the cells of a vector beside a matrix
CROPPED_STAMP_STROKE_OPACITY = 0.6  # scatter: a stamp cell the padding crops, outline
CROPPED_STAMP_FILL_OPACITY = 0.12  # and its fill
# Manim font sizes by role (the cell values scale with the cell: FONT_PER_UNIT).
TITLE_FONT = 32  # the title line of a scene
TEXT_FONT = 26  # narration under the title; the names of matrices and vectors
CAPTION_FONT = 22  # plane names, headings, kernel captions
SMALL_FONT = 20  # captions where the picture is crowded
SIGN_FONT = 40  # the "=" of an equation between grids
VERDICT_FONT = 60  # the "=" between two results shown to be equal
# Manim: the channels scene.
CHANNELS_MAX_CELL = 0.38  # largest cell edge of an input or output channel's plane
CHANNELS_ROOM = 5.5  # height the stacked planes of one side may take
CHANNELS_PLANE_WIDTH = 2.4  # width one plane may take
CHANNELS_PLANE_GAP = 0.25  # between two stacked planes
CHANNELS_MIN_VALUE_CELL = 0.22  # smaller cells print no values (they would not read)
CHANNELS_FILTER_ROOM = 2.4  # width a filter (its slices side by side) may take
CHANNELS_SLICE_GAP = 0.05  # between the slices of one filter
CHANNELS_LINK_STROKE = 2.0  # the lines from an input channel to the filters reading it
CHANNELS_LINK_OPACITY = 0.55  # those lines at rest
CHANNELS_ACTIVE_STROKE = 4.0  # the lines of the filter whose output is filling
CHANNELS_IDLE_OPACITY = 0.12  # the other filters' lines meanwhile
CHANNELS_FRAME_STROKE = 3.0  # the group-coloured frame around a plane
CHANNELS_FRAME_BUFF = 0.06  # between a plane and its frame
CHANNELS_TIP = 0.2  # tip length of the arrow from a filter to its output channel
CHANNELS_TIP_PER_CELL = 0.6  # at most this many cell edges
NETWORK_ROW_GAP = 1.6  # the network scene: cell edges between two rows, room for the edges
NETWORK_EDGE_OPACITY = 0.35  # an edge at rest
NETWORK_SIDE_CELLS = 2  # cell edges of room beside the widest row
NETWORK_BELOW_TITLE = 0.4  # the picture's centre below the frame's, clear of the title
