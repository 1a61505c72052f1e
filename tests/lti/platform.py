"""A learning platform for the tests: the other side of LTI 1.3, served over HTTP on
127.0.0.1 in a thread.

It has its own RSA key and publishes it at ``/jwks``; it makes the ``id_token`` of a launch
(``id_token``); its ``/auth`` answers the hub's OIDC redirect with a self-submitting form, as
a real platform's does in the browser; ``/course`` frames a launch (the browser journey);
``/deep-link-return`` verifies the hub's deep-linking answer with the hub's key set and keeps
the content items; and it offers LTI Dynamic Registration (``/.well-known/openid-configuration``
and ``/register``).
"""

from __future__ import annotations

import html
import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from hub.services.lti import parsed_key

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def new_key() -> tuple[str, str]:
    """A new RSA key: (private PEM, kid)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return pem, parsed_key(pem).thumbprint()


class Platform:
    """One test platform (one issuer, one client id, one deployment)."""

    def __init__(self, client_id: str = "hub-client", deployment_id: str = "deployment-1") -> None:
        self.private_pem, self.kid = new_key()
        self.client_id = client_id
        self.deployment_id = deployment_id
        self.tool_key_set_url = ""  # set by the test: where the hub's /lti/jwks is
        self.tool_login_url = ""
        self.tool_http: Callable[[str], Any] = lambda url: requests.get(url, timeout=10).json()
        self.returned: list[dict[str, Any]] = []  # verified deep-linking answers
        self.registrations: list[dict[str, Any]] = []  # what Dynamic Registration received
        self.registration_token = "one-time-" + uuid.uuid4().hex
        self.launches: dict[str, dict[str, Any]] = {}  # lti_message_hint -> launch claims
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()

    # What a school admin copies from the platform ------------------------------------------

    @property
    def issuer(self) -> str:
        return self.url

    def registration_form(self, name: str = "Test Moodle") -> dict[str, str]:
        """The hub's registration form, filled in with this platform's addresses."""
        return {
            "name": name,
            "issuer": self.issuer,
            "client_id": self.client_id,
            "login_url": self.url + "/auth",
            "token_url": self.url + "/token",
            "key_set_url": self.url + "/jwks",
            "deployment_ids": self.deployment_id,
        }

    # The id_token of a launch ----------------------------------------------------------------

    def claims(
        self,
        *,
        nonce: str,
        sub: str = "student-1",
        roles: tuple[str, ...] = (LEARNER,),
        material: int | None = None,
        deep_linking: bool = False,
        name: str = "Amina Diallo",
        email: str | None = "amina@moodle.example.org",
    ) -> dict[str, Any]:
        """The claims of a launch (a resource link, or a deep-linking request)."""
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": sub,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": name,
            CLAIM + "deployment_id": self.deployment_id,
            CLAIM + "version": "1.3.0",
            CLAIM + "roles": list(roles),
        }
        if email:
            body["email"] = email
        if deep_linking:
            body[CLAIM + "message_type"] = "LtiDeepLinkingRequest"
            body[DL + "deep_linking_settings"] = {
                "deep_link_return_url": self.url + "/deep-link-return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": True,
                "data": "course-42",
            }
        else:
            body[CLAIM + "message_type"] = "LtiResourceLinkRequest"
            body[CLAIM + "resource_link"] = {"id": "link-" + uuid.uuid4().hex}
            body[CLAIM + "target_link_uri"] = "http://hub.test/lti/launch"
            if material is not None:
                body[CLAIM + "custom"] = {"material": str(material)}
        return body

    def id_token(
        self, claims: dict[str, Any], *, key: str | None = None, kid: str | None = None
    ) -> str:
        """``claims`` signed with the platform's key (or another ``key``)."""
        signing = key or parsed_key(self.private_pem).get_op_key("sign")
        return jwt.encode(claims, signing, algorithm="RS256", headers={"kid": kid or self.kid})

    # A launch, as the platform and the browser make it (``client``: the hub's test client) --

    def start_login(self, client: Any, **changes: str) -> str:
        """The platform starts the OIDC login; the hub redirects to the platform's ``/auth``
        with a state (kept for the launch, as the browser keeps the hub's state cookie) and
        a nonce (returned)."""
        args = {
            "iss": self.issuer,
            "client_id": self.client_id,
            "login_hint": "student-1",
            "lti_message_hint": "link-1",
            "target_link_uri": "http://hub.test/lti/launch",
            **changes,
        }
        # A client may be given ``lti_base`` ("https://hub.test"): the hub behind HTTPS.
        base = getattr(client, "lti_base", "http://hub.test")
        answer = client.get("/lti/login", query_string=args, base_url=base)
        assert answer.status_code == 302, answer.get_data(as_text=True)
        assert answer.headers["Location"].startswith(self.url + "/auth?")
        sent = parse_qs(urlsplit(answer.headers["Location"]).query)
        client.lti_state = sent["state"][0]
        return sent["nonce"][0]

    @staticmethod
    def post_launch(client: Any, token: str, **headers: str) -> Any:
        """The browser posts the signed launch to the hub, with the login's state."""
        data = {"id_token": token, "state": client.lti_state}
        base = getattr(client, "lti_base", "http://hub.test")
        return client.post("/lti/launch", data=data, headers=headers, base_url=base)

    def launch(self, client: Any, *, headers: dict[str, str] | None = None, **claims: Any) -> Any:
        """A whole launch: login, the platform's signed id_token, the post to the hub."""
        nonce = self.start_login(client)
        token = self.id_token(self.claims(nonce=nonce, **claims))
        return self.post_launch(client, token, **(headers or {}))

    def key_set(self) -> dict[str, Any]:
        public = json.loads(parsed_key(self.private_pem).export_public())
        public.update(alg="RS256", use="sig")
        return {"keys": [public]}

    # Serving ---------------------------------------------------------------------------------

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        handler = {
            "/jwks": self._jwks,
            "/auth": self._auth,
            "/course": self._course,
            "/launch-start": self._launch_start,
            "/deep-link-return": self._deep_link_return,
            "/.well-known/openid-configuration": self._configuration,
            "/register": self._register,
        }.get(request.path)
        try:
            response = handler(request) if handler else Response("not found", 404)
        except Exception as exc:  # the test reads why the platform refused
            response = Response(f"{type(exc).__name__}: {exc}", 500)
        return response(environ, start_response)

    def _jwks(self, request: Request) -> Response:
        return Response(json.dumps(self.key_set()), mimetype="application/json")

    def _auth(self, request: Request) -> Response:
        """The platform's OIDC authorisation: it knows the person by the login hint and the
        link by the message hint, and posts the signed launch back to the hub."""
        args = request.args
        claims = dict(self.launches[args["lti_message_hint"]])
        claims["nonce"] = args["nonce"]
        token = self.id_token(claims)
        page = (
            f'<form id="f" method="post" action="{html.escape(args["redirect_uri"])}">'
            f'<input type="hidden" name="id_token" value="{token}">'
            f'<input type="hidden" name="state" value="{html.escape(args["state"])}"></form>'
            "<script>document.getElementById('f').submit()</script>"
        )
        return Response(page, mimetype="text/html")

    def _launch_start(self, request: Request) -> Response:
        """A course link: the platform starts the OIDC login at the hub."""
        hint = request.args["link"]
        query = urlencode(
            {
                "iss": self.issuer,
                "client_id": self.client_id,
                "login_hint": self.launches[hint]["sub"],
                "lti_message_hint": hint,
                "target_link_uri": self.tool_login_url.replace("/lti/login", "/lti/launch"),
                "lti_deployment_id": self.deployment_id,
            }
        )
        return Response(status=302, headers={"Location": f"{self.tool_login_url}?{query}"})

    def _course(self, request: Request) -> Response:
        """A course page that shows a link of the hub in a frame."""
        link = html.escape(request.args["link"])
        page = (
            "<!doctype html><title>Course</title><h1>Course: Maternal health</h1>"
            f'<iframe id="tool" title="Hub" src="/launch-start?link={link}" '
            'style="width:1000px;height:700px"></iframe>'
        )
        return Response(page, mimetype="text/html")

    def _deep_link_return(self, request: Request) -> Response:
        """The platform verifies the hub's answer with the hub's published keys."""
        token = request.form["JWT"]
        keys = self.tool_http(self.tool_key_set_url)["keys"]
        kid = jwt.get_unverified_header(token)["kid"]
        key = next(k for k in keys if k["kid"] == kid)
        public = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(key))
        body = jwt.decode(token, public, algorithms=["RS256"], audience=self.issuer)
        self.returned.append(body)
        items = body[DL + "content_items"]
        titles = "".join(f"<li>{html.escape(i['title'])}</li>" for i in items)
        return Response(
            f"<h1>Added to the course</h1><ul id='added'>{titles}</ul>", mimetype="text/html"
        )

    def _configuration(self, request: Request) -> Response:
        config = {
            "issuer": self.issuer,
            "authorization_endpoint": self.url + "/auth",
            "token_endpoint": self.url + "/token",
            "jwks_uri": self.url + "/jwks",
            "registration_endpoint": self.url + "/register",
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                "product_family_code": "test-moodle",
                "messages_supported": [
                    {"type": "LtiResourceLinkRequest"},
                    {"type": "LtiDeepLinkingRequest"},
                ],
            },
        }
        return Response(json.dumps(config), mimetype="application/json")

    def _register(self, request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {self.registration_token}":
            return Response(
                json.dumps({"error": "invalid token"}), 401, mimetype="application/json"
            )
        sent = json.loads(request.get_data())
        self.registrations.append(sent)
        answer = {
            **sent,
            "client_id": self.client_id,
            "https://purl.imsglobal.org/spec/lti-tool-configuration": {
                **sent["https://purl.imsglobal.org/spec/lti-tool-configuration"],
                "deployment_id": self.deployment_id,
            },
        }
        return Response(json.dumps(answer), mimetype="application/json")
