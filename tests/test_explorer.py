"""The explorer without a browser: its state against the command line, the local server
against hostile requests, the static page and the notebook widget's traits.

The command line is the reference throughout: a state must draw the file ``convanim gif``
writes for the same flags, be refused with the line it prints, and print the formula
and the layer ``convanim shape`` prints. The hover targets are checked against the
geometry of the projection (an affine grid of cells, frame order row by row).
"""

from __future__ import annotations

import concurrent.futures
import http.client
import json
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from convanim.cli import app
from convanim.errors import ConvanimError
from convanim.integrations.explorer.server import MAX_RENDERS, ExplorerServer, local_host
from convanim.integrations.explorer.state import (
    CONTROLS,
    MAX_QUERY,
    State,
    read_arguments,
    read_query,
    shown,
)
from convanim.integrations.explorer.static import MAX_STATES, Sweep, alternatives

RUNNER = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    """``convanim *args`` in this process: exit code, standard output, standard error."""
    result = RUNNER.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def program(*args: str, **kwargs) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "convanim", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


# --- the state ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["k=3&s=2&p=1", "i=6%2C7&k=3%2C2&op=1&t=1", "k=3&cin=4&cout=2&groups=2&bias=1&view=stack"],
)
def test_a_query_round_trips(query):
    state = read_query(query)
    assert read_query(state.query) == state
    assert state.query == query


def test_a_state_keeps_the_controls_order_and_drops_what_is_unset():
    state = State.of({"p": "1", "t": False, "k": " 3 ", "view": "", "values": "on"})
    assert state.query == "k=3&p=1&values=1"


@pytest.mark.parametrize(
    ("query", "key", "words"),
    [
        ("foo=1", "foo", "no control"),
        ("k=3&k=4", "k", "given twice"),
        ("t=maybe", "t", "give 1 or 0"),
        ("max-pixels=99999999999", "max-pixels", "no control"),  # the budgets stay the CLI's
        ("net=1&k=3", "k", "no control"),  # a network has no kernel of its own
        ("k=" + "3" * MAX_QUERY, "query", "at most"),
    ],
)
def test_a_query_the_explorer_cannot_read_is_refused_naming_its_key(query, key, words):
    with pytest.raises(ConvanimError) as refused:
        read_query(query)
    assert refused.value.argument == key and words in str(refused.value)


FLAG_CASES = [
    ["--k", "3", "--s", "2", "--p", "1"],
    ["--i", "6", "--k", "3", "--s", "2", "--p", "1", "--op", "1", "-t", "--view", "scatter"],
    ["--k", "3", "--s", "2", "--cin", "3", "--cout", "2", "--bias", "--view", "stack", "--values"],
    ["--i", "4", "--k", "2", "--s", "2", "--pool", "max"],
    [
        "--k",
        "3",
        "--s",
        "2",
        "--p",
        "1",
        "--cin",
        "4",
        "--cout",
        "2",
        "--groups",
        "2",
        "--grad",
        "weight",
    ],
]


@pytest.mark.parametrize("flags", FLAG_CASES, ids=lambda flags: " ".join(flags))
def test_a_state_draws_the_file_the_command_line_writes(flags, tmp_path):
    path = tmp_path / "cli.svg"
    code, _, err = cli("gif", *flags, "--theme", "auto", "-o", str(path))
    assert code == 0, err
    answer = shown(State.of(read_arguments(flags)))
    assert answer["svg"] == path.read_text(encoding="utf-8")
    assert answer["command"] == "convanim gif " + " ".join(flags) + " --theme auto"


@pytest.mark.parametrize("flags", FLAG_CASES[:2], ids=lambda flags: " ".join(flags))
def test_the_formula_and_the_code_are_what_convanim_shape_prints(flags):
    spec_flags = [flag for flag in flags if flag not in ("--view", "scatter")]
    code, out, _ = cli("shape", *spec_flags)
    assert code == 0
    answer = shown(State.of(read_arguments(flags)))
    assert answer["shape"] + answer["code"] == out.splitlines()
    assert answer["code"][0].startswith("torch.nn.Conv")


@pytest.mark.parametrize(
    "flags",
    [
        ["--k", "0"],
        ["--i", "100000"],  # the frame budget
        ["--view", "stack", "--cin", "99999"],  # the pixel budget
        ["--layer", "nn.Conv2d(1, 1, 3)", "--k", "3"],
        ["--k", "3", "--op", "1"],
        ["--k", "3", "--reading", "scatter"],
        ["--k", "3", "--cin", "2", "--grad", "weight", "--view", "volume"],
    ],
    ids=lambda flags: " ".join(flags),
)
def test_a_refusal_is_the_command_lines_line_and_blames_its_control(flags):
    code, _, err = cli("gif", *flags, "-o", "never.svg")
    assert code == 2 and err.startswith("error: ")
    answer = shown(State.of(read_arguments(flags)))
    assert "svg" not in answer
    assert answer["error"] == err.strip().removeprefix("error: ")
    flag = answer["error"].split(":")[0].split(" ")[0]
    assert f"--{answer['key']}" == flag or (answer["key"] == "t" and flag == "-t")
    assert not Path("never.svg").exists()


def centres(targets: list[list[float]]) -> np.ndarray:
    return np.array([np.reshape(target[1:], (4, 2)).mean(axis=0) for target in targets])


def test_the_hover_targets_are_the_output_cells_in_frame_order():
    """The guide's 5x5, k3 s2 p1: output cell (r, c) is frame 3 r + c, and the projection
    is affine, so the cells' centres are o + r a + c b."""
    targets = shown(read_query("k=3&s=2&p=1"))["targets"]
    assert [target[0] for target in targets] == list(range(9))
    points = centres(targets)
    rows, cols = np.divmod(np.arange(9), 3)
    basis = np.column_stack([np.ones(9), rows, cols])
    fit, *_ = np.linalg.lstsq(basis, points, rcond=None)
    assert np.abs(basis @ fit - points).max() < 0.5
    assert np.linalg.matrix_rank(fit[1:]) == 2  # two directions: a grid, not a line


def test_a_scatter_picture_is_hovered_by_its_input_cells():
    """A transposed 3x3 -> 5x5 told as stamps: each of the 9 input cells stamps once."""
    answer = shown(read_query("k=3&s=2&p=1&t=1&view=scatter"))
    assert sorted(target[0] for target in answer["targets"]) == list(range(answer["frames"]))
    assert answer["frames"] == 9


def test_a_stack_is_hovered_by_each_output_channels_cells():
    answer = shown(read_query("k=3&s=2&p=1&cin=3&cout=2&bias=1&view=stack"))
    targets = answer["targets"]
    assert len(targets) == 2 * 3 * 3  # two output channels of 3x3
    assert len({tuple(np.round(centre)) for centre in centres(targets)}) == len(targets)


def test_a_weight_gradient_with_channels_is_hovered_by_each_weight():
    """dw of 4 input and 2 output channels in 2 groups, k 3: 2 x 2 x 3 x 3 weights, one
    frame and one hover target (a dw cell) each, all in distinct places."""
    answer = shown(read_query("k=3&s=2&p=1&cin=4&cout=2&groups=2&grad=weight"))
    targets = answer["targets"]
    assert answer["frames"] == 36
    assert sorted(target[0] for target in targets) == list(range(36))
    assert len({tuple(np.round(centre)) for centre in centres(targets)}) == len(targets)


def test_a_network_is_drawn_in_its_default_view_and_has_no_targets():
    answer = shown(read_query("net=1&layers=nn.Conv1d(1%2C1%2C3%2Cdilation%3D2)&i=16"))
    assert "svg" in answer and answer["targets"] == []
    assert answer["command"].endswith("--view tree --theme auto")
    two_d = shown(read_query("net=1&layers=nn.Conv2d(1%2C1%2C3)&i=8"))
    assert "--view layers" in two_d["command"]


# --- flags as typed, and sweeps -------------------------------------------------------


def test_flags_are_read_in_every_spelling():
    assert read_arguments(["--kernel=3", "--transposed", "--p", "-1", "-t"][:4]) == {
        "k": "3",
        "t": True,
        "p": "-1",
    }
    with pytest.raises(ConvanimError, match="given twice"):
        read_arguments(["--k", "3", "--kernel", "2"])
    with pytest.raises(ConvanimError, match="needs a value"):
        read_arguments(["--k"])


def test_a_sweep_lists_and_ranges_and_counts_before_drawing():
    assert alternatives("p", "0:2") == ("0", "1", "2")
    assert alternatives("layer", "nn.Conv2d(1, 1, 3)") == ("nn.Conv2d(1, 1, 3)",)
    sweep = Sweep.of({"k": "2,3,4", "s": "1,2", "p": "0:2", "t": "0,1"})
    assert sweep.count == 3 * 2 * 3 * 2 == len(list(sweep.states()))
    assert len({state.query for state in sweep.states()}) == sweep.count
    with pytest.raises(ConvanimError, match="exceed the budget"):
        Sweep.of({"k": "1:20", "s": "1:20"})
    assert MAX_STATES < 20 * 20


# --- the command ----------------------------------------------------------------------


def config_of(page: str) -> dict:
    found = re.search(r'id="explorer-config">(.*?)</script>', page, re.DOTALL)
    assert found
    return json.loads(found[1].replace("<\\/", "</"))


def test_the_static_page_holds_every_state_and_its_refusals(tmp_path):
    path = tmp_path / "explorer.html"
    code, out, err = cli(
        "explore", "--html", str(path), "--k", "2,3", "--s", "2", "--op", "0,1", "-t", "0,1"
    )
    assert code == 0, err
    assert "8 states, 2 refused" in out  # output padding 1 is refused without -t
    config = config_of(path.read_text(encoding="utf-8"))
    table = config["table"]
    assert len(table) == 8
    assert table["k=3&s=2&op=1&t=1"]["svg"] == shown(read_query("k=3&s=2&op=1&t=1"))["svg"]
    refused = table["k=3&s=2&op=1"]
    assert refused["key"] == "op" and refused["error"].startswith("--op")
    assert "http" not in path.read_text(encoding="utf-8").split("<body")[1].replace(
        "http://www.w3.org", ""
    )


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--k", "1:30", "--s", "1:30"], "--k"),  # too many combinations
        (["--foo", "1"], "convanim explore"),
        (["--k"], "--k"),
        (["--k", "5:1"], "--k"),
        (["--i", "100000"], "--i"),  # every state refused: a page with no picture
    ],
)
def test_a_refused_static_page_writes_nothing(args, flag, tmp_path):
    path = tmp_path / "out" / "explorer.html"
    code, out, err = cli("explore", "--html", str(path), *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"error: {flag}")
    assert not path.parent.exists()


def test_a_page_must_be_html(tmp_path):
    code, _, err = cli("explore", "--html", str(tmp_path / "x.svg"), "--k", "3")
    assert code == 2 and err.startswith("error: --html: writes an .html page")


# --- the local server -----------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[ExplorerServer]:
    running = ExplorerServer(read_query("k=3&s=2&p=1"), 0)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()


def get(server: ExplorerServer, path: str, host: str | None = None, method: str = "GET", **headers):
    port = server.server_address[1]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Host": host or f"127.0.0.1:{port}", **headers}
    connection.request(method, path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, response.getheader("Content-Type"), body


def test_another_sites_page_cannot_make_this_machine_draw(server):
    """An <img src="http://127.0.0.1:8765/render.svg?..."> on another site's page carries
    Sec-Fetch-Site: cross-site; the page's own requests say same-origin."""
    for site in ("cross-site", "same-site"):
        assert get(server, "/render.svg?k=3", **{"Sec-Fetch-Site": site})[0] == 403
    assert get(server, "/view.json?k=3", **{"Sec-Fetch-Site": "same-origin"})[0] == 200


def test_an_svg_answered_alone_may_run_nothing():
    with ExplorerServer(read_query("k=3"), 0) as running:
        thread = threading.Thread(target=running.serve_forever, daemon=True)
        thread.start()
        port = running.server_address[1]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", "/render.svg?k=3", headers={"Host": "localhost"})
        policy = connection.getresponse().getheader("Content-Security-Policy")
        running.shutdown()
    assert policy is not None and "default-src 'none'" in policy and "script" not in policy


def test_the_server_answers_the_page_the_svg_and_the_view(server):
    status, kind, page = get(server, "/")
    assert status == 200 and kind.startswith("text/html")
    assert config_of(page.decode())["state"]["values"] == {"k": "3", "s": "2", "p": "1"}
    status, kind, svg = get(server, "/render.svg?k=3&s=2&p=1")
    assert (status, kind) == (200, "image/svg+xml")
    assert svg.decode() == shown(read_query("k=3&s=2&p=1"))["svg"]
    status, kind, view = get(server, "/view.json?k=0")  # the page's answer: a refusal too
    assert status == 200 and json.loads(view)["key"] == "k"


@pytest.mark.parametrize(
    ("path", "host", "method", "status"),
    [
        ("/render.svg?i=100000", None, "GET", 400),  # past the frame budget
        ("/render.svg?i=5000&k=4999", None, "GET", 400),  # huge but few frames: pixels
        ("/render.svg?foo=1", None, "GET", 400),
        ("/render.svg?k=" + "9" * 5000, None, "GET", 400),
        ("/../../etc/passwd", None, "GET", 404),
        ("/%2e%2e/%2e%2e/etc/passwd", None, "GET", 404),
        ("/front/explorer.js", None, "GET", 404),  # only the routes, never a folder
        ("/", "evil.example", "GET", 403),  # DNS rebinding
        ("/render.svg?k=3", "127.0.0.1.evil.example:80", "GET", 403),
        ("/", None, "POST", 405),
    ],
)
def test_a_hostile_request_gets_a_4xx_and_the_server_stays_up(server, path, host, method, status):
    got, _, body = get(server, path, host, method)
    assert got == status
    if status == 400 and "render.svg" in path:
        assert body.decode().startswith("error: ") and body.count(b"\n") == 1
    assert get(server, "/render.svg?k=2")[0] == 200


def test_a_burst_of_requests_is_all_answered(server):
    queries = [f"/render.svg?k=3&s=2&i={5 + n % 4}" for n in range(4 * MAX_RENDERS * 4)]
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(lambda path: get(server, path)[0], queries))
    assert statuses == [200] * len(queries)


def test_host_names_of_this_machine():
    assert all(local_host(name) for name in ("localhost", "127.0.0.1:9", "[::1]:8765"))
    assert not any(local_host(name) for name in (None, "", "[::1", "localhost.example", "10.0.0.1"))


def test_the_command_serves_until_ctrl_c_and_stops_cleanly():
    process = program("explore", "--k", "3", "-t", "--port", "0", "--no-browser")
    assert process.stdout is not None
    line = process.stdout.readline()
    address = re.search(r"http://127\.0\.0\.1:(\d+)/\?k=3&t=1", line)
    assert address, line
    connection = http.client.HTTPConnection("127.0.0.1", int(address[1]), timeout=60)
    connection.request("GET", "/render.svg?k=3&t=1", headers={"Host": "localhost"})
    assert connection.getresponse().status == 200
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0 and err == ""
    assert out.strip() == "convanim explore: stopped"


def test_a_port_in_use_is_one_error_line(server):
    process = program("explore", "--port", str(server.server_address[1]), "--no-browser")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 2 and out == ""
    assert err.startswith("error: --port: 127.0.0.1:") and err.count("\n") == 1


# --- the notebook widget --------------------------------------------------------------


def test_the_widgets_traits_are_the_flags_and_draw_on_every_change():
    import convanim

    widget = convanim.explore(k=3, s=2, p=1)
    traits = set(widget.trait_names())
    assert {control.trait for listed in CONTROLS.values() for control in listed} <= traits
    assert widget.svg == shown(read_query("k=3&s=2&p=1"))["svg"] and widget.error == ""
    good = widget.svg
    widget.k = "0"
    assert widget.error == "--k (axis 0): must be positive, got 0"
    assert widget.svg == good  # the last good picture stays
    widget.k, widget.t = "3", True
    assert widget.error == "" and widget.shown["query"] == "k=3&s=2&p=1&t=1"
    assert widget.svg == shown(read_query("k=3&s=2&p=1&t=1"))["svg"]


def test_the_widget_starts_from_a_spec_or_a_network():
    import convanim

    spec = convanim.ConvSpec((6, 6), 3, stride=2, padding=1, transposed=True)
    assert convanim.explore(spec, view="scatter").shown["query"] == "i=6&s=2&p=1&t=1&view=scatter"
    one_axis = convanim.explore(convanim.ConvSpec(7, 3, 2)).shown
    assert one_axis["shape"][0] == "convolution: 7 -> 3"
    network = convanim.build_network(convanim.parse_chain("nn.Conv1d(1, 1, 3)"), 9)
    widget = convanim.explore(network)
    assert widget.net and widget.shown["command"].startswith("convanim net --layers")
    with pytest.raises(ConvanimError, match="no control"):
        convanim.explore(kernel=3)


# --- in documentation -----------------------------------------------------------------


def test_a_mkdocs_fence_starting_with_explore_embeds_the_static_page():
    from html import unescape

    from convanim.integrations.mkdocs import fence

    html = fence("explore --k 2,3 -t 0,1", "convanim", "convanim", {}, None)
    assert html.startswith('<iframe class="convanim-explorer-frame"')
    page = unescape(re.search(r'srcdoc="(.*)"', html, re.DOTALL)[1])
    table = config_of(page)["table"]
    assert sorted(table) == ["k=2", "k=2&t=1", "k=3", "k=3&t=1"]
    assert table["k=3&t=1"]["svg"] == shown(read_query("k=3&t=1"))["svg"]
    refused = fence("explore --k 1:300 --s 1:2", "convanim", "convanim", {}, None)
    assert refused.startswith('<pre class="convanim-error">convanim explore --k 1:300')
    assert "error: --k: a range runs up, at most 256 values" in refused


def test_the_commands_help_names_every_control():
    code, out, _ = cli("explore", "--help")
    assert code == 0
    help_text = " ".join(out.split())
    for command, listed in CONTROLS.items():
        for control in listed:
            assert control.flag in help_text, (command, control.flag)
