#!/usr/bin/env python3
"""Drives engee-mock's OAuth 2.0 authorization-code flow with a real third-party client
library (Authlib's requests integration), as a third-party application would.

Usage: engee_oauth_check.py BASE_URL
  BASE_URL: a running engee-mock started with `--auto-approve demo`, e.g.
  http://127.0.0.1:8088. Uses the demo client from fixtures/engee.toml.

Checks: the authorization redirect (code, scope, state), the code exchange with HTTP Basic
(Authlib's default) and with body credentials (client_secret_post) and PKCE S256, the
session endpoint, a refresh, and that a replayed code is refused with invalid_grant.
Exits non-zero (with a message) on the first failure.
"""

import os
import sys
from urllib.parse import parse_qs, urlsplit

# Plain http against a local mock: tell the OAuth libraries it is fine.
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")
os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")

import requests  # noqa: E402
from authlib.common.security import generate_token  # noqa: E402
from authlib.integrations.base_client.errors import OAuthError  # noqa: E402
from authlib.integrations.requests_client import OAuth2Session  # noqa: E402

CLIENT_ID = "demo-app"
CLIENT_SECRET = "demo-secret"
REDIRECT_URI = "http://127.0.0.1:8765/callback"
SCOPE = "user:id user:username profile:name profile:primary_email engee"
DEMO = {
    "sub": "1d592c69-9664-4eb5-9166-447c421a02df",
    "nickname": "demo",
    "email": "demo@example.com",
}


class CheckFailed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise CheckFailed(what)
    print(f"ok: {what}")


def authorize(client, base, **kwargs):
    """Sends the 'browser' to the authorization URL; with --auto-approve the mock answers
    with the redirect back to the application at once. Returns the callback URL."""
    url, state = client.create_authorization_url(f"{base}/account/authorize", **kwargs)
    r = requests.get(url, allow_redirects=False, timeout=10)
    check(r.status_code == 302, f"authorize redirects (got {r.status_code}: {r.text[:200]})")
    callback = r.headers["Location"]
    check(callback.startswith(REDIRECT_URI + "?"), f"redirect goes to redirect_uri: {callback}")
    q = parse_qs(urlsplit(callback).query)
    check("code" in q, "the redirect carries a code")
    check(q.get("state") == [state], "the redirect carries the state back")
    check(q.get("scope") == [SCOPE], "the redirect carries the scope")
    return callback


def flow(base, auth_method, pkce):
    print(f"--- flow: {auth_method}, PKCE {'S256' if pkce else 'off'}")
    client = OAuth2Session(
        CLIENT_ID,
        CLIENT_SECRET,
        scope=SCOPE,
        redirect_uri=REDIRECT_URI,
        token_endpoint_auth_method=auth_method,
        code_challenge_method="S256" if pkce else None,
    )
    token_url = f"{base}/account/api/oauth2/token"
    verifier = generate_token(48) if pkce else None
    callback = authorize(client, base, code_verifier=verifier)
    token = client.fetch_token(
        token_url,
        authorization_response=callback,
        code_verifier=verifier,
    )
    check(token.get("token_type") == "Bearer", "token_type is Bearer")
    check(token.get("expires_in") == 600, "expires_in is 600")
    check(bool(token.get("refresh_token")), "a refresh token is issued")
    check(token.get("scope") == SCOPE, "the granted scope is returned")

    r = client.get(f"{base}/account/api/oauth2/session", timeout=10)
    check(r.status_code == 200, f"session answers 200 (got {r.status_code})")
    check(r.json() == DEMO, f"session names the demo user: {r.json()}")

    old_access = token["access_token"]
    new = client.refresh_token(token_url, refresh_token=token["refresh_token"])
    check(new["access_token"] != old_access, "refresh gives a new access token")
    r = client.get(f"{base}/account/api/oauth2/session", timeout=10)
    check(r.status_code == 200 and r.json()["nickname"] == "demo", "session works with the refreshed token")

    # The code is single-use: the library reports the RFC 6749 error.
    try:
        client.fetch_token(token_url, authorization_response=callback, code_verifier=verifier)
    except OAuthError as e:
        check(e.error == "invalid_grant", f"a replayed code is refused with invalid_grant ({e.error})")
    else:
        raise CheckFailed("a replayed code was accepted")
    r = requests.get(
        f"{base}/account/api/oauth2/session",
        headers={"Authorization": f"Bearer {new['access_token']}"},
        timeout=10,
    )
    check(r.status_code == 401, "the replay revoked the tokens issued from the code")

    if pkce:
        # The challenge really was sent: another verifier does not redeem the code.
        callback = authorize(client, base, code_verifier=generate_token(48))
        try:
            client.fetch_token(token_url, authorization_response=callback, code_verifier=generate_token(48))
        except OAuthError as e:
            check(e.error == "invalid_grant", f"a wrong code_verifier is refused with invalid_grant ({e.error})")
        else:
            raise CheckFailed("a wrong code_verifier was accepted")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    base = sys.argv[1].rstrip("/")
    try:
        flow(base, "client_secret_basic", pkce=False)
        flow(base, "client_secret_post", pkce=True)
    except CheckFailed as e:
        print(f"FAILED: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # a library error is a failure too, with its message
        print(f"FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print("engee-mock OAuth check: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
