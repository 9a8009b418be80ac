"""The two mocks with their demo identities (fixtures/engee.toml, fixtures/linkis.toml,
built into the binaries)."""

from __future__ import annotations

from typing import Dict, Sequence

from ._mock import MockServer


class EngeeMock(MockServer):
    """engee-mock with the clock frozen (move it with advance()) and OAuth consent
    auto-approved for the demo user, so an authorization-code flow needs no browser."""

    binary_name = "engee-mock"
    binary_env = "ENGEE_MOCK_BIN"
    default_args: Sequence[str] = ("--frozen-clock", "--auto-approve", "demo")

    #: a personal access token of the demo user: `Authorization: Bearer demo-pat`
    pat = "demo-pat"
    user = "demo"
    password = "demo"
    client_id = "demo-app"
    client_secret = "demo-secret"
    redirect_uri = "http://127.0.0.1:8765/callback"
    scope = "user:id user:username profile:name profile:primary_email engee"

    @property
    def auth_headers(self) -> Dict[str, str]:
        return {"Authorization": f"Bearer {self.pat}"}


class LinkisMock(MockServer):
    """linkis-mock with `--fast`: jobs finish as soon as their work is done."""

    binary_name = "linkis-mock"
    binary_env = "LINKIS_MOCK_BIN"
    default_args: Sequence[str] = ("--fast",)

    token_code = "LINKIS-AUTH"
    token_user = "hadoop"
    #: login users; each password is the user's name
    users = ("hadoop", "alice", "bob")

    @property
    def api_url(self) -> str:
        """The REST root clients are configured with (linkis-python-sdk's base_url)."""
        return f"{self.url}/api/rest_j/v1"

    @property
    def auth_headers(self) -> Dict[str, str]:
        return {"Token-Code": self.token_code, "Token-User": self.token_user}
