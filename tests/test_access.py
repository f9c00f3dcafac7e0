"""Who may add reports: open on a loopback-bound server, administrators only (st.login) or nobody on a shared one."""

from __future__ import annotations

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from dscb_assistant.access import ADMINS, CLOSED, OPEN, adding_access, is_admin, is_loopback_address
from dscb_assistant.settings import HASH_EMBEDDER, PROJECT_ROOT

from .conftest import build_small_corpus

APP = str(PROJECT_ROOT / "app.py")
ADD_PAGE = "dscb_assistant/ui/add_reports.py"


@pytest.mark.parametrize("address", ["localhost", "LOCALHOST", "127.0.0.1", "127.0.1.1", "::1", "[::1]"])
def test_loopback_bindings(address):
    assert is_loopback_address(address)


@pytest.mark.parametrize("address", [None, "", "0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "dscb.example.org",
                                     "localhost.example.org"])
def test_bindings_other_machines_can_reach(address):
    assert not is_loopback_address(address)


@pytest.mark.parametrize("address, admins, login, allow, mode", [
    ("localhost", (), False, True, OPEN),
    ("127.0.0.1", ("a@x.org",), True, True, OPEN),
    ("0.0.0.0", (), False, True, CLOSED),  # shared, nobody configured: closed by default
    ("0.0.0.0", ("a@x.org",), False, True, CLOSED),  # an admin list without a way to sign in is not enough
    ("0.0.0.0", (), True, True, CLOSED),  # sign-in without an admin list: anyone with an account is not an admin
    ("0.0.0.0", ("a@x.org",), True, True, ADMINS),
    (None, ("a@x.org",), True, True, ADMINS),
    ("localhost", ("a@x.org",), True, False, CLOSED),  # DSCB_ALLOW_ADDING=0 closes it everywhere
])
def test_who_may_add(address, admins, login, allow, mode):
    assert adding_access(allow_adding=allow, server_address=address, admin_emails=admins,
                         login_configured=login).mode == mode


def test_admin_allow_list():
    admins = ("Lead@Partnership.org.uk", " it@partnership.org.uk ")
    assert is_admin("lead@partnership.org.uk", admins)
    assert is_admin("IT@partnership.org.uk", admins, email_verified=True)
    assert not is_admin("lead@partnership.org.uk", admins, email_verified=False)
    assert not is_admin("someone@partnership.org.uk", admins)
    assert not is_admin("", admins) and not is_admin(None, admins)
    assert not is_admin("lead@partnership.org.uk", ())


# -- the app on a shared server ------------------------------------------------------------------
@pytest.fixture(scope="module")
def library(tmp_path_factory):
    root = tmp_path_factory.mktemp("access")
    return build_small_corpus(root / "corpus"), root / "index"


@pytest.fixture
def shared_server(library, monkeypatch):
    corpus, index = library
    monkeypatch.setenv("DSCB_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("DSCB_INDEX_DIR", str(index))
    monkeypatch.setenv("DSCB_EMBEDDER", HASH_EMBEDDER)
    before = st_config.get_option("server.address")
    st_config.set_option("server.address", "0.0.0.0")
    yield monkeypatch
    st_config.set_option("server.address", before)


def _with_login(at: AppTest) -> AppTest:
    at.secrets["auth"] = {"redirect_uri": "https://dscb.example.org/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "id", "client_secret": "secret",
                          "server_metadata_url": "https://login.example.org/.well-known/openid-configuration"}
    return at


def test_shared_server_without_an_administrator_has_no_add_page(shared_server):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(ADD_PAGE)


def test_shared_server_asks_for_sign_in_before_showing_the_form(shared_server):
    shared_server.setenv("DSCB_ADMIN_EMAILS", "lead@partnership.org.uk")
    at = _with_login(AppTest.from_file(APP, default_timeout=60))
    at.run()
    at.switch_page(ADD_PAGE).run()
    assert not at.exception
    assert any(b.label == "Sign in" for b in at.button)
    assert not at.file_uploader and not at.text_input  # no form, nothing to upload with


@pytest.mark.parametrize("email, verified, sees_form", [
    ("lead@partnership.org.uk", True, True),
    ("LEAD@partnership.org.uk", None, True),
    ("visitor@elsewhere.org", True, False),
    ("lead@partnership.org.uk", False, False),
])
def test_only_an_administrator_sees_the_form(shared_server, email, verified, sees_form):
    from dscb_assistant.ui import admin

    shared_server.setenv("DSCB_ADMIN_EMAILS", "lead@partnership.org.uk, it@partnership.org.uk")
    shared_server.setattr(admin, "signed_in_user", lambda: (email, verified))
    at = _with_login(AppTest.from_file(APP, default_timeout=60))
    at.run()
    at.switch_page(ADD_PAGE).run()
    assert not at.exception
    assert bool(at.file_uploader) == sees_form
    if not sees_form:
        assert any("not as one of the library's administrators" in w.value for w in at.warning)
    # The page never shows where the server keeps its files.
    corpus = str(shared_server_corpus(at))
    assert all(corpus not in m.value for m in [*at.markdown, *at.caption, *at.info, *at.warning])


def shared_server_corpus(at: AppTest):
    import os

    return os.environ["DSCB_CORPUS_DIR"]
