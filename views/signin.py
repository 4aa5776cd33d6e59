"""Optional sign-in for a shared deployment: OpenID Connect through Streamlit's ``st.login`` / ``st.user``.

Off unless ``.streamlit/secrets.toml`` has an ``[auth]`` section (a laptop on loopback needs none). When it
is on, a visitor sees the sign-in prompt and nothing else until the identity provider vouches for them,
and then only an address on the allow-list (``[breakeven] allowed_emails`` / ``allowed_domains`` in the
same file) gets past it. An empty allow-list lets nobody in: a sign-in that admitted any account of a
public provider would protect nothing. Setup: ``docs/signin.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from charts.text import md

SECTION = "breakeven"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class AllowList:
    emails: frozenset[str]
    domains: frozenset[str]

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> AllowList:
        def lowered(key: str) -> frozenset[str]:
            values = settings.get(key, [])
            values = [values] if isinstance(values, str) else values
            return frozenset(str(v).strip().lower().lstrip("@") for v in values if str(v).strip())

        return cls(lowered("allowed_emails"), lowered("allowed_domains"))

    def admits(self, email: object, verified: object = None) -> bool:
        """Whether a signed-in identity may use the dashboard: an e-mail the provider has not marked
        unverified, listed itself or under a listed domain (exactly that domain, not its subdomains)."""
        if not isinstance(email, str) or email.count("@") != 1 or verified is False:
            return False
        address = email.strip().lower()
        return address in self.emails or address.rsplit("@", 1)[1] in self.domains


def _secrets() -> Mapping[str, Any]:
    """The secrets, or nothing when there is no secrets file (read at call time: tests replace it)."""
    try:
        return st.secrets if st.secrets.load_if_toml_exists() else {}
    except Exception:  # an unreadable secrets file is logged by Streamlit at start; sign-in stays off
        return {}


def signin_configured() -> bool:
    return "auth" in _secrets()


def providers(auth: Mapping[str, Any]) -> list[str | None]:
    """``None`` for a provider configured in ``[auth]`` itself, else the names of ``[auth.NAME]`` tables."""
    if "client_id" in auth:
        return [None]
    return [name for name, value in auth.items() if isinstance(value, Mapping)]


def is_loopback(address: str | None) -> bool:
    return bool(address) and (address in LOOPBACK or str(address).startswith("127."))


def _user() -> Mapping[str, Any]:
    return st.user.to_dict()


def _prompt(names: Iterable[str | None]) -> None:
    st.title("Breakeven")
    st.write("This dashboard is shared: sign in to see it.")
    for name in names:
        text = f"Sign in with {name.capitalize()}" if name else "Sign in"
        if st.button(text, key=f"signin_{name or 'default'}", type="primary", icon=":material/login:"):
            if name:
                st.login(name)
            else:
                st.login()


def require_signin() -> None:
    """Stop the run unless sign-in is off or the visitor is signed in and on the allow-list."""
    secrets = _secrets()
    if "auth" not in secrets:
        return
    user = _user()
    if not user.get("is_logged_in"):
        _prompt(providers(secrets["auth"]))
        st.stop()
    allow = AllowList.from_settings(secrets.get(SECTION, {}))
    email = user.get("email")
    if not allow.admits(email, user.get("email_verified")):
        st.title("Breakeven")
        if not allow.emails and not allow.domains:
            st.error(
                "Sign-in is on but nobody is allowed in yet: whoever runs this dashboard adds `allowed_emails` "
                "or `allowed_domains` under `[breakeven]` in `.streamlit/secrets.toml` (see docs/signin.md).",
                icon=":material/block:",
            )
        else:
            shown = md(email) if isinstance(email, str) else "an account without an e-mail address"
            st.error(
                f"You are signed in as {shown}, which may not use this dashboard. Sign out and use an allowed "
                "account, or ask whoever runs it to add you.",
                icon=":material/block:",
            )
        if st.button("Sign out", key="signin_out_refused", icon=":material/logout:"):
            st.logout()
        st.stop()
    with st.sidebar:
        st.caption(f"Signed in as {md(email)}")
        if st.button("Sign out", key="signin_out", icon=":material/logout:"):
            st.logout()


def exposure_warning(address: str | None) -> str | None:
    """The sidebar warning for a dashboard reachable from other machines, or None."""
    if is_loopback(address):
        return None
    if signin_configured():
        return None
    return (
        "This dashboard is reachable from other machines and anyone who can reach it sees the data. Turn on "
        "sign-in (an `[auth]` section and an allow-list in `.streamlit/secrets.toml`, step by step in "
        "`docs/signin.md`), or bind it to this machine only with `--server.address 127.0.0.1` (the project's "
        "`.streamlit/config.toml` does)."
    )
