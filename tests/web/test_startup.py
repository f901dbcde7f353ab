"""Starting Django imports no heavy library: every command, worker and web process pays the start.

scikit-learn, numpy, pandas, SciPy, matplotlib, WeasyPrint and openpyxl are imported where they
are used (training, forecasting, charts, PDF, spreadsheets), never by ``django.setup()`` or the
URL configuration. The check runs in a fresh interpreter: the test process has them loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("sklearn", "numpy", "pandas", "scipy", "matplotlib", "weasyprint", "openpyxl")

PROBE = f"""
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "encours.settings")
import django
django.setup()
after_setup = sorted(name for name in {HEAVY!r} if name in sys.modules)
from django.urls import get_resolver
get_resolver().url_patterns
after_urls = sorted(name for name in {HEAVY!r} if name in sys.modules)
print(json.dumps({{"setup": after_setup, "urls": after_urls}}))
"""


def test_django_setup_and_urls_import_no_heavy_library() -> None:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "encours.settings"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == {"setup": [], "urls": []}
