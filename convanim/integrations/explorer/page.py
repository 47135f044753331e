r"""The explorer's page: one self-contained HTML file, its module and style inlined.

The local server and the static page send the same page; only its configuration
differs (where answers come from, and for a static page the answers themselves).

>>> import re
>>> html = page_html({"mode": "server", "controls": {}, "state": {"net": False, "values": {}}})
>>> html.startswith("<!doctype html>"), html.count("</script>")
(True, 2)
>>> [address for address in re.findall(r"\w+://\S+", html) if "www.w3.org" not in address]
[]
"""

from __future__ import annotations

import json
from html import escape
from importlib import resources
from typing import Any

from convanim import __version__

PACKAGE = "convanim.integrations.explorer"  # where the front end is installed
FRONT = "front"  # the folder of the module and its style, in that package
MODULE, STYLE = "explorer.js", "explorer.css"


def front_file(name: str) -> str:
    """The text of one of the front end's files (``MODULE`` or ``STYLE``)."""
    return resources.files(PACKAGE).joinpath(f"{FRONT}/{name}").read_text(encoding="utf-8")


def script_json(data: object) -> str:
    """``data`` as JSON that can stand inside a ``<script>`` element: no ``</`` closes it."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def page_html(config: dict[str, Any], title: str = "convanim explorer") -> str:
    """The explorer's page for ``config`` (``mode`` server or static, ``controls``,
    ``state``; a static page's ``table`` and ``fixed``): it works offline, from file://."""
    module = front_file(MODULE).replace("</script", "<\\/script")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="convanim {escape(__version__)}">
<link rel="icon" href="data:,">
<title>{escape(title)}</title>
<style>
html {{ color-scheme: light dark; }}
body {{ margin: 1rem; background: #ffffff; }}
@media (prefers-color-scheme: dark) {{ body {{ background: #0d1117; }} }}
{front_file(STYLE)}</style>
</head>
<body>
<div id="explorer"></div>
<script type="application/json" id="explorer-config">{script_json(config)}</script>
<script type="module">
{module}
mountPage(
  document.getElementById("explorer"),
  JSON.parse(document.getElementById("explorer-config").textContent),
);
</script>
</body>
</html>
"""
