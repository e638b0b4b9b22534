"""report.html in a real browser: headless Chromium renders it, charts and all, offline.

A copy of the report gets a small script that, once the page has loaded, writes onto
``<body>`` how many images it has, how many decoded, and what the page fetched;
``--dump-dom`` prints the DOM after that. Then a screenshot of the report itself is
kept as ``<run>/report_screenshot.png`` for a person to look at.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from test_report_fixtures import MIXED_FAILURES, MIXED_ROWS, make_run

from tiktok_import import charts, report
from tiktok_import.comparison import compare_run
from tiktok_import.importer import ImportConfig, run_import

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
WIDTH = 1280
MAX_HEIGHT = 16_000
PROBE = """<script>
window.addEventListener("load", () => {
  const images = Array.from(document.images);
  const decoded = images.filter((img) =>
    img.complete && img.naturalWidth > 0 && img.src.startsWith("data:image/png"));
  const body = document.body;
  body.setAttribute("data-images", images.length);
  body.setAttribute("data-decoded", decoded.length);
  body.setAttribute("data-fetched", JSON.stringify(
    performance.getEntriesByType("resource").map((entry) => entry.name)));
  body.setAttribute("data-height", document.documentElement.scrollHeight);
});
</script>
"""


# How many product ids are in the comparison's tables, how many of them the browser
# broke over two lines, and how many of its tables are wider than the page.
ID_PROBE = """<script>
window.addEventListener("load", () => {
  const ids = Array.from(document.querySelectorAll("#comparison td.id"));
  const wrapped = ids.filter((td) => {
    const range = document.createRange();
    range.selectNodeContents(td);
    return range.getClientRects().length > 1;
  });
  const page = document.querySelector("main").clientWidth;
  const wide = Array.from(document.querySelectorAll("#comparison table"))
    .filter((table) => table.getBoundingClientRect().width > page);
  const body = document.body;
  body.setAttribute("data-ids", ids.length);
  body.setAttribute("data-wrapped", wrapped.length);
  body.setAttribute("data-wide", wide.length);
});
</script>
"""


def chromium() -> str:
    """The browser; a missing one skips the test, except on CI where it fails."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is missing on CI: .ci/run must apt-get install chromium")
    pytest.skip("chromium is not installed (apt-get install -y chromium); CI runs this")


def browse(browser: str, page: Path, profile: Path, *extra: str) -> tuple[str, str]:
    """Open ``page`` with the required flags; return stdout and stderr."""
    result = subprocess.run(
        [
            browser,
            *FLAGS,
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=10000",
            *extra,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout, result.stderr


class _Body(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.attributes: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.attributes = dict(attrs)


def body_attributes(dom: str) -> dict[str, str | None]:
    parser = _Body()
    parser.feed(dom)
    return parser.attributes


def failed_loads(stderr: str) -> list[str]:
    return [
        line
        for line in stderr.splitlines()
        if "Failed to load resource" in line or "net::ERR_" in line
    ]


def colour_share(image: Image.Image, hex_colour: str, tolerance: int = 12) -> float:
    """Share of the pixels within ``tolerance`` of ``hex_colour`` on every channel."""
    target = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    close = (np.abs(pixels - np.array(target)) <= tolerance).all(axis=-1)
    return float(close.mean())


def test_report_renders_with_its_charts_and_fetches_nothing(tmp_path: Path) -> None:
    browser = chromium()
    run = make_run(tmp_path / "outputs", MIXED_ROWS, MIXED_FAILURES)
    html = report.write_report(run)["html"]
    probe = tmp_path / "probe.html"
    probe.write_text(
        html.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"),
        encoding="utf-8",
    )

    size = f"--window-size={WIDTH},900"
    dom, stderr = browse(browser, probe, tmp_path / "profile", size, "--dump-dom")
    body = body_attributes(dom)
    assert body.get("data-images") == str(len(charts.CHART_NAMES)), body
    assert body.get("data-decoded") == body.get("data-images")
    fetched = json.loads(body.get("data-fetched") or "null")
    assert [url for url in fetched if not url.startswith("data:")] == []
    assert failed_loads(stderr) == []

    height = min(int(body.get("data-height") or 0), MAX_HEIGHT)
    shot = run / "report_screenshot.png"
    _, stderr = browse(
        browser,
        html,
        tmp_path / "profile",
        f"--screenshot={shot}",
        f"--window-size={WIDTH},{height}",
        "--hide-scrollbars",
    )
    assert failed_loads(stderr) == []
    with Image.open(shot) as image:
        assert image.size == (WIDTH, height)
        assert len(image.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 200
        # The bars of the charts are on the page, in the charts' own colours.
        assert colour_share(image, charts.COLORS["tokopedia"]) > 0.005
        assert colour_share(image, charts.COLORS["tiktok_shop"]) > 0.001


def test_comparison_ids_stay_on_one_line_and_tables_fit(tmp_path: Path) -> None:
    browser = chromium()
    config = ImportConfig(
        catalog_size=80,
        seed=7,
        output_dir=str(tmp_path / "outputs"),
        run_id="cmp",
        emulator_options={"rps": None},
    )
    folder = run_import(config, progress=False).run_folder
    compare_run(folder, "", "api")
    html = report.write_report(folder)["html"]
    probe = tmp_path / "probe.html"
    probe.write_text(
        html.read_text(encoding="utf-8").replace("</body>", ID_PROBE + "</body>"),
        encoding="utf-8",
    )
    size = f"--window-size={WIDTH},900"
    dom, stderr = browse(browser, probe, tmp_path / "profile", size, "--dump-dom")
    body = body_attributes(dom)
    # Two tables of ten largest gaps, two ids a row, and the pairs left out.
    assert int(body.get("data-ids") or 0) >= 40, body
    assert body.get("data-wrapped") == "0", body
    assert body.get("data-wide") == "0", body
    assert failed_loads(stderr) == []
