"""Wheel smoke test: the package installed the normal way (a wheel, not ``-e``) runs the demo with its data.

1. build the wheel of this checkout;
2. install it into a fresh virtual environment in a temporary directory outside the checkout;
3. run ``station-app demo`` there (from a working directory outside the checkout, so nothing of the
   checkout can be found by accident) until the station UI answers;
4. fetch the bundled CJK font and open the UI in headless Chromium: the font is served byte for byte, the
   unlock screen appears with its Chinese labels, and the page asks no other host for anything — Flutter
   fetches fallback fonts from a CDN only when a glyph is missing from the bundled font, so an offline page
   with no foreign request draws its Chinese text with the bundled font (no tofu boxes);
5. save a screenshot to ``test-artifacts/wheel-smoke.png``.

Usage: ``.venv/bin/python scripts/wheel_smoke.py`` (Playwright from the test environment drives Debian's
Chromium). Exit status 0 on success; on failure the demo's output is printed.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def step(text: str) -> None:
    print(f"wheel-smoke: {text}", flush=True)


def run(cmd: list[str], **kw: object) -> None:
    subprocess.run(cmd, check=True, **kw)  # type: ignore[call-overload]


def fetch(url: str, proc: subprocess.Popen[bytes], timeout: float) -> bytes:
    """GET ``url`` once the server listens (the demo announces its URL while it starts)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                body: bytes = r.read()
                return body
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def wait_for(log: Path, proc: subprocess.Popen[bytes], pattern: str, timeout: float) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = re.search(pattern, log.read_text(encoding="utf-8", errors="replace"))
        if m:
            return m
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    raise SystemExit(f"wheel-smoke: no {pattern!r} from the demo:\n{log.read_text(errors='replace')}")


def check_browser(url: str, font_size: int) -> None:
    from playwright.sync_api import sync_playwright

    foreign: list[str] = []
    fonts: dict[str, int] = {}
    origin = url.rstrip("/")

    def route(r: object) -> None:
        request = r.request  # type: ignore[attr-defined]
        if not request.url.startswith(origin):
            foreign.append(request.url)
            r.abort()  # type: ignore[attr-defined]
        else:
            r.continue_()  # type: ignore[attr-defined]

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        ctx = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
        ctx.route("**/*", route)
        page = ctx.new_page()

        def on_response(resp: object) -> None:
            if resp.url.endswith(".ttf"):  # type: ignore[attr-defined]
                fonts[resp.url] = len(resp.body())  # type: ignore[attr-defined]

        page.on("response", on_response)
        page.goto(url)
        placeholder = page.locator("flt-semantics-placeholder")
        placeholder.wait_for(state="attached", timeout=90_000)
        placeholder.dispatch_event("click")
        # The unlock screen of a demo station: its passphrase field is labelled in Chinese.
        page.get_by_role("textbox").first.wait_for(timeout=90_000)
        page.wait_for_timeout(1500)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "wheel-smoke.png"))
        labels = page.locator("flt-semantics").all_inner_texts()
        browser.close()
    cjk = [t for t in labels if re.search(r"[\u4e00-\u9fff]", t)]
    if not cjk:
        raise SystemExit(f"wheel-smoke: no Chinese text on the first screen: {labels!r}")
    served = [n for u, n in fonts.items() if u.endswith("DroidSansFallbackFull.ttf")]
    if served != [font_size]:
        raise SystemExit(f"wheel-smoke: the CJK font was not loaded whole by the page: {fonts!r}")
    if foreign:
        raise SystemExit(f"wheel-smoke: the page asked other hosts (missing glyphs or CDN): {foreign!r}")
    step(f"browser: unlock screen with Chinese labels ({cjk[0][:20]!r}…), font loaded, no foreign request")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="wheel-smoke-") as tmp:
        base = Path(tmp)
        step("building the wheel")
        run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(base / "dist"), str(REPO)])
        wheel = next((base / "dist").glob("*.whl"))
        step(f"installing {wheel.name} into a fresh venv")
        run([sys.executable, "-m", "venv", str(base / "venv")])
        vpy = base / "venv" / "bin" / "python"
        run([str(vpy), "-m", "pip", "install", "-q", str(wheel)], stdout=subprocess.DEVNULL)
        port, log = free_port(), base / "demo.log"
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        step(f"station-app demo on port {port}")
        with log.open("wb") as out:
            demo = [str(base / "venv" / "bin" / "station-app"), "demo", "--data-dir", str(base / "demo")]
            proc = subprocess.Popen(
                [*demo, "--port", str(port), "--no-browser"],
                cwd=base,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
            )
        try:
            wait_for(log, proc, r"station-app: serving (http://\S+)", 240)
            url = f"http://127.0.0.1:{port}/"
            site = base / "venv" / "lib"
            font = next(site.glob("python*/site-packages/station_app/assets/fonts/DroidSansFallbackFull.ttf"))
            body = fetch(url + "fonts/DroidSansFallbackFull.ttf", proc, timeout=120)
            if body != font.read_bytes():
                raise SystemExit("wheel-smoke: the served font differs from the installed one")
            step(f"font served ({len(body)} bytes)")
            check_browser(url, len(body))
        except BaseException:
            print(log.read_text(errors="replace"), file=sys.stderr)
            raise
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    step("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
