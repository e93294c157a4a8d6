"""Response headers and deployment settings (docs/security.md, "Headers and sessions"):
the Content-Security-Policy on every page, no inline script or style in any template, and
``motcua check --deploy`` clean in production mode."""

from __future__ import annotations

import os
import re
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

from motcua.conf.settings import PACKAGE_DIR

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
}
TEMPLATES = PACKAGE_DIR / "templates"
# Rendered to PDF by WeasyPrint on the server, never shown by a browser.
PDF_TEMPLATES = {"reporting/monthly_pdf.html", "dossiers/forms/base.html"}


def directives(header: str) -> dict[str, str]:
    parts = [p.strip() for p in header.split(";") if p.strip()]
    return {p.split(" ", 1)[0]: p.split(" ", 1)[1] if " " in p else "" for p in parts}


@pytest.mark.parametrize(
    "path", ["/", "/staff/login/", "/procedures/", "/healthz", "/api/v1/centers"]
)
def test_every_response_carries_the_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    for name, value in POLICY.items():
        assert policy.get(name) == value, (name, policy)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_session_and_csrf_cookies_are_http_only(client, settings):
    from tests.factories import PASSWORD, CenterFactory, staff

    user = staff("receptionist", CenterFactory(), username="cookie-check")
    response = client.post("/staff/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"]
    assert session["samesite"] == "Lax"


SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
STYLE_TAG = re.compile(r"<style\b", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
EVENT_ATTRIBUTE = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)


def _templates() -> list[Path]:
    found = sorted(TEMPLATES.rglob("*.html"))
    assert len(found) > 50
    return found


def test_no_template_has_inline_script():
    """The policy allows scripts from files only: every <script> has a src, except JSON data
    blocks (type="application/json", which browsers never run)."""
    offenders = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for match in SCRIPT.finditer(text):
            attributes = match.group(1)
            if "src=" in attributes or 'type="application/json"' in attributes:
                continue
            offenders.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)}")
        offenders += [
            f"{path.relative_to(TEMPLATES)}: event handler attribute {m.group(0).strip()}"
            for m in EVENT_ATTRIBUTE.finditer(text)
        ]
    assert not offenders, "inline script (the CSP refuses it):\n" + "\n".join(offenders)


def test_no_browser_template_has_inline_style():
    offenders = []
    for path in _templates():
        name = str(path.relative_to(TEMPLATES))
        if name in PDF_TEMPLATES:
            continue
        text = path.read_text(encoding="utf-8")
        if STYLE_TAG.search(text) or STYLE_ATTRIBUTE.search(text):
            offenders.append(name)
    assert not offenders, f"inline style (the CSP refuses it): {offenders}"


def test_base_templates_turn_off_htmx_inline_indicator_style():
    for name in ("base.html", "kiosk_base.html"):
        text = (TEMPLATES / name).read_text(encoding="utf-8")
        assert '"includeIndicatorStyles":false' in text, name


def _strong_key() -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(64))


def test_check_deploy_is_clean_in_production(tmp_path):
    """``motcua check --deploy`` with production settings reports nothing (warnings fail)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "MOTCUA_TESTING", "DJANGO_SETTINGS_MODULE", "TOKEN_HASH_KEY"}
    }
    env.update(
        MOTCUA_ENV="production",
        MOTCUA_VAR_DIR=str(tmp_path / "var"),
        SECRET_KEY=_strong_key(),
        ALLOWED_HOSTS="motcua.example.vn",
        CSRF_TRUSTED_ORIGINS="https://motcua.example.vn",
        SITE_URL="https://motcua.example.vn",
        # Several processes in production share Redis (log-in failure counts included).
        REDIS_URL=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
    )
    result = subprocess.run(
        [sys.executable, "-m", "motcua.conf.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
