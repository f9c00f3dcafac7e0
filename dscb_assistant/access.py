"""Who may add reports: anyone on a server only this machine can reach; on a shared server, only signed-in administrators.

The one home of this rule; the app asks it which pages to offer and the Add page asks it again
before doing anything, so a page reached by its address is no way round it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

OPEN, ADMINS, CLOSED = "open", "admins", "closed"


@dataclass(frozen=True)
class AddingAccess:
    """Whether adding is open to all, open to signed-in administrators, or closed, and why."""

    mode: str
    reason: str


def is_loopback_address(address: str | None) -> bool:
    """True for a server bound to this machine only ("localhost", 127.x.x.x, ::1); False for
    0.0.0.0, "", None (which bind every interface) and any other address or name."""
    address = (address or "").strip().strip("[]").lower()
    if address in ("localhost", "localhost.", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def adding_access(*, allow_adding: bool, server_address: str | None, admin_emails: tuple[str, ...],
                  login_configured: bool) -> AddingAccess:
    """Decide who may add reports.

    Args:
        allow_adding: ``DSCB_ALLOW_ADDING``; off closes adding everywhere.
        server_address: the address the server is bound to (Streamlit's ``server.address``).
        admin_emails: the administrators' email addresses (``DSCB_ADMIN_EMAILS``).
        login_configured: ``.streamlit/secrets.toml`` has an ``[auth]`` section for ``st.login``.
    """
    if not allow_adding:
        return AddingAccess(CLOSED, "Adding reports is turned off (DSCB_ALLOW_ADDING=0).")
    if is_loopback_address(server_address):
        return AddingAccess(OPEN, "The app is served to this machine only.")
    if admin_emails and login_configured:
        return AddingAccess(ADMINS, "The app is shared on a network: administrators sign in to add reports.")
    return AddingAccess(
        CLOSED,
        "The app is shared on a network and no administrator is configured (DSCB_ADMIN_EMAILS and an [auth] "
        "section in .streamlit/secrets.toml), so nobody can add reports through it.",
    )


def is_admin(email: str | None, admin_emails: tuple[str, ...], *, email_verified: bool | None = None) -> bool:
    """True when ``email`` is on the allow-list (case-insensitive) and the sign-in provider has not said it is unverified."""
    if not email or email_verified is False:
        return False
    return email.strip().lower() in {e.strip().lower() for e in admin_emails if e.strip()}
