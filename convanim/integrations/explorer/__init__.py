"""The live explorer: every flag a control, the same exact pictures, in three places.

- ``convanim.explore()``: a notebook widget (``widget``; needs the explore extra);
- ``convanim explore``: a local page on 127.0.0.1 (``server``);
- ``convanim explore --html FILE``: one static page of listed values (``static``).

All three send a ``state.State`` to ``state.shown``, which reads it with the command
line's own flags; ``page`` holds the page, ``front/`` its one ES module and style.
"""

from __future__ import annotations

from typing import Any

from convanim.errors import ConvanimError

INSTALL = "pip install 'convanim[explore]'"


def explore(spec: Any = None, **flags: Any) -> Any:
    """The explorer as a notebook widget (anywidget), starting from ``spec`` (a ConvSpec or
    a Network) and the flags given, named as the command line's without dashes (``k=3``,
    ``t=True``, ``view="scatter"``): see ``convanim.integrations.explorer.widget.explore``.
    """
    try:
        from convanim.integrations.explorer.widget import explore as widget
    except ImportError as missing:
        rule = f"the notebook explorer needs anywidget ({missing.name} is missing): {INSTALL}"
        raise ConvanimError("explore", rule) from None
    return widget(spec, **flags)
