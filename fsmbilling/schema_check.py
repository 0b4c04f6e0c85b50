"""Fails when the committed OpenAPI schema (docs/api/openapi.yaml) differs from the code's.

Regenerate with ``./run manage spectacular --file docs/api/openapi.yaml`` and record the change in
docs/api/CHANGELOG.md.
"""

from __future__ import annotations

import difflib
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
COMMITTED = BASE_DIR / "docs" / "api" / "openapi.yaml"


def main() -> int:
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--fail-on-warn", "--validate"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        print(result.stderr[-4000:])
        return 1
    if not COMMITTED.exists() or COMMITTED.read_text() != result.stdout:
        old = COMMITTED.read_text().splitlines() if COMMITTED.exists() else []
        diff = list(difflib.unified_diff(old, result.stdout.splitlines(), "committed", "generated", lineterm=""))
        print("\n".join(diff[:80]))
        print("The API schema changed: regenerate docs/api/openapi.yaml and note it in docs/api/CHANGELOG.md.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
