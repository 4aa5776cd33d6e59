"""The sign-in gate, as far as AppTest reaches: it sets ``st.user`` and ``st.secrets`` for a run, but cannot
complete a real OpenID Connect redirect (that needs a provider)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP, shown
from views.signin import AllowList, exposure_warning, providers

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-only-not-a-secret",
    "client_id": "client.apps.example",
    "client_secret": "test-only-not-a-secret",
    "server_metadata_url": "https://accounts.example.com/.well-known/openid-configuration",
}


def _run(db: Path, monkeypatch: pytest.MonkeyPatch, user: dict, allow: dict | None) -> AppTest:
    monkeypatch.setenv("BREAKEVEN_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets["auth"] = AUTH
    if allow is not None:
        at.secrets["breakeven"] = allow
    at.user = user
    at.run()
    assert not at.exception
    return at


def _dashboard_drawn(at: AppTest) -> bool:
    return bool(at.metric) or bool(at.sidebar.multiselect)


def test_signed_out_sees_the_prompt_and_nothing_else(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _run(demo_db, monkeypatch, {"is_logged_in": False}, {"allowed_domains": ["example.com"]})
    assert [b.label for b in at.button] == ["Sign in"]
    assert not _dashboard_drawn(at)
    assert not at.dataframe and not at.get("plotly_chart") and not at.info
    assert [t.value for t in at.title] == ["Breakeven"]


def test_signed_in_but_not_allowed_is_refused_in_words(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = {"is_logged_in": True, "email": "mallory@elsewhere.example", "email_verified": True}
    at = _run(demo_db, monkeypatch, user, {"allowed_domains": ["example.com"], "allowed_emails": ["ana@partner.io"]})
    (refusal,) = at.error
    assert "You are signed in as mallory@elsewhere.example, which may not use this dashboard" in shown(refusal.value)
    assert [b.label for b in at.button] == ["Sign out"]
    assert not _dashboard_drawn(at)


def test_an_unverified_address_in_an_allowed_domain_is_refused(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = {"is_logged_in": True, "email": "ana@example.com", "email_verified": False}
    at = _run(demo_db, monkeypatch, user, {"allowed_domains": ["example.com"]})
    assert at.error and not _dashboard_drawn(at)


def test_no_allow_list_lets_nobody_in(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _run(demo_db, monkeypatch, {"is_logged_in": True, "email": "ana@example.com"}, None)
    (refusal,) = at.error
    assert "nobody is allowed in yet" in refusal.value
    assert not _dashboard_drawn(at)


def test_an_allowed_user_sees_the_dashboard(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = {"is_logged_in": True, "email": "Ana@Example.com", "email_verified": True}
    at = _run(demo_db, monkeypatch, user, {"allowed_domains": ["example.com"]})
    assert _dashboard_drawn(at) and not at.error
    assert any("Signed in as" in shown(c.value) and "Ana@Example.com" in shown(c.value) for c in at.sidebar.caption)
    assert "Sign out" in [b.label for b in at.sidebar.button]


def test_without_an_auth_section_there_is_no_gate(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREAKEVEN_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception and _dashboard_drawn(at)
    assert "Sign in" not in [b.label for b in at.button]


def test_allow_list_rules() -> None:
    allow = AllowList.from_settings({"allowed_emails": ["Ana@Partner.io"], "allowed_domains": ["@example.com"]})
    assert allow.admits("ana@partner.io") and allow.admits("BOB@example.com")
    assert not allow.admits("bob@sub.example.com")  # exactly the domain, not its subdomains
    assert not allow.admits("bob@example.com.evil.io")
    assert not allow.admits("bob@example.com", verified=False)
    assert not allow.admits("a@b@example.com") and not allow.admits(None) and not allow.admits("")
    assert not AllowList.from_settings({}).admits("ana@example.com")
    assert AllowList.from_settings({"allowed_domains": "example.com"}).admits("x@example.com")


def test_providers_and_the_exposure_warning() -> None:
    assert providers(AUTH) == [None]
    assert providers({"redirect_uri": "x", "cookie_secret": "y", "google": {"client_id": "z"}}) == ["google"]
    assert exposure_warning("127.0.0.1") is None and exposure_warning("::1") is None
    for address in ("0.0.0.0", "", None, "192.168.1.20"):
        warning = exposure_warning(address)
        assert warning is not None and "docs/signin.md" in warning and "[auth]" in warning
