"""The embedded PostgreSQL that a fresh install uses when DATABASE_URL is not set.

The server lives in a data folder of the checkout (``.data/pg`` by default, ``EMBEDDED_PG_DIR`` to change) and keeps
running between commands, so every process of the portal (web, task cluster, tests, management commands) talks to
the same database. The run command stops it when it exits.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    return Path(os.environ.get("EMBEDDED_PG_DIR", BASE_DIR / ".data" / "pg")).resolve()


def database_url() -> str:
    """Start the embedded server if needed and return a URL to its ``postgres`` database."""
    folder = data_dir()
    folder.parent.mkdir(parents=True, exist_ok=True)
    warnings.filterwarnings("ignore", module="platformdirs")
    import pgserver

    server = pgserver.get_server(folder, cleanup_mode=None)
    # pgserver answers with a socket URL such as postgresql://postgres:@/postgres?host=/path
    return server.get_uri()


def stop() -> None:
    """Stop the embedded server (used by the run command on exit)."""
    import getpass

    folder = data_dir()
    if not (folder / "postmaster.pid").exists():
        return
    from pgserver._commands import pg_ctl

    user = "pgserver" if getpass.getuser() == "root" else None
    with contextlib.suppress(Exception):  # already stopped is fine
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=folder, user=user)
