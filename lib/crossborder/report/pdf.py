"""Print HTML files to PDF with Debian's Chromium, headless and offline.

One browser per worker prints all of that worker's reports: ``Browser`` starts Chromium once with
``--remote-debugging-pipe`` and drives it over the DevTools protocol (JSON messages on file descriptors 3 and
4), opening each report in a fresh tab and calling ``Page.printToPDF`` (with a bookmark outline from the
headings). The printer has no network and no files: the document is served to the tab from memory at an
address that cannot resolve (``DOCUMENT_URL``), every other request the page makes is failed by the DevTools
``Fetch`` domain before it leaves the browser, http(s)/ws URLs are also blocked by ``Network.setBlockedURLs``,
host names resolve to nothing (``--host-resolver-rules``), and a page that is not ``file://`` may not read
local files. Each PDF is written to a temporary file beside the target and moved into place only when it is
complete, so a crash never leaves a half-written report in place of a good one.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from crossborder.core.errors import InputError
from crossborder.core.fileio import atomic_write_bytes, private_tempdir

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
# Flags verified on the offline machine: no sandbox as root, no network chatter, no first-run UI.
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--disable-extensions",
    "--remote-debugging-pipe", "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=socks5://255.255.255.255:9",
    "--proxy-bypass-list=<-loopback>", "--disable-features=PrivateNetworkAccessPermissionPrompt",
)
# The document is delivered to the tab from memory at this address; nothing else is ever fetched.
DOCUMENT_URL = "https://crossborder-report.invalid/report.html"
BLOCKED_URLS = ["http://*", "https://*", "ws://*", "wss://*", "ftp://*", "file://*"]
PRINT_TIMEOUT_S = 180
PRINT_OPTIONS = {
    "printBackground": True, "preferCSSPageSize": True, "displayHeaderFooter": False,
    "generateDocumentOutline": True,  # PDF bookmarks from the chapter headings
}


class PrintError(RuntimeError):
    """Chromium failed to print a report."""


def chromium() -> str:
    """Path of the Chromium binary, or an error naming what to install."""
    env = os.environ.get("CROSSBORDER_CHROMIUM")
    if env:
        return env
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise InputError("chromium: not found on PATH; install Debian's 'chromium' package (make setup does) "
                     "or set CROSSBORDER_CHROMIUM to a Chromium/Chrome binary")


class Browser:
    """A headless Chromium driven over the DevTools pipe; use as a context manager, call ``print_pdf``."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._profile: tempfile.TemporaryDirectory | None = None
        self._next_id = 0
        self._buffer = b""
        self._document: bytes | None = None   # what DOCUMENT_URL answers in the tab being printed
        self.blocked: list[str] = []          # requests refused while printing (for tests and diagnostics)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> None:
        self._profile = private_tempdir("crossborder-chromium-")  # also removes those of killed runs
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire_fds() -> None:
            # Chromium reads commands on fd 3 and writes replies on fd 4. Move both ends out of the way first
            # so that neither dup2 overwrites the other; fds 3 and 4 survive because they are in pass_fds.
            high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
            high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self._proc = subprocess.Popen(
            [chromium(), *FLAGS, f"--user-data-dir={self._profile.name}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire_fds, pass_fds=(3, 4),
        )
        os.close(to_browser_r)
        os.close(from_browser_w)

    def close(self) -> None:
        if self._proc is not None:
            try:
                self._send("Browser.close")
            except Exception:  # noqa: BLE001 - a browser that is already gone needs no closing
                pass
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
            for fd in (self._to_browser, self._from_browser):
                os.close(fd)
            self._proc = None
        if self._profile is not None:
            self._profile.cleanup()
            self._profile = None

    def _send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        return self._next_id

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise PrintError(f"Chromium did not answer within {PRINT_TIMEOUT_S} s")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise PrintError("Chromium exited while printing")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        msg = json.loads(raw)
        if msg.get("method") == "Fetch.requestPaused":
            self._answer_request(msg)
        return msg

    def _answer_request(self, msg: dict) -> None:
        """Serve the document being printed; fail every other request (network, files, anything)."""
        params, session = msg.get("params", {}), msg.get("sessionId")
        url = params.get("request", {}).get("url", "")
        if url == DOCUMENT_URL and self._document is not None and params.get("resourceType") == "Document":
            self._send("Fetch.fulfillRequest", {
                "requestId": params["requestId"], "responseCode": 200,
                "responseHeaders": [{"name": "Content-Type", "value": "text/html; charset=utf-8"}],
                "body": base64.b64encode(self._document).decode("ascii")}, session)
            self._document = None  # served once: a frame asking for it again is refused
        else:
            self.blocked.append(url)
            self._send("Fetch.failRequest", {"requestId": params["requestId"], "errorReason": "BlockedByClient"}, session)

    def _call(self, method: str, params: dict | None = None, session: str | None = None,
              deadline: float | None = None) -> dict:
        deadline = deadline or time.monotonic() + PRINT_TIMEOUT_S
        wanted = self._send(method, params, session)
        while True:
            msg = self._read(deadline)
            if msg.get("id") == wanted:
                if "error" in msg:
                    raise PrintError(f"Chromium {method}: {msg['error'].get('message')}")
                return msg.get("result", {})

    def _wait_event(self, name: str, session: str, deadline: float) -> None:
        while True:
            msg = self._read(deadline)
            if msg.get("method") == name and msg.get("sessionId") == session:
                return

    def render(self, html_file: Path) -> bytes:
        """The PDF bytes of one HTML file (fresh tab, scripts run, then printed)."""
        if self._proc is None or self._proc.poll() is not None:
            self.close()
            self._start()
        deadline = time.monotonic() + PRINT_TIMEOUT_S
        target = self._call("Target.createTarget", {"url": "about:blank"}, deadline=deadline)["targetId"]
        try:
            session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 deadline=deadline)["sessionId"]
            self._call("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}, session=session, deadline=deadline)
            self._call("Network.enable", session=session, deadline=deadline)
            self._call("Network.setBlockedURLs", {"urls": BLOCKED_URLS}, session=session, deadline=deadline)
            self._call("Page.enable", session=session, deadline=deadline)
            self._document = html_file.read_bytes()
            self._call("Page.navigate", {"url": DOCUMENT_URL}, session=session, deadline=deadline)
            self._wait_event("Page.loadEventFired", session, deadline)
            result = self._call("Page.printToPDF", PRINT_OPTIONS, session=session, deadline=deadline)
        finally:
            self._document = None
            self._call("Target.closeTarget", {"targetId": target}, deadline=deadline)
        return base64.b64decode(result["data"])

    def render_pdf(self, html_file: Path) -> bytes:
        """The complete PDF of ``html_file`` as bytes (raises PrintError otherwise)."""
        try:
            data = self.render(html_file)
        except (OSError, PrintError) as exc:
            self.close()  # a browser in an unknown state is not reused
            raise PrintError(f"Chromium could not print {html_file.name}: {exc}") from None
        if not data.startswith(b"%PDF") or b"%%EOF" not in data[-2048:]:
            raise PrintError(f"Chromium returned an incomplete PDF for {html_file.name}")
        return data

    def print_pdf(self, html_file: Path, pdf_file: Path) -> Path:
        """Print ``html_file`` to ``pdf_file`` atomically; returns the PDF's path."""
        data = self.render_pdf(html_file)
        pdf_file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(pdf_file, data)
        return pdf_file


def print_pdf(html_file: Path, pdf_file: Path) -> Path:
    """Print one file with a browser of its own (for a single print; workers keep a ``Browser``)."""
    with Browser() as browser:
        return browser.print_pdf(html_file, pdf_file)
