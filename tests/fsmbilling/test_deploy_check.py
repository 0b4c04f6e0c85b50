"""Production settings pass ``manage.py check --deploy`` (OPS-4, REL-5)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

BASE_DIR = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """A URL to the server the tests use, from the Django settings (TCP or a Unix socket folder)."""
    db = settings.DATABASES["default"]
    user = quote(db.get("USER") or "postgres", safe="")
    password = db.get("PASSWORD") or ""
    credentials = f"{user}:{quote(password, safe='')}" if password else user
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host") or ""
    port = db.get("PORT") or ""
    name = quote(db.get("NAME") or "postgres", safe="")
    if host.startswith("/"):
        return f"postgresql://{credentials}@/{name}?host={quote(host, safe='/')}"
    return f"postgresql://{credentials}@{host or 'localhost'}{':' + str(port) if port else ''}/{name}"


def test_check_deploy_passes_with_production_settings():
    env = {
        **os.environ,
        "PRODUCTION": "true",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "example.com",
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "fsmbilling.settings",
    }
    env.pop("TEST_DATABASE_NAME", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests' fixture while Playwright runs
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
