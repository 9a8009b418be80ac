"""The installed wheel's fixtures driven by real clients: Authlib against engee-mock,
linkis-python-sdk against linkis-mock. Loopback only. Run by scripts/python-package-check.sh."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any, Dict, Optional, Tuple

import pytest
import requests

from engee_linkis_mocks import AdminError, EngeeMock, LinkisMock, MockStartError

# Plain http against a local mock: tell Authlib it is fine.
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")

from authlib.integrations.requests_client import OAuth2Session  # noqa: E402
from linkis_python_sdk.client import LinkisClient  # noqa: E402
from linkis_python_sdk.config.config import LinkisConfig  # noqa: E402


def get(url: str, headers: Dict[str, str]) -> Tuple[int, Any]:
    """A plain GET: (status, decoded JSON body)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def oauth_login(engee: EngeeMock) -> Tuple[OAuth2Session, Dict[str, Any]]:
    """The authorization-code flow as an application does it; `--auto-approve demo`
    answers the authorization URL with the redirect at once, so no browser is involved."""
    client = OAuth2Session(engee.client_id, engee.client_secret, scope=engee.scope, redirect_uri=engee.redirect_uri)
    url, _state = client.create_authorization_url(f"{engee.url}/account/authorize")
    r = requests.get(url, allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text
    token = client.fetch_token(f"{engee.url}/account/api/oauth2/token", authorization_response=r.headers["Location"])
    return client, dict(token)


# ---- Engee ----------------------------------------------------------------------------


def test_engee_oauth_flow_and_clock(engee_mock: EngeeMock) -> None:
    client, token = oauth_login(engee_mock)
    assert token["token_type"] == "Bearer" and token["expires_in"] == 600
    session_url = f"{engee_mock.url}/account/api/oauth2/session"
    assert client.get(session_url, timeout=10).json()["nickname"] == "demo"

    # the clock is frozen: nothing expires until the test moves it
    engee_mock.advance(599)
    assert client.get(session_url, timeout=10).status_code == 200
    engee_mock.advance(2)
    assert client.get(session_url, timeout=10).status_code == 401

    assert engee_mock.count(method="POST", path="/account/api/oauth2/token") == 1
    assert engee_mock.count(path="/account/api/oauth2/session", status=401) == 1
    journal = engee_mock.requests(path="/account/api/oauth2/session")
    assert [e["status"] for e in journal] == [200, 200, 401]


def test_engee_fault_then_pass_through(engee_mock: EngeeMock) -> None:
    info = f"{engee_mock.url}/account/api/engee/info"
    engee_mock.fail(path="/account/api/engee/info", status=503, times=1)
    assert get(info, engee_mock.auth_headers)[0] == 503
    status, body = get(info, engee_mock.auth_headers)
    assert status == 200 and body["serverStatus"] == "stopped"

    engee_mock.fail(path="/account/api/engee/info", status=500)
    assert get(info, engee_mock.auth_headers)[0] == 500
    assert [f["status"] for f in engee_mock.faults()] == [500]
    engee_mock.clear_faults()
    assert get(info, engee_mock.auth_headers)[0] == 200


def test_engee_seed_state_reset(engee_mock: EngeeMock) -> None:
    engee_mock.seed({
        "users": [{"nickname": "alice", "password": "wonderland", "license": "pro", "email": "alice@example.org"}],
        "pats": [{"user": "alice", "token": "alice-pat"}],
        "files": [{"user": "alice", "path": "/user/data/hello.txt", "content": "hello, seed\n"}],
    })
    state = engee_mock.state()
    assert {"user": "alice", "token": "alice-pat"} in state["pats"]
    assert any(f["path"] == "/user/data/hello.txt" for f in state["files"])
    status, _ = get(f"{engee_mock.url}/account/api/engee/info", {"Authorization": "Bearer alice-pat"})
    assert status == 200

    engee_mock.reset()
    assert all(p["token"] != "alice-pat" for p in engee_mock.state()["pats"])

    with pytest.raises(AdminError) as bad:  # a contradiction is refused whole
        engee_mock.seed({"pats": [{"user": "nobody", "token": "x"}]})
    assert bad.value.status == 400 and "nobody" in bad.value.body


def test_engee_session_fixture_is_reset(engee_mock_session: EngeeMock) -> None:
    engee_mock_session.fail(path="/account", status=503)
    engee_mock_session.seed({"pats": [{"user": "demo", "token": "leaky-pat"}]})


def test_engee_session_fixture_after_reset(engee_mock_session: EngeeMock) -> None:
    # the previous test's fault and seed are gone: reset() + clear_faults() before each test
    assert engee_mock_session.faults() == []
    assert all(p["token"] != "leaky-pat" for p in engee_mock_session.state()["pats"])
    assert get(f"{engee_mock_session.url}/account/api/engee/info", engee_mock_session.auth_headers)[0] == 200


# ---- Linkis ---------------------------------------------------------------------------


def sdk(linkis: LinkisMock, user: str = "alice", password: Optional[str] = None) -> LinkisClient:
    return LinkisClient(LinkisConfig(base_url=linkis.api_url, username=user, password=password or user))


def test_linkis_sdk_sql_job(linkis_mock: LinkisMock) -> None:
    # execute_code logs in, submits, polls the job until it finishes and reads the result set
    data, total, err = sdk(linkis_mock).execute_code(
        "select count(1) as n from employees", {"columns": [{"column": "n"}]}, "spark", "sql"
    )
    assert (err, total, data) == ("", 1, [{"n": 5}])
    assert linkis_mock.count(method="POST", path="/api/rest_j/v1/entrance/submit") == 1


def test_linkis_token_headers(linkis_mock: LinkisMock) -> None:
    status, body = get(f"{linkis_mock.api_url}/jobhistory/list", linkis_mock.auth_headers)
    assert status == 200 and body["status"] == 0, body


def test_linkis_seed_state_reset(linkis_mock: LinkisMock) -> None:
    linkis_mock.seed({
        "users": [{"name": "dora", "password": "explorer"}],
        "sql": [
            "CREATE TABLE default.seeded_maps (id INT, place TEXT)",
            "INSERT INTO default.seeded_maps VALUES (1, 'river'), (2, 'forest')",
        ],
    })
    assert any(u["name"] == "dora" for u in linkis_mock.state()["users"])
    data, _, err = sdk(linkis_mock, "dora", "explorer").execute_code(
        "select place from default.seeded_maps order by id", {"columns": [{"column": "place"}]}, "spark", "sql"
    )
    assert err == "" and [d["place"] for d in data] == ["river", "forest"]

    linkis_mock.reset()
    assert all(u["name"] != "dora" for u in linkis_mock.state()["users"])
    _, _, err = sdk(linkis_mock, "dora", "explorer").execute_code("select 1", {"columns": []}, "spark", "sql")
    assert "wrong user name or password" in err


def test_linkis_fault_reaches_the_sdk(linkis_mock: LinkisMock) -> None:
    linkis_mock.fail(path="/api/rest_j/v1/entrance/submit", status=503, times=1)
    _, _, err = sdk(linkis_mock).execute_code("select 1 as one", {"columns": [{"column": "one"}]}, "spark", "sql")
    assert err != ""
    data, _, err = sdk(linkis_mock).execute_code("select 1 as one", {"columns": [{"column": "one"}]}, "spark", "sql")
    assert err == "" and data == [{"one": 1}]


# ---- outside pytest fixtures ------------------------------------------------------------


def test_context_manager_stops_the_process() -> None:
    with LinkisMock() as linkis:
        url = linkis.url
        assert get(f"{url}/__admin/health", {})[0] == 200
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{url}/__admin/health", timeout=2)


def test_missing_binary_is_a_clear_error() -> None:
    with pytest.raises(MockStartError, match="cannot run"):
        EngeeMock(binary="/nonexistent/engee-mock").start()


def test_failed_start_carries_stderr() -> None:
    with pytest.raises(MockStartError) as e:
        EngeeMock("--config", "/nonexistent/engee.toml").start()
    assert "/nonexistent/engee.toml" in str(e.value) and "stderr" in str(e.value)


def test_runs_the_installed_wheel() -> None:
    # the check runs pytest outside the source folder, so this is the wheel's copy and
    # its binaries are the ones it put into the environment's scripts folder
    import engee_linkis_mocks

    assert "site-packages" in engee_linkis_mocks.__file__
    assert os.path.dirname(EngeeMock().binary) == os.path.dirname(LinkisMock().binary)
