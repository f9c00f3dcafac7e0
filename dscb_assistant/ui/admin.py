"""Who may add reports, as the app sees it: the bound address, the admin list, and the signed-in user (st.login)."""

from __future__ import annotations

import streamlit as st

from dscb_assistant.access import ADMINS, CLOSED, OPEN, AddingAccess, adding_access, is_admin

from .resources import settings


def access() -> AddingAccess:
    """Who may add reports on this server (see ``dscb_assistant/access.py``)."""
    cfg = settings()
    return adding_access(
        allow_adding=cfg.allow_adding,
        server_address=st.get_option("server.address"),
        admin_emails=_admin_emails(cfg),
        login_configured=_login_configured(),
    )


def require_adder() -> None:
    """Stop the page unless this session may add reports; offer sign-in where administrators can."""
    allowed = access()
    if allowed.mode == OPEN:
        return
    if allowed.mode == CLOSED:
        st.info(allowed.reason, icon=":material/lock:")
        st.stop()
    assert allowed.mode == ADMINS
    user = signed_in_user()
    if user is None:
        st.info("Only the library's administrators can add reports on this shared server. Sign in to continue.",
                icon=":material/lock:")
        if st.button("Sign in", type="primary", icon=":material/login:"):
            st.login()  # Streamlit's OIDC sign-in, configured in .streamlit/secrets.toml [auth]
        st.stop()
    email, verified = user
    if not is_admin(email, _admin_emails(settings()), email_verified=verified):
        st.warning("You are signed in, but not as one of the library's administrators, so you cannot add reports.",
                   icon=":material/lock:")
        if st.button("Sign out", icon=":material/logout:"):
            st.logout()
        st.stop()


def signed_in_user() -> tuple[str, bool | None] | None:
    """(email, email_verified) of the user signed in with st.login, or None."""
    try:
        if not st.user.is_logged_in:
            return None
        return str(st.user.get("email") or ""), st.user.get("email_verified")
    except Exception:  # noqa: BLE001 - no [auth] configured, or an old session: nobody is signed in
        return None


def _admin_emails(cfg) -> tuple[str, ...]:
    return tuple(e.strip() for e in cfg.admin_emails.split(",") if e.strip())


def _login_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets.toml at all
        return False
