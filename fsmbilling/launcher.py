"""What ``./run`` does once the virtual environment is ready.

``./run`` (or ``./run serve``): database (embedded PostgreSQL unless DATABASE_URL is set), migrations, the demo
organization, then the web server (gunicorn) and the task cluster (django-q2) until Ctrl-C, which stops everything it
started, PostgreSQL included. ``./run test``: lint, migration check, API schema check and the whole test suite.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ENV = dict(os.environ, DJANGO_SETTINGS_MODULE="fsmbilling.settings", PYTHONUNBUFFERED="1")


def manage(*args: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env or ENV, check=check)


def start_database() -> bool:
    """Start the embedded PostgreSQL unless DATABASE_URL is set. True when this call started it."""
    if os.environ.get("DATABASE_URL"):
        return False
    from fsmbilling import embedded_db

    was_running = (embedded_db.data_dir() / "postmaster.pid").exists()
    ENV["DATABASE_URL"] = embedded_db.database_url()
    return not was_running


def stop_database(started: bool) -> None:
    if started:
        from fsmbilling import embedded_db

        embedded_db.stop()


def ensure_chromium() -> None:
    """The browser tests drive Debian's Chromium; install it with apt-get when it is missing."""
    if shutil.which("chromium") or Path("/usr/bin/chromium").exists():
        return
    print("Installing Debian's chromium for the browser tests (apt-get) …", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env)


def serve() -> int:
    port = os.environ.get("PORT", "8000")
    ENV.setdefault("SITE_URL", f"http://127.0.0.1:{port}")
    ENV.setdefault("DEBUG", "true")
    started = start_database()
    children: list[subprocess.Popen] = []
    try:
        manage("migrate", "--noinput", "-v", "0")
        manage("createcachetable")
        manage("collectstatic", "--noinput", "-v", "0")
        web = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "fsmbilling.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ],
            cwd=BASE_DIR,
            env=ENV,
        )
        children.append(web)
        _wait_for_http(f"http://127.0.0.1:{port}/healthz")
        cluster = subprocess.Popen([PYTHON, "manage.py", "qcluster"], cwd=BASE_DIR, env=ENV)
        children.append(cluster)
        # The demo organization is onboarded to the Books sandbox over HTTP, so the web server must be up first.
        manage("seed_demo")
        print(f"\nfsmbilling is running at http://127.0.0.1:{port}/  (Ctrl-C stops it)\n", flush=True)
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
        stop_database(started)
        print("Stopped.", flush=True)


def _wait_for_http(url: str, timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"The web server did not answer at {url} within {timeout:.0f} s.")


def test(pytest_args: list[str]) -> int:
    ensure_chromium()
    started = start_database()
    env = dict(ENV, TEST_DATABASE_NAME=os.environ.get("TEST_DATABASE_NAME", "test_fsmbilling"))
    try:
        steps = [
            ("ruff check", [PYTHON, "-m", "ruff", "check", "."]),
            ("ruff format --check", [PYTHON, "-m", "ruff", "format", "--check", "."]),
            ("makemigrations --check", [PYTHON, "manage.py", "makemigrations", "--check", "--dry-run"]),
            ("API schema is current", [PYTHON, "-m", "fsmbilling.schema_check"]),
        ]
        for label, command in steps:
            print(f"== {label}", flush=True)
            if subprocess.run(command, cwd=BASE_DIR, env=env).returncode != 0:
                print(f"FAILED: {label}", flush=True)
                return 1
        print("== pytest", flush=True)
        return subprocess.run([PYTHON, "-m", "pytest", *pytest_args], cwd=BASE_DIR, env=env).returncode
    finally:
        stop_database(started)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "serve"
    if command in ("serve", "run"):
        return serve()
    if command == "test":
        return test(argv[1:])
    if command == "manage":
        started = start_database()
        try:
            return manage(*argv[1:], check=False).returncode
        finally:
            stop_database(started)
    print("usage: ./run [serve | test [pytest args] | manage <command>]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
