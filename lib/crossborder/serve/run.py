"""``crossborder workshop serve``: Voilà for a class of about 20 participants on the consultant's machine.

Safe by default: a token in the URL (printed, as Jupyter does), 127.0.0.1 unless ``public``, at most
``max_kernels`` apps at once (a clear "server full" page beyond), idle apps closed after ``idle_minutes``,
each kernel's memory capped, the Voilà server's own memory capped, and saving from the app off unless
``allow_save`` (then each app saves into its own session folder). The user folder the apps see is a copy of
the owner's, made for the run under ``reports/workshop/serve/<time>/``: nothing the class does reaches the
owner's scenarios. Stopping (Ctrl-C, SIGTERM, SIGHUP) stops Voilà and every kernel it started.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from crossborder.core.errors import InputError
from crossborder.core.paths import PROJ_ROOT, notebooks_dir, reports_dir, user_home
from crossborder.notebook import tags

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
LIB_DIR = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ServeOptions:
    port: int = 0
    notebook: str | None = None
    public: bool = False
    allow_save: bool = False
    max_kernels: int = 20
    idle_minutes: int = 20
    kernel_memory_mb: int = 2048
    server_memory_mb: int = 4096
    token: str | None = None  # None: a fresh random one
    lang: str = "zh-TW"       # the apps' language (one-language copies without exercises and solutions)

    def check(self) -> ServeOptions:
        bounds = {"--max-apps": (self.max_kernels, 1, 200), "--idle-minutes": (self.idle_minutes, 1, 24 * 60),
                  "--kernel-memory-mb": (self.kernel_memory_mb, 512, 65536),
                  "--port": (self.port, 0, 65535)}
        for flag, (value, low, high) in bounds.items():
            if not low <= value <= high:
                raise InputError(f"{flag}: expected {low} to {high}, found {value}")
        return self


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def run_dir() -> Path:
    return reports_dir() / "workshop" / "serve" / time.strftime("%Y%m%d-%H%M%S")


def prepare(opts: ServeOptions, folder: Path) -> Path:
    """The run's folder: ``home/`` (a copy of the owner's user folder, caches left out), ``sessions/`` and a
    kernel spec ``jupyter/kernels/python3`` that starts kernels through ``crossborder.serve.kernel``."""
    home = folder / "home"
    owner = user_home()
    if owner.is_dir():
        shutil.copytree(owner, home, ignore=shutil.ignore_patterns("cache", "*.tmp"), symlinks=False,
                        dirs_exist_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    if opts.allow_save:
        (folder / "sessions").mkdir(exist_ok=True)
    spec = folder / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "crossborder.serve.kernel", "-f", "{connection_file}"],
        "display_name": "Python 3 (crossborder workshop)", "language": "python",
        "metadata": {"debugger": False},
    }, indent=1), encoding="utf-8")
    pages = folder / "jupyter" / "voila" / "templates" / "lab"  # found before Voilà's own (JUPYTER_PATH first)
    pages.mkdir(parents=True, exist_ok=True)
    (pages / "503.html").write_text(FULL_PAGE, encoding="utf-8")
    return folder


# The page a participant sees when every app slot is taken (jupyter_server renders "<status>.html" first).
FULL_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{ status_message }}</title>
<style>body{font-family:sans-serif;max-width:40em;margin:4em auto;line-height:1.5;color:#222}</style></head>
<body><h1>{{ status_message }}</h1><p>{{ message }}</p>
<p><a href="javascript:location.reload()">Reload / 重新載入</a></p></body></html>
"""


def voila_command(opts: ServeOptions, apps: Path | None = None) -> list[str]:
    """``apps``: the folder of app copies (``workshop.app_notebooks``: one language, no exercises or solutions;
    Voilà ignores the TagRemovePreprocessor option below, which stays as a second guard)."""
    base = apps or notebooks_dir()
    target = str(base / opts.notebook) if opts.notebook else str(base)
    km = "MappingKernelManager"
    return [
        sys.executable, "-m", "voila", target, "--no-browser", f"--port={opts.port}", "--Voila.port_retries=0",
        f"--Voila.ip={'0.0.0.0' if opts.public else '127.0.0.1'}",
        "--Voila.auto_token=True",  # the token comes from $JUPYTER_TOKEN (not the command line, which others can read)
        "--strip_sources=True", "--theme=light", "--VoilaConfiguration.show_tracebacks=False",
        # the app view shows controls and charts, not the workshop exercises and their solutions
        f'--TagRemovePreprocessor.remove_cell_tags={{"{tags.SOLUTION}", "{tags.EXERCISE}"}}',
        "--VoilaConfiguration.multi_kernel_manager_class=crossborder.serve.manager.CappedKernelManager",
        f"--CappedKernelManager.max_kernels={opts.max_kernels}",
        f"--{km}.cull_idle_timeout={opts.idle_minutes * 60}", f"--{km}.cull_interval={min(60, opts.idle_minutes * 30)}",
        f"--{km}.cull_connected=True",  # an open but untouched tab is idle too: its slot goes to someone else
        # jupyter_server's error pages (the "server full" page among them) need a static path to render
        f"--Voila.tornado_settings=static_path={_voila_static()}",
    ]


def _voila_static() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("voila")
    return Path(spec.origin).parent / "static" if spec and spec.origin else Path()


def voila_env(opts: ServeOptions, folder: Path, token: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_")}
    env.update({
        # the token in a file only the owner can read (not the command line nor the environment, which every kernel
        # inherits); jupyter_server reads $JUPYTER_TOKEN_FILE once at start, and serve() deletes it then
        "JUPYTER_TOKEN_FILE": str(_token_file(folder, token)),
        "JUPYTER_PATH": str(folder / "jupyter"),  # our kernel spec first
        "PYTHONPATH": os.pathsep.join([str(LIB_DIR), *filter(None, [os.environ.get("PYTHONPATH")])]),
        "CROSSBORDER_HOME": str(folder / "home"),
        "CROSSBORDER_APP_SAVE": "1" if opts.allow_save else "0",
        "CROSSBORDER_KERNEL_MEMORY_MB": str(opts.kernel_memory_mb),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    })
    if opts.allow_save:
        env["CROSSBORDER_APP_SESSIONS"] = str(folder / "sessions")
    else:
        env.pop("CROSSBORDER_APP_SESSIONS", None)
    return env


def _token_file(folder: Path, token: str) -> Path:
    path = folder / "token"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(token)
    return path


def _wait_listening(proc: subprocess.Popen, port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.3)


def app_url(opts: ServeOptions, token: str) -> str:
    host = socket.gethostname() if opts.public else "127.0.0.1"
    return f"http://{host}:{opts.port}/?token={token}"


def _server_limits(megabytes: int):
    def apply() -> None:  # in the Voilà process before exec: its memory bounded (kernels set theirs), and it
        if megabytes > 0:  # gets SIGTERM (and shuts its kernels down) if this command is killed outright
            limit = megabytes * 2**20
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        if sys.platform.startswith("linux"):
            ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    return apply


class _Stop(Exception):
    pass


def _raise_stop(signum, _frame):
    raise _Stop(signum)


def descendants(pid: int) -> list:
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def stop_tree(proc: subprocess.Popen, grace: float = 15.0) -> None:
    """Stop Voilà (it shuts its kernels down on SIGTERM), then kill whatever of its tree is left."""
    import psutil

    tree = descendants(proc.pid)
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    # kernels run in their own sessions: kill the ones seen before, and any orphan we inherited as subreaper
    leftover = [p for p in tree if p.is_running()] + descendants(os.getpid())
    for p in leftover:
        try:
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(leftover, timeout=5)


def _become_subreaper() -> None:
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        except (OSError, AttributeError):
            pass


def serve(opts: ServeOptions, out=sys.stderr) -> int:
    opts.check()
    port = opts.port or free_port("0.0.0.0" if opts.public else "127.0.0.1")
    opts = ServeOptions(**{**opts.__dict__, "port": port})
    token = opts.token or secrets.token_urlsafe(24)
    folder = prepare(opts, run_dir())
    from crossborder.workshop import app_notebooks

    apps = app_notebooks(opts.lang, folder / "apps")
    print(f"Serving the workbook as apps (code hidden); open:\n    {app_url(opts, token)}\n"
          f"At most {opts.max_kernels} apps at once, idle ones closed after {opts.idle_minutes} min, "
          f"{opts.kernel_memory_mb} MB each. Saving from the apps: "
          + (f"on, into {folder / 'sessions'}" if opts.allow_save else "off (--allow-save turns it on)")
          + f".\nRun folder: {folder}\n"
          + ("LISTENING ON EVERY NETWORK INTERFACE (--public): anyone with the URL and token can use the apps.\n"
             if opts.public else "")
          + "Ctrl-C stops the server and every app.", file=out, flush=True)
    _become_subreaper()
    previous = {s: signal.signal(s, _raise_stop) for s in (signal.SIGTERM, signal.SIGHUP)}
    proc = None
    try:
        proc = subprocess.Popen(voila_command(opts, apps), env=voila_env(opts, folder, token), cwd=PROJ_ROOT,
                                start_new_session=True, preexec_fn=_server_limits(opts.server_memory_mb),
                                stdin=subprocess.DEVNULL)
        _wait_listening(proc, port)
        (folder / "token").unlink(missing_ok=True)
        return proc.wait()
    except (KeyboardInterrupt, _Stop):
        return 0
    finally:
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):  # a second Ctrl-C must not cut the clean-up short
            signal.signal(sig, signal.SIG_IGN)
        (folder / "token").unlink(missing_ok=True)
        if proc is not None:
            stop_tree(proc)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
