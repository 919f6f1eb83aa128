"""The static leaderboard page (``proceval.hub.leaderboard_html``), checked in headless Chromium.

The browser is Debian's ``chromium`` (``make test`` installs it when missing, as it does FFmpeg), driven
over the DevTools protocol through ``--remote-debugging-pipe`` (JSON messages separated by NUL bytes on
file descriptors 3 and 4): no extra Python package and no TCP port. The browser tests are skipped, with
the reason, when no Chromium is installed. A screenshot of the page is kept as a build artifact
(``build/artifacts/leaderboard.png``).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from proceval.errors import InputValidationError
from proceval.hub.leaderboard_html import DATA_ELEMENT_ID, render_html, result_href, write_html

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "build" / "artifacts"
XSS = "<img src=x onerror=alert(1)>"
BREAKOUT = "</script><script>window.__xss=2</script><!--"
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (make test installs Debian's chromium package)"
)


def _row(rank, model, value, ci=None, tied=False, p=None, file=None):
    return {
        "rank": rank,
        "model": model,
        "revision": None,
        "value": value,
        "ci": ci,
        "tied_with_leader": tied,
        "p_value_vs_leader": p,
        "result_file": file or f"{model.replace('/', '__')}/cfg.json",
    }


def _groups() -> list[dict[str, Any]]:
    base = {
        "metric": "tas",
        "higher_is_better": True,
        "unit": "fraction",
        "signature": "tas|conv:a|split:test",
    }
    return [
        {
            **base,
            "benchmark": "bench_a",
            "task": "seg",
            "config": "seg_s1",
            "split": "test",
            "key": "f1_at_50",
            "rows": [
                _row(1, "org/beta", 0.61, [0.55, 0.66], True, None),
                _row(2, XSS, 0.58, [0.50, 0.63], True, 0.21, file="x/<odd> name.json"),
                _row(3, "org/alpha", 0.40, [0.35, 0.45], False, 0.001),
            ],
            "apart": [
                {
                    "model": "org/gamma",
                    "value": 0.7,
                    "ci": None,
                    "result_file": "org__gamma/cfg.json",
                    "reason": "signature differs: conv:a vs conv:b",
                }
            ],
        },
        {
            **base,
            "benchmark": "bench_a",
            "task": "seg",
            "config": "seg_s1",
            "split": "val",
            "key": "f1_at_50",
            "rows": [_row(1, BREAKOUT, 0.5, None, True, None, file="javascript:alert(1)")],
            "apart": [],
        },
        {
            **base,
            "benchmark": "bench_b",
            "task": "anticipation",
            "config": "ant",
            "split": "test",
            "key": "aued",
            "higher_is_better": False,
            "unit": "score",
            "rows": [_row(1, "org/low", 0.2), _row(2, "org/high", 0.9, p=0.04)],
            "apart": [],
        },
    ]


# --------------------------------------------------------------------------------------- plain Python


def test_embedded_json_cannot_end_the_script_block_and_round_trips():
    page = render_html(_groups())
    start = page.index(f'<script type="application/json" id="{DATA_ELEMENT_ID}">') + len(
        f'<script type="application/json" id="{DATA_ELEMENT_ID}">'
    )
    end = page.index("</script>", start)
    block = page[start:end]
    assert "<" not in block and ">" not in block and "&" not in block
    data = json.loads(block)
    assert data["groups"][0]["rows"][1]["model"] == XSS
    assert data["groups"][1]["rows"][0]["model"] == BREAKOUT
    # Only two script elements: the data block and the page's own script.
    assert len(re.findall(r"<script\b", page)) == 2
    assert "http://" not in page and "https://" not in page  # no network source of any kind


@pytest.mark.parametrize(
    ("result_file", "href"),
    [
        ("org__a/tas_s_s1.json", "org__a/tas_s_s1.json"),
        ("x/<odd> name.json", "x/%3Codd%3E%20name.json"),
        ("javascript:alert(1)", None),
        ("/etc/passwd", None),
        ("//evil.example/x.json", None),
        ("C:\\results\\a.json", None),
        ("a\\b.json", "a/b.json"),
        ("a/b#c?.json", "a/b%23c%3F.json"),
        ("", None),
        (None, None),
    ],
)
def test_result_href(result_file, href):
    assert result_href(result_file) == href


@pytest.mark.parametrize(
    ("groups", "match"),
    [
        ({"rows": []}, "Expected argument `groups` to be a list of dicts"),
        (["x"], "Expected leaderboard group 0 to be a dict"),
        (
            [{"benchmark": "b", "task": "t", "rows": []}],
            r"Expected leaderboard group 0 to have keys \['split', 'key'\]",
        ),
        ([{**_groups()[0], "rows": [_row(1, "m", float("nan"))]}], "Expected finite JSON numbers"),
        ([{**_groups()[0], "rows": ["x"]}], "Expected `rows` of leaderboard group 0 to be a list of dicts"),
    ],
)
def test_bad_groups_are_clear_errors(groups, match):
    with pytest.raises(InputValidationError, match=match):
        render_html(groups)


def test_write_html_embeds_pictures_and_rejects_non_png(tmp_path):
    png = tmp_path / "pic.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    page = write_html(_groups(), tmp_path / "site", plots={"<b>F1</b> bars": str(png)})
    text = page.read_text(encoding="utf-8")
    assert page.name == "index.html"
    assert "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode() in text
    assert "&lt;b&gt;F1&lt;/b&gt; bars" in text and "<b>F1</b>" not in text
    with pytest.raises(InputValidationError, match="Expected a PNG picture"):
        write_html(_groups(), tmp_path / "site", plots={"x": "notes.txt"})


# --------------------------------------------------------------------------------------- the browser


class Chromium:
    """A headless Chromium driven over ``--remote-debugging-pipe`` (one page target)."""

    def __init__(self, profile: Path, timeout: float = 30.0):
        self.timeout = timeout
        self._next_id = 0
        self._buffer = b""
        self.events: list[dict[str, Any]] = []
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        args = [
            CHROMIUM,
            "--headless",
            "--remote-debugging-pipe",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--window-size=1200,900",
            f"--user-data-dir={profile}",
            "about:blank",
        ]
        # No sandbox: Chromium refuses to run as root with it, and containers often lack user namespaces;
        # the page is our own local file.
        args.insert(1, "--no-sandbox")

        def child_fds() -> None:  # the protocol's pipe is fd 3 (browser reads) and fd 4 (browser writes)
            high_r, high_w = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_child_r, from_child_w))
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4, to_child_r, from_child_w),  # 3 and 4 survive close_fds (it runs after preexec_fn)
            preexec_fn=child_fds,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        try:
            target = self.call("Target.createTarget", url="about:blank")["targetId"]
            self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        except BaseException:
            self.close()
            raise

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_child], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Send one DevTools command and return its result (events meanwhile go to ``self.events``)."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def page(self, method: str, **params: Any) -> dict[str, Any]:
        """A command to the page target."""
        return self.call(method, self.session, **params)

    def js(self, expression: str) -> Any:
        """Evaluate ``expression`` in the page and return its JSON value."""
        out = self.page("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in out:
            raise RuntimeError(f"page exception: {out['exceptionDetails']}")
        return out["result"].get("value")

    def wait_for(self, expression: str) -> None:
        """Poll ``expression`` until it is truthy."""
        deadline = time.monotonic() + self.timeout
        while not self.js(expression):
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out waiting for {expression}")
            time.sleep(0.05)

    def click(self, selector: str) -> None:
        """A real mouse click (pressed + released) at the centre of the first element matching ``selector``."""
        box = self.js(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.scrollIntoView();"
            " const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            self.page("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)

    def close(self) -> None:
        """Ask the browser to quit, then make sure it has."""
        if self.proc.poll() is None:
            try:
                self.call("Browser.close")
            except (RuntimeError, TimeoutError, OSError):
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_child)
        os.close(self._from_child)


# Installed before any page script: a dialog (alert/confirm/prompt) or a CSP violation sets a flag.
_HOOKS = """
window.__xss = 0; window.__csp = [];
for (const name of ["alert", "confirm", "prompt"]) { window[name] = () => { window.__xss = 1; }; }
document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""

_MODELS_OF = """(sel) => Array.from(document.querySelectorAll(sel))
  .filter(s => !s.hidden).map(s => Array.from(s.querySelectorAll("table.ranked tbody tr"))
  .map(r => r.cells[1].textContent))"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chrome = Chromium(tmp_path_factory.mktemp("chromium-profile"))
    try:
        chrome.page("Page.enable")
        chrome.page("Runtime.enable")
        chrome.page("Network.enable")
        chrome.page("Page.addScriptToEvaluateOnNewDocument", source=_HOOKS)
        yield chrome
    finally:
        chrome.close()


def _open(browser: Chromium, page: Path) -> None:
    url = page.resolve().as_uri()
    browser.page("Page.navigate", url=url)
    browser.wait_for(
        f"location.href === {json.dumps(url)} && document.documentElement?.getAttribute('data-ready') === '1'"
    )


def _visible_models(browser: Chromium) -> list[list[str]]:
    return browser.js(f"({_MODELS_OF})('section.group')")


@needs_chromium
def test_page_in_chromium(browser, tmp_path):
    page = write_html(_groups(), tmp_path / "site")
    seen = len(browser.events)
    _open(browser, page)

    # The expected rows, best first, in three tables; the apart row with its reason.
    assert _visible_models(browser) == [["org/beta", XSS, "org/alpha"], [BREAKOUT], ["org/low", "org/high"]]
    first = "section.group:nth-of-type(1) table.ranked tbody tr"
    cells = browser.js(
        f"Array.from(document.querySelectorAll({json.dumps(first)})).map(r => "
        "Array.from(r.cells).map(c => c.textContent))"
    )
    assert cells[0] == ["1", "org/beta", "61.0", "[55.0, 66.0]", "leader", "\u2013"]
    assert cells[1] == ["2", XSS, "58.0", "[50.0, 63.0]", "\u2248 tie", "0.210"]
    assert cells[2] == ["3", "org/alpha", "40.0", "[35.0, 45.0]", "", "0.001"]
    apart = browser.js(
        "Array.from(document.querySelectorAll('table.apart tbody tr')).map(r => "
        "Array.from(r.cells).map(c => c.textContent))"
    )
    assert apart == [["org/gamma", "70.0", "", "signature differs: conv:a vs conv:b"]]

    # Each number links to its result file (relative, encoded); a javascript: file gets no link.
    links = browser.js(
        f"Array.from(document.querySelectorAll({json.dumps(first + ' td.value a')}))"
        ".map(a => a.getAttribute('href'))"
    )
    assert links == ["org__beta/cfg.json", "x/%3Codd%3E%20name.json", "org__alpha/cfg.json"]
    assert browser.js("document.querySelectorAll('section.group:nth-of-type(2) a').length") == 0

    # The hostile names are text: no element was made from them, no script ran, nothing was blocked.
    assert browser.js("document.querySelectorAll('#groups img, #groups script').length") == 0
    assert browser.js("window.__xss") == 0
    assert browser.js("window.__csp") == []
    assert not [
        e
        for e in browser.events[seen:]
        if e.get("method") in ("Runtime.exceptionThrown", "Page.javascriptDialogOpening")
    ]

    # Clicking a header re-sorts that table: by model (A-Z), again (Z-A), then by value (ascending).
    browser.click("section.group:nth-of-type(1) table.ranked th[data-column='model']")
    assert _visible_models(browser)[0] == sorted(["org/beta", XSS, "org/alpha"])
    assert (
        browser.js(
            "document.querySelector(\"section.group th[data-column='model']\").getAttribute('aria-sort')"
        )
        == "ascending"
    )
    browser.click("section.group:nth-of-type(1) table.ranked th[data-column='model']")
    assert _visible_models(browser)[0] == sorted(["org/beta", XSS, "org/alpha"], reverse=True)
    browser.click("section.group:nth-of-type(1) table.ranked th[data-column='value']")
    assert _visible_models(browser)[0] == ["org/alpha", XSS, "org/beta"]
    browser.click("section.group:nth-of-type(1) table.ranked th[data-column='p']")  # missing p-values last
    assert _visible_models(browser)[0] == ["org/alpha", XSS, "org/beta"]

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = browser.page("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    path = ARTIFACTS / "leaderboard.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    print(f"leaderboard screenshot: {path}")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # Filters hide rows: split=val leaves one table; benchmark=bench_b with it leaves none.
    def choose(name: str, value: str) -> None:
        browser.js(
            f"(() => {{ const s = document.getElementById('filter-{name}'); s.value = {json.dumps(value)};"
            " s.dispatchEvent(new Event('change')); })()"
        )

    options = browser.js("Array.from(document.getElementById('filter-split').options).map(o => o.value)")
    assert options == ["", "test", "val"]
    choose("split", "val")
    assert _visible_models(browser) == [[BREAKOUT]]
    assert browser.js("document.querySelectorAll('tr.row').length") == 6
    assert (
        browser.js("Array.from(document.querySelectorAll('tr.row')).filter(r => r.offsetParent).length") == 1
    )
    choose("benchmark", "bench_b")
    assert _visible_models(browser) == []
    assert browser.js("document.getElementById('empty').hidden") is False
    choose("split", "")
    assert _visible_models(browser) == [["org/low", "org/high"]]
    choose("benchmark", "")
    choose("task", "seg")
    assert len(_visible_models(browser)) == 2
    assert browser.js("window.__xss") == 0


@needs_chromium
def test_page_needs_no_network_and_lower_is_better_sorts(browser, tmp_path):
    from proceval.hub.plots import WIDTH_PX, Bars, render_plot

    picture = render_plot(
        Bars("f1", "Per-class F1", ("a", "b"), (0.4, 0.8), "F1 (fraction)"), tmp_path / "site"
    )
    page = write_html(_groups()[2:], tmp_path / "site", plots={"Per-class F1": picture.name})
    seen = len(browser.events)
    _open(browser, page)
    requested = [
        e["params"]["request"]["url"]
        for e in browser.events[seen:]
        if e.get("method") == "Network.requestWillBeSent"
    ]
    assert requested and requested[0] == page.resolve().as_uri()
    assert all(u.startswith(("file:", "data:", "about:")) for u in requested)
    assert _visible_models(browser) == [["org/low", "org/high"]]
    # The embedded picture is allowed by the page's policy (img-src data:) and decodes at its full size.
    browser.wait_for("document.querySelector('#pictures img').complete")
    assert browser.js("document.querySelector('#pictures img').naturalWidth") == WIDTH_PX
    assert browser.js("document.querySelector('#pictures figcaption').textContent") == "Per-class F1"
    assert browser.js("window.__csp") == []
    assert browser.js("document.querySelector('table.ranked td.value').textContent") == "0.200"
    browser.click("table.ranked th[data-column='rank']")
    browser.click("table.ranked th[data-column='rank']")
    assert _visible_models(browser) == [["org/high", "org/low"]]


def _picture_groups(site: Path) -> list[dict[str, Any]]:
    """The first test group, its second row (the hostile model name) with two pictures, and a chart."""
    from proceval.hub.leaderboard_plots import leaderboard_chart, render_chart_svg
    from proceval.hub.plots import Bars, Histogram, render_plot

    folder = site / "results" / "org__x"
    render_plot(Bars("f1 <x>", "Per-class F1", ("a", "b"), (0.4, 0.8), "F1 (fraction)"), folder)
    render_plot(Histogram("iou", "IoU", (0.2, 0.6), (0.0, 0.5, 1.0), "IoU (fraction)", "questions"), folder)
    (site / "plots").mkdir(parents=True)
    chart = {
        "benchmark": "b",
        "task": "t",
        "split": "s",
        "key": "f1",
        "unit": "fraction",
        "rows": [{"model": XSS, "value": 0.5}],
    }
    (site / "plots" / "chart.svg").write_text(render_chart_svg(leaderboard_chart(chart)), encoding="utf-8")
    (group, *_) = _groups()
    group["rows"][1]["plots"] = [
        {"caption": XSS, "file": "results/org__x/f1_x.png"},
        {"caption": "IoU histogram", "file": "results/org__x/iou.png"},
    ]
    group["apart"][0]["plots"] = [{"caption": "gamma", "file": "javascript:alert(1).png"}]  # no link: dropped
    group["chart"] = "plots/chart.svg"
    return [group]


def test_pictures_are_relative_links_in_the_data(tmp_path):
    page = write_html(_picture_groups(tmp_path / "site"), tmp_path / "site")
    text = page.read_text()
    match = re.search(rf'<script type="application/json" id="{DATA_ELEMENT_ID}">(.*?)</script>', text, re.S)
    (group,) = json.loads(match.group(1))["groups"]
    assert group["chart_href"] == "plots/chart.svg"
    # a chart is an .svg file beside the page: anything else gets no link
    for bad in ("plots/chart.png", "/abs/chart.svg", "javascript:alert(1).svg", "https://x/c.svg"):
        page = write_html(
            [{**_picture_groups(tmp_path / bad.replace("/", "_"))[0], "chart": bad}], tmp_path / "o"
        )
        match = re.search(
            rf'<script type="application/json" id="{DATA_ELEMENT_ID}">(.*?)</script>', page.read_text(), re.S
        )
        assert json.loads(match.group(1))["groups"][0]["chart_href"] is None
    assert group["rows"][1]["pictures"] == [
        {"caption": XSS, "href": "results/org__x/f1_x.png"},
        {"caption": "IoU histogram", "href": "results/org__x/iou.png"},
    ]
    assert group["rows"][0]["pictures"] == [] and group["apart"][0]["pictures"] == []
    assert "img-src 'self' data:;" in text


@needs_chromium
def test_row_pictures_load_when_opened(browser, tmp_path):
    from proceval.hub.plots import WIDTH_PX

    site = tmp_path / "site"
    page = write_html(_picture_groups(site), site)
    seen = len(browser.events)
    _open(browser, page)
    # the per-table SVG chart loads from its relative file (allowed by img-src 'self') at its documented size
    from proceval.hub.leaderboard_plots import HEIGHT_PX as CHART_H
    from proceval.hub.leaderboard_plots import WIDTH_PX as CHART_W

    browser.wait_for("document.querySelector('figure.chart img').complete")
    assert browser.js("document.querySelector('figure.chart img').getAttribute('src')") == "plots/chart.svg"
    assert browser.js("document.querySelector('figure.chart img').naturalWidth") == CHART_W == 960
    assert browser.js("document.querySelector('figure.chart img').naturalHeight") == CHART_H == 540
    # one compact control per row with pictures; closed, it loads nothing
    summaries = browser.js(
        "Array.from(document.querySelectorAll('table.ranked tbody tr')).map(r => "
        "r.cells[6].textContent === '' ? '' : r.cells[6].querySelector('summary').textContent)"
    )
    assert summaries == ["", "pictures (2)", ""]
    assert browser.js("document.querySelectorAll('td.pictures img[src]').length") == 0
    assert browser.js("document.querySelectorAll('table.apart td.pictures').length") == 0
    browser.click("td.pictures summary")
    assert browser.js("document.querySelector('td.pictures details').open") is True
    browser.wait_for(
        "Array.from(document.querySelectorAll('td.pictures img')).every(i => i.getAttribute('src') && i.complete)"
    )
    assert browser.js(
        "Array.from(document.querySelectorAll('td.pictures img')).map(i => i.naturalWidth)"
    ) == [
        WIDTH_PX,
        WIDTH_PX,
    ]
    assert browser.js("document.querySelector('td.pictures figcaption').textContent") == XSS
    assert (
        browser.js("document.querySelector('td.pictures a').getAttribute('href')")
        == "results/org__x/f1_x.png"
    )
    assert browser.js("window.__xss") == 0
    assert browser.js("window.__csp") == []
    requested = [
        e["params"]["request"]["url"]
        for e in browser.events[seen:]
        if e.get("method") == "Network.requestWillBeSent"
    ]
    assert all(u.startswith(("file:", "data:", "about:")) for u in requested)
    assert any(u.endswith("/results/org__x/iou.png") for u in requested)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = browser.page("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    (ARTIFACTS / "leaderboard-pictures.png").write_bytes(base64.b64decode(shot["data"]))
