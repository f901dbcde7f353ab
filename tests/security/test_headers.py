"""Headers and docs: a strict Content-Security-Policy on every page, no inline script anywhere,
the API docs served from our own static files, ``check --deploy`` clean. In Chromium (the docs
offline, every page under the policy): tests/e2e/test_csp.py."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
# Documents rendered to PDF or e-mail are never served as pages: they may keep their <style> and
# style attributes (mail clients read no style sheet).
PAGE_TEMPLATES = [
    path
    for path in sorted((ROOT / "encours").rglob("templates/**/*.html"))
    if "document" not in path.name and "/documents/" not in str(path) and "/emails/" not in str(path)
    and "email" not in path.name
]  # fmt: skip
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)


def directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
def test_every_page_carries_a_strict_content_security_policy(client, credit_manager):
    client.force_login(credit_manager)
    for url in (reverse("reports:dashboard"), reverse("login"), "/api/v1/docs"):
        policy = directives(client.get(url)["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"], url  # no 'unsafe-inline', no 'unsafe-eval', no CDN
        assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"] and policy["style-src"] == ["'self'"]
        assert policy["style-src-attr"] == ["'none'"], url  # no style attribute either


def test_no_template_holds_an_inline_script_or_event_handler():
    assert len(PAGE_TEMPLATES) > 100
    found = []
    for path in PAGE_TEMPLATES:
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(ROOT)}: {m.group(0)[:60]}" for m in INLINE_SCRIPT.finditer(text)]
        found += [f"{path.relative_to(ROOT)}: {m.group(0)[-60:]}" for m in INLINE_HANDLER.finditer(text)]
        found += [f"{path.relative_to(ROOT)}: <style>" for _ in re.finditer(r"<style", text)]
    assert found == []


def test_no_page_template_holds_a_style_attribute():
    """The policy forbids style attributes (style-src-attr 'none'): a page says how it looks with classes."""
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)[:80]}"
        for path in PAGE_TEMPLATES
        for match in STYLE_ATTRIBUTE.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_api_docs_use_local_assets(client):
    html = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn" not in html.lower()


def test_check_deploy_is_clean_under_the_production_settings(tmp_path):
    env = {
        **{key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"},  # set for Playwright
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "encours.example",
        "CSRF_TRUSTED_ORIGINS": "https://encours.example",
        "ENCOURS_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
