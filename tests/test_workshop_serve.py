"""`crossborder workshop serve` for a class: a token, localhost unless --public, a cap on apps with a clear page,
idle apps culled, memory per kernel capped, saving off (or per session), and stopping it stops every kernel."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest
from tornado import web

from crossborder.cli import build_parser
from crossborder.core.errors import InputError
from crossborder.serve import kernel as serve_kernel
from crossborder.serve import run
from crossborder.serve.manager import CappedKernelManager

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "lib"


def _arg(cmd: list[str], name: str) -> str:
    return next(a.split("=", 1)[1] for a in cmd if a.startswith(f"--{name}="))


def test_command_listens_on_localhost_only_and_keeps_the_token_off_the_command_line():
    cmd = run.voila_command(run.ServeOptions(port=8123))
    assert _arg(cmd, "Voila.ip") == "127.0.0.1"
    assert _arg(cmd, "Voila.auto_token") == "True" and not any("token=" in a.lower() and "auto" not in a for a in cmd)
    assert _arg(cmd, "CappedKernelManager.max_kernels") == "20"
    assert _arg(cmd, "MappingKernelManager.cull_idle_timeout") == str(20 * 60)
    assert _arg(cmd, "MappingKernelManager.cull_connected") == "True"
    assert _arg(cmd, "VoilaConfiguration.multi_kernel_manager_class") == "crossborder.serve.manager.CappedKernelManager"
    assert _arg(run.voila_command(run.ServeOptions(port=8123, public=True)), "Voila.ip") == "0.0.0.0"


def test_cli_flags_reach_the_options_and_bad_values_are_refused():
    args = build_parser().parse_args(["workshop", "serve", "08", "--public", "--allow-save", "--max-apps", "5",
                                      "--idle-minutes", "7", "--kernel-memory-mb", "1024"])
    assert (args.public, args.allow_save, args.max_apps, args.idle_minutes, args.kernel_memory_mb) == (True, True, 5, 7, 1024)
    args = build_parser().parse_args(["workshop", "serve"])
    assert (args.public, args.allow_save) == (False, False)
    for bad in ({"max_kernels": 0}, {"idle_minutes": 0}, {"kernel_memory_mb": 10}, {"port": 70000}):
        with pytest.raises(InputError):
            run.ServeOptions(**bad).check()


def test_the_apps_get_a_copy_of_the_owners_folder_and_saving_is_off(tmp_path, monkeypatch):
    owner = tmp_path / "owner"
    (owner / "scenarios").mkdir(parents=True)
    (owner / "scenarios" / "DE.yaml").write_text("market: DE\n", encoding="utf-8")
    (owner / "cache" / "chapters").mkdir(parents=True)
    (owner / "cache" / "chapters" / "big.bin").write_bytes(b"x")
    monkeypatch.setenv("CROSSBORDER_HOME", str(owner))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", "/somewhere")
    opts = run.ServeOptions(port=8123)
    folder = run.prepare(opts, tmp_path / "run")
    assert (folder / "home" / "scenarios" / "DE.yaml").read_text(encoding="utf-8") == "market: DE\n"
    assert not (folder / "home" / "cache").exists()
    spec = (folder / "jupyter" / "kernels" / "python3" / "kernel.json").read_text(encoding="utf-8")
    assert "crossborder.serve.kernel" in spec
    assert "{{ message }}" in (folder / "jupyter" / "voila" / "templates" / "lab" / "503.html").read_text(encoding="utf-8")
    env = run.voila_env(opts, folder, "tok")
    assert "JUPYTER_TOKEN" not in env and "JUPYTER_CONFIG_DIR" not in env
    token_file = Path(env["JUPYTER_TOKEN_FILE"])
    assert token_file.read_text(encoding="ascii") == "tok" and token_file.stat().st_mode & 0o077 == 0
    assert env["CROSSBORDER_HOME"] == str(folder / "home") != str(owner)
    assert env["CROSSBORDER_APP_SAVE"] == "0" and "CROSSBORDER_APP_SESSIONS" not in env
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(LIB)
    saving = run.ServeOptions(port=8123, allow_save=True)
    env = run.voila_env(saving, run.prepare(saving, tmp_path / "run2"), "tok")
    assert env["CROSSBORDER_APP_SAVE"] == "1" and env["CROSSBORDER_APP_SESSIONS"] == str(tmp_path / "run2" / "sessions")


def test_each_app_saves_into_its_own_session_folder(tmp_path, monkeypatch):
    base = tmp_path / "home"
    (base / "scenarios").mkdir(parents=True)
    (base / "scenarios" / "US.yaml").write_text("a: 1\n", encoding="utf-8")
    monkeypatch.setenv("CROSSBORDER_HOME", str(base))
    monkeypatch.setenv("CROSSBORDER_APP_SESSIONS", str(tmp_path / "sessions"))
    one = serve_kernel.session_home(["-f", "/tmp/x/kernel-aaaaaaaa-1111.json"])
    two = serve_kernel.session_home(["-f", "/tmp/x/kernel-bbbbbbbb-2222.json"])
    assert one != two and one.parent == two.parent == tmp_path / "sessions"
    assert (one / "scenarios" / "US.yaml").exists() and (two / "scenarios" / "US.yaml").exists()
    monkeypatch.delenv("CROSSBORDER_APP_SESSIONS")
    assert serve_kernel.session_home(["-f", "k.json"]) is None


def test_the_save_button_is_gone_when_app_saving_is_off(monkeypatch):
    import ipywidgets as widgets

    from crossborder.notebook.panel import ControlPanel

    def make():
        return ControlPanel({"x": widgets.IntSlider(value=1)}, lambda x: {"t": f"x={x}"}, lang="en",
                            save=lambda values: Path("/owner/scenarios/DE.yaml"))

    def buttons(panel):
        return [w for w in panel.widget().children[0].children if isinstance(w, widgets.Button)]

    monkeypatch.delenv("CROSSBORDER_APP_SAVE", raising=False)
    assert len(buttons(make())) == 1  # JupyterLab: the owner's own notebook saves as before
    monkeypatch.setenv("CROSSBORDER_APP_SAVE", "0")
    panel = make()
    assert buttons(panel) == [] and panel.save() is None


def test_the_kernel_manager_refuses_a_kernel_beyond_the_cap():
    manager = CappedKernelManager(max_kernels=2)
    manager.list_kernel_ids = lambda: ["a", "b"]
    with pytest.raises(web.HTTPError) as err:
        asyncio.run(manager.start_kernel(kernel_name="python3"))
    assert err.value.status_code == 503 and "2 apps" in err.value.log_message


def test_a_kernel_cannot_grow_past_its_memory_cap():
    code = ("from crossborder.serve.kernel import limit_memory\nlimit_memory(600)\n"
            "try:\n    b = bytearray(900 * 2**20)\nexcept MemoryError:\n    print('refused')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(LIB)})
    assert out.stdout.strip() == "refused", out.stderr


# ---------------------------------------------------------------------------------------------- the server

@contextlib.contextmanager
def serving(tmp_path: Path, *flags: str):
    """The real command in a subprocess; yields (process, base URL, token)."""
    log = tmp_path / "serve.log"
    env = {**os.environ, "PYTHONPATH": str(LIB), "CROSSBORDER_HOME": str(tmp_path / "owner"),
           "CROSSBORDER_REPORTS": str(tmp_path / "reports")}
    (tmp_path / "owner" / "scenarios").mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "crossborder.cli", "workshop", "serve", *flags],
                                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 90
        url = None
        while time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
            found = re.search(r"(http://127\.0\.0\.1:\d+)/\?token=(\S+)", log.read_text(errors="replace"))
            if found:
                url, token = found.groups()
                with contextlib.suppress(OSError):
                    urllib.request.urlopen(f"{url}/voila/static/voila.js?token={token}", timeout=2).close()
                    break
            time.sleep(0.5)
        assert url, log.read_text(errors="replace")[-3000:]
        yield proc, url, token
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _get(url: str, timeout: float = 240) -> tuple[int, str, str]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8", "replace"), ""
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace"), err.headers.get("Location", "")


def _kernels(tree: list[psutil.Process]) -> list[psutil.Process]:
    return [p for p in tree if "crossborder.serve.kernel" in " ".join(p.cmdline())]


@pytest.mark.slow
def test_server_needs_the_token_caps_apps_and_stops_with_every_kernel(tmp_path):
    with serving(tmp_path, "--max-apps", "1") as (proc, url, token):
        status, _, location = _get(f"{url}/voila/render/00_overview.ipynb")
        assert status == 302 and "/login" in location  # no token: the login page, not the app
        status, _, _ = _get(f"{url}/voila/render/00_overview.ipynb?token=wrong{token}")
        assert status == 302
        req = urllib.request.Request(f"{url}/voila/api/shutdown/00000000-0000-0000-0000-000000000000", method="POST")
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=10)
        assert err.value.code == 403
        status, page, _ = _get(f"{url}/voila/render/00_overview.ipynb?token={token}")
        assert status == 200 and "application/vnd.jupyter.widget-view+json" in page
        assert "chapter.setup(" not in page  # code hidden
        status, page, _ = _get(f"{url}/voila/render/00_overview.ipynb?token={token}")
        assert status == 503 and "server is full" in page and "1 apps" in page
        tree = psutil.Process(proc.pid).children(recursive=True)
        kernels = _kernels(tree)
        assert len(kernels) == 1
        limits = Path(f"/proc/{kernels[0].pid}/limits").read_text()
        assert re.search(r"Max address space\s+2147483648\s+2147483648", limits), limits
        env = kernels[0].environ()
        assert token not in " ".join(f"{k}={v}" for k, v in env.items()) and env["CROSSBORDER_APP_SAVE"] == "0"
        assert token not in " ".join(p.cmdline()[-1] for p in tree)  # nor on any command line
        assert not list((tmp_path / "reports").rglob("token"))  # the token file is gone once Voilà has read it
        assert env["CROSSBORDER_HOME"].startswith(str(tmp_path / "reports" / "workshop" / "serve"))
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        gone, alive = psutil.wait_procs(tree, timeout=10)
        assert not alive, [p.cmdline() for p in alive]


@pytest.mark.slow
def test_killing_the_command_outright_still_takes_voila_and_its_kernels_down(tmp_path):
    with serving(tmp_path) as (proc, url, token):
        status, _, _ = _get(f"{url}/voila/render/00_overview.ipynb?token={token}")
        assert status == 200
        tree = psutil.Process(proc.pid).children(recursive=True)
        assert len(_kernels(tree)) == 1
        proc.kill()  # SIGKILL: no clean-up code runs in the command
        proc.wait()
        gone, alive = psutil.wait_procs(tree, timeout=30)
        assert not alive, [p.cmdline() for p in alive]


@pytest.mark.slow
def test_app_view_in_a_real_browser(tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is needed (make setup installs it)"
    with serving(tmp_path) as (proc, url, token):
        chart_data = ("() => JSON.stringify(Array.from(document.querySelectorAll('.js-plotly-plot'))"
                      ".map(d => d.data.map(tr => Array.from(tr.x || []))))")
        with playwright.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium,
                                         args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            page = browser.new_page()
            page.goto(f"{url}/voila/render/00_overview.ipynb?token={token}", timeout=180_000)
            page.wait_for_selector(".js-plotly-plot", timeout=180_000)
            before = page.evaluate(chart_data)
            assert "chapter.setup(" not in page.content()  # code hidden
            search = page.locator("input[type=text]").first
            search.click()
            search.type("credit", delay=30)  # key by key, as a participant types
            page.wait_for_function(f"(before) => ({chart_data})() !== before", arg=before, timeout=120_000)
            after = page.evaluate(chart_data)
            browser.close()
        assert after != before and len(eval(after)[0]) == 2  # the matching-terms trace appeared
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
