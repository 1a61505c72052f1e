"""LTI 1.3: the hub as a tool inside each school's learning platform.

A school admin registers their platform (by hand, or by LTI Dynamic Registration); a launch
from it is a person of that school, found or created from the launch's claims, and the policy
decides for them as for anyone signed in. PyLTI1p3 checks the OIDC login and the launch's
signed ``id_token``; this module gives it the registrations (:class:`ToolConf`), the values a
launch keeps between requests (:class:`LaunchValues`) and the tool's key, and turns a launch
into a person and a teacher's choice into deep-linking content items.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask_babel import gettext as _
from jwcrypto.jwk import JWK
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.deployment import Deployment
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..models import (
    STAFF,
    LtiAccount,
    LtiKey,
    LtiLaunchValue,
    LtiPlatform,
    MaterialVersion,
    Person,
    Role,
    School,
    utcnow,
)
from . import accounts, audit
from .errors import Conflict, InvalidInput, NotFound, ServiceError

log = logging.getLogger(__name__)

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
ROLES_CLAIM = CLAIM + "roles"
CUSTOM_CLAIM = CLAIM + "custom"
MESSAGE_TYPE_CLAIM = CLAIM + "message_type"
DEPLOYMENT_CLAIM = CLAIM + "deployment_id"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"

# LTI roles (context and institution) that make a newly arrived person a teacher; any other
# role, or none, makes a student. A launch never makes anyone a school admin.
TEACHING_ROLES = frozenset(
    {
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
        "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper",
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty",
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor",
        # Simple names, which LTI 1.3 still allows for context roles.
        "Instructor",
        "ContentDeveloper",
    }
)

#: How long a value of a launch lives (a deep-linking choice may take a teacher a while).
LAUNCH_VALUE_LIFETIME = dt.timedelta(hours=2)
#: How long a platform's key set is trusted before it is fetched again.
KEY_SET_LIFETIME = 3600


class LaunchRefused(ServiceError):
    """A launch the hub will not act on (who or what it names is not allowed)."""

    status = 403


# The tool's key ----------------------------------------------------------------------------


def tool_key(session: Session) -> LtiKey:
    """The hub's signing key, made on first use (one for every web host: it lives in the
    database)."""
    key = session.scalars(select(LtiKey).order_by(LtiKey.id.desc()).limit(1)).first()
    if key is not None:
        return key
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    # The kid is the key's RFC 7638 thumbprint, as PyLTI1p3 and jwcrypto name it.
    key = LtiKey(kid=parsed_key(pem).thumbprint(), private_pem=pem)
    session.add(key)
    session.flush()
    return key


@lru_cache(maxsize=16)
def parsed_key(private_pem: str) -> JWK:
    """The key a PEM text holds. Parsing checks the RSA key, which costs 15-40 ms here, and
    every LTI login, launch and key set needs the tool's key: parsed once per text (a text
    always holds the same key, so this cannot go stale)."""
    return JWK.from_pem(private_pem.encode())


def public_jwk(key: LtiKey) -> dict[str, Any]:
    """The public half of ``key`` as a JSON Web Key (what platforms verify the hub with)."""
    public: dict[str, Any] = json.loads(parsed_key(key.private_pem).export_public())
    public.update(alg="RS256", use="sig")
    return public


def key_set(session: Session) -> dict[str, Any]:
    """The tool's JSON Web Key Set (its key is made on first use)."""
    keys = list(session.scalars(select(LtiKey).order_by(LtiKey.id)))
    return {"keys": [public_jwk(k) for k in keys or [tool_key(session)]]}


# Registrations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlatformFields:
    """What a school admin types (or Dynamic Registration reads) to register a platform."""

    name: str
    issuer: str
    client_id: str
    login_url: str
    token_url: str
    key_set_url: str
    deployment_ids: tuple[str, ...]


def _url(value: str, field: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise InvalidInput(
            _("This must be a web address starting with https://, as your platform shows it."),
            field=field,
        )
    return value


def checked_fields(fields: PlatformFields) -> PlatformFields:
    """``fields`` trimmed and checked; ``InvalidInput`` names the first field that is wrong."""
    name = fields.name.strip()
    if not name:
        raise InvalidInput(_("Give the platform a name your teachers know."), field="name")
    client_id = fields.client_id.strip()
    if not client_id:
        raise InvalidInput(
            _("The client ID is required: your platform shows it."), field="client_id"
        )
    deployments = tuple(d.strip() for d in fields.deployment_ids if d.strip())
    if not deployments:
        raise InvalidInput(
            _("At least one deployment ID is required: your platform shows it."),
            field="deployment_ids",
        )
    return PlatformFields(
        name=name[:200],
        issuer=_url(fields.issuer, "issuer"),
        client_id=client_id[:200],
        login_url=_url(fields.login_url, "login_url"),
        token_url=_url(fields.token_url, "token_url"),
        key_set_url=_url(fields.key_set_url, "key_set_url"),
        deployment_ids=deployments,
    )


def _school_admin_of(admin: Person) -> int:
    if admin.role is not Role.SCHOOL_ADMIN or admin.school_id is None:
        raise LaunchRefused(_("Only a school admin registers their school's platforms."))
    return admin.school_id


def register_platform(session: Session, admin: Person, fields: PlatformFields) -> LtiPlatform:
    """Register a platform for the admin's school; the same issuer and client ID twice is a
    ``Conflict``."""
    school_id = _school_admin_of(admin)
    fields = checked_fields(fields)
    taken = session.scalar(
        select(LtiPlatform.id).where(
            LtiPlatform.issuer == fields.issuer, LtiPlatform.client_id == fields.client_id
        )
    )
    if taken is not None:
        raise Conflict(
            _("This platform (issuer and client ID) is already registered in the hub."),
            field="client_id",
        )
    platform = LtiPlatform(
        school_id=school_id,
        name=fields.name,
        issuer=fields.issuer,
        client_id=fields.client_id,
        login_url=fields.login_url,
        token_url=fields.token_url,
        key_set_url=fields.key_set_url,
        deployment_ids=list(fields.deployment_ids),
        created_by_id=admin.id,
    )
    session.add(platform)
    session.flush()
    audit.record(
        session,
        admin,
        "lti.platform_registered",
        platform,
        school_id=school_id,
        issuer=fields.issuer,
    )
    return platform


def platforms_of(session: Session, school_id: int) -> list[LtiPlatform]:
    """The platforms a school registered, oldest first."""
    return list(
        session.scalars(
            select(LtiPlatform).where(LtiPlatform.school_id == school_id).order_by(LtiPlatform.id)
        )
    )


def remove_platform(session: Session, admin: Person, platform_id: int) -> LtiPlatform:
    """Remove one of the admin's school's platforms: its launches stop working at once; the
    people who came from it keep their accounts."""
    school_id = _school_admin_of(admin)
    platform = session.get(LtiPlatform, platform_id)
    if platform is None or platform.school_id != school_id:
        raise NotFound(_("There is no such platform."))
    session.execute(delete(LtiAccount).where(LtiAccount.platform_id == platform.id))
    audit.record(
        session,
        admin,
        "lti.platform_removed",
        platform,
        school_id=school_id,
        issuer=platform.issuer,
    )
    session.delete(platform)
    session.flush()
    return platform


def find_platform(session: Session, issuer: str, client_id: str | None) -> LtiPlatform | None:
    """The registration of ``issuer`` and ``client_id`` (without a client ID: the issuer's
    only registration, or None when it has several)."""
    query = select(LtiPlatform).where(LtiPlatform.issuer == issuer)
    if client_id:
        return session.scalars(query.where(LtiPlatform.client_id == client_id)).first()
    found = session.scalars(query.limit(2)).all()
    return found[0] if len(found) == 1 else None


def origin_of(url: str) -> str:
    """The origin (scheme, host and port) of ``url``: what a page may be framed by."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def frame_origins(platform: LtiPlatform) -> list[str]:
    """The origins a platform shows the hub's pages from (its issuer and its login page)."""
    return sorted({origin_of(platform.issuer), origin_of(platform.login_url)})


# What PyLTI1p3 asks of the hub ------------------------------------------------------------


class ToolConf(ToolConfAbstract[Any]):
    """Registrations and deployments from the ``lti_platform`` table, signed with the tool
    key. Every issuer may have several client IDs (several schools on one Moodle)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Registration:
        return self.find_registration_by_params(iss, None)

    def find_registration_by_params(
        self, iss: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> Registration:
        platform = find_platform(self.session, iss, client_id)
        if platform is None:
            return None  # type: ignore[return-value]  # PyLTI1p3 refuses an unknown platform
        key = tool_key(self.session)
        registration = Registration()
        registration.set_issuer(platform.issuer).set_client_id(platform.client_id)
        registration.set_auth_login_url(platform.login_url).set_auth_token_url(platform.token_url)
        registration.set_key_set_url(platform.key_set_url)
        registration.set_tool_private_key(key.private_pem)
        # With the public half, PyLTI1p3 names the key (kid) in what it signs.
        public_pem = parsed_key(key.private_pem).export_to_pem().decode()
        registration.set_tool_public_key(public_pem)
        return registration

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> Deployment | None:
        platform = find_platform(self.session, iss, client_id)
        if platform is None or deployment_id not in platform.deployment_ids:
            return None
        return Deployment().set_deployment_id(deployment_id)


class LaunchValues(LaunchDataStorage[Any]):
    """PyLTI1p3's launch storage in the ``lti_launch_value`` table, so that the login, the
    launch and a deep-linking choice may land on different web hosts. A nonce is used up
    when it is checked: a replayed ``id_token`` is refused."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def get_session_cookie_name(self) -> str | None:
        return None  # keys are random (state, nonce, launch id): no cookie namespace needed

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        found = self.session.get(LtiLaunchValue, self._prepare_key(key)[:255])
        if found is None or found.expires_at <= utcnow():
            return None
        return found.value

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        lifetime = dt.timedelta(seconds=exp) if exp else LAUNCH_VALUE_LIFETIME
        key = self._prepare_key(key)[:255]
        found = self.session.get(LtiLaunchValue, key)
        if found is None:
            self.session.add(LtiLaunchValue(key=key, value=value, expires_at=utcnow() + lifetime))
        else:
            found.value, found.expires_at = value, utcnow() + lifetime
        self.session.flush()

    def check_value(self, key: str) -> bool:
        key = self._prepare_key(key)[:255]
        if "-nonce-" in key:
            # Used up: only one launch may carry a nonce (the delete counts for every host).
            gone = self.session.execute(
                delete(LtiLaunchValue).where(
                    LtiLaunchValue.key == key, LtiLaunchValue.expires_at > utcnow()
                )
            )
            return bool(getattr(gone, "rowcount", 0))
        return self.get_value(key) is not None


def forget_expired(session: Session) -> int:
    """Drop the launch values that have expired; how many went."""
    gone = session.execute(delete(LtiLaunchValue).where(LtiLaunchValue.expires_at <= utcnow()))
    return int(getattr(gone, "rowcount", 0) or 0)


# People from launches -----------------------------------------------------------------------


def launch_role(claims: Mapping[str, Any]) -> Role:
    """Our role for a launch's LTI roles: teacher for instructors and content developers,
    student for everyone else."""
    roles = claims.get(ROLES_CLAIM) or []
    return Role.TEACHER if TEACHING_ROLES.intersection(roles) else Role.STUDENT


def may_choose_materials(person: Person, claims: Mapping[str, Any]) -> bool:
    """Whether a deep-linking launch may choose materials: a teacher on the platform who is
    staff of their school in the hub."""
    return launch_role(claims) is Role.TEACHER and person.role in STAFF


def _name(claims: Mapping[str, Any]) -> str:
    name = str(claims.get("name") or "").strip()
    if not name:
        name = " ".join(
            str(claims.get(part) or "").strip() for part in ("given_name", "family_name")
        ).strip()
    return name[:200] or _(
        "Learner from %(platform)s", platform=urlsplit(str(claims["iss"])).netloc
    )


def _email(platform: LtiPlatform, claims: Mapping[str, Any]) -> str:
    raw = str(claims.get("email") or "").strip()
    if raw:
        return accounts.normalize_email(raw)
    # Platforms may keep the address back: one unique to the subject under the reserved
    # ".example" domain (RFC 2606), which no mail ever reaches.
    digest = hashlib.sha256(f"{platform.id}:{claims['sub']}".encode()).hexdigest()[:20]
    return f"lti-{digest}@platform-{platform.id}.example"


def person_for_launch(session: Session, platform: LtiPlatform, claims: Mapping[str, Any]) -> Person:
    """The person a validated launch names: the one linked to the platform's subject, else a
    person of the platform's school with the same email (now linked), else a new person of
    that school with the launch's name, email and role. Refused: a deactivated person, and
    an email that belongs to someone of another school."""
    subject = str(claims.get("sub") or "")
    if not subject:
        raise LaunchRefused(_("The platform did not say who is launching (no subject)."))
    account = session.scalars(
        select(LtiAccount).where(
            LtiAccount.platform_id == platform.id, LtiAccount.subject == subject[:255]
        )
    ).first()
    if account is None:
        account = LtiAccount(
            platform_id=platform.id,
            subject=subject[:255],
            person=_linked_person(session, platform, claims),
        )
        session.add(account)
    person = account.person
    if not person.active:
        raise LaunchRefused(
            _("Your account on the hub is deactivated. Ask your school's admin to restore it.")
        )
    if person.school_id != platform.school_id:
        raise LaunchRefused(
            _("Your account on the hub belongs to another school than this platform's.")
        )
    account.last_launch_at = person.last_sign_in_at = utcnow()
    session.flush()
    return person


def _linked_person(session: Session, platform: LtiPlatform, claims: Mapping[str, Any]) -> Person:
    email = _email(platform, claims)
    existing = accounts.find_person(session, email)
    if existing is not None:
        if existing.school_id != platform.school_id:
            raise LaunchRefused(
                _(
                    "An account with the email %(email)s belongs to another school in the hub. "
                    "Ask your school's admin.",
                    email=email,
                )
            )
        return existing
    school = session.get(School, platform.school_id)
    return accounts.create_person(
        session,
        email=email,
        name=_name(claims),
        # They sign in through their platform; a password reset gives them one of their own.
        password=secrets.token_urlsafe(32),
        role=launch_role(claims),
        school=school,
    )


# What a launch opens, and what a teacher chooses ----------------------------------------------


@dataclass(frozen=True)
class Target:
    """What a resource link opens: a material (a module opens in its player)."""

    material_id: int


def target_of(claims: Mapping[str, Any]) -> Target | None:
    """The material a resource-link launch opens (its ``material`` custom parameter, which
    the hub's deep-linking answer set), or None."""
    custom = claims.get(CUSTOM_CLAIM) or {}
    raw = str(custom.get("material", "")) if isinstance(custom, Mapping) else ""
    return Target(int(raw)) if raw.isdigit() and len(raw) < 19 else None


def content_items(versions: Sequence[MaterialVersion], launch_url: str) -> list[DeepLinkResource]:
    """Deep-linking content items: an LTI resource link to each chosen material, with its
    title, opened in a frame of the course."""
    items = []
    for version in versions:
        item = DeepLinkResource()
        item.set_url(launch_url).set_title(version.title[:255])
        item.set_custom_params({"material": str(version.material_id)})
        item.set_target("iframe")
        items.append(item)
    return items


def chosen_ids(raw: Iterable[Any]) -> list[int]:
    """Material ids from a stored choice, in the order chosen, without repeats."""
    seen: list[int] = []
    for value in raw:
        if isinstance(value, int) and value not in seen:
            seen.append(value)
    return seen


# LTI Dynamic Registration --------------------------------------------------------------------

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
#: How long the hub waits for a platform during Dynamic Registration.
REGISTRATION_TIMEOUT = 10


@dataclass(frozen=True)
class ToolUrls:
    """The hub's addresses a platform needs (shown to paste, or sent in Dynamic
    Registration)."""

    login: str
    launch: str
    key_set: str
    registration: str
    name: str


def tool_registration(tool: ToolUrls) -> dict[str, Any]:
    """The client registration the hub sends a platform (LTI Dynamic Registration 1.0)."""
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": tool.login,
        "redirect_uris": [tool.launch],
        "client_name": tool.name,
        "jwks_uri": tool.key_set,
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": "",
        TOOL_CONFIGURATION: {
            "domain": urlsplit(tool.launch).netloc,
            "target_link_uri": tool.launch,
            "claims": ["iss", "sub", "name", "given_name", "family_name", "email"],
            "messages": [
                {
                    "type": "LtiDeepLinkingRequest",
                    "target_link_uri": tool.launch,
                    "label": tool.name,
                }
            ],
        },
    }


def _fetch_json(call: Any, failure: str) -> dict[str, Any]:
    """``call()`` (an HTTP request) answered as a JSON object, or ``InvalidInput(failure)``."""
    try:
        response = call()
        response.raise_for_status()
        data = response.json()
    except Exception as exc:  # requests' and json's errors alike: the platform did not answer
        log.info("LTI Dynamic Registration: %s", exc)
        raise InvalidInput(failure) from None
    if not isinstance(data, dict):
        raise InvalidInput(failure)
    return data


def register_dynamically(
    session: Session,
    admin: Person,
    configuration_url: str,
    registration_token: str | None,
    tool: ToolUrls,
    http: Any,
) -> LtiPlatform:
    """Register the platform whose OpenID configuration is at ``configuration_url`` for the
    admin's school: read its configuration, send it the hub's registration (with the
    platform's one-time ``registration_token``) and keep what it gives back (``http``: a
    ``requests.Session``)."""
    _school_admin_of(admin)
    configuration_url = _url(configuration_url, "openid_configuration")
    config = _fetch_json(
        lambda: http.get(configuration_url, timeout=REGISTRATION_TIMEOUT),
        _(
            "The hub could not read your platform's configuration at that address. Start the "
            "registration again from the platform, or register it by hand."
        ),
    )
    issuer = str(config.get("issuer") or "")
    # The configuration must come from the issuer it names (LTI Dynamic Registration 3.5.1).
    if not issuer or not configuration_url.startswith(issuer.rstrip("/")):
        raise InvalidInput(
            _("The platform's configuration names another issuer than its own address.")
        )
    endpoints = {
        k: str(config.get(k) or "")
        for k in ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")
    }
    if not all(endpoints.values()):
        raise InvalidInput(_("The platform's configuration lacks an endpoint the hub needs."))
    headers = {"Authorization": f"Bearer {registration_token}"} if registration_token else {}
    answer = _fetch_json(
        lambda: http.post(
            endpoints["registration_endpoint"],
            json=tool_registration(tool),
            headers=headers,
            timeout=REGISTRATION_TIMEOUT,
        ),
        _(
            "Your platform did not accept the hub's registration (the registration may have "
            "expired). Start it again from the platform, or register it by hand."
        ),
    )
    deployment = str((answer.get(TOOL_CONFIGURATION) or {}).get("deployment_id") or "")
    product = (config.get(PLATFORM_CONFIGURATION) or {}).get("product_family_code")
    return register_platform(
        session,
        admin,
        PlatformFields(
            name=str(product or urlsplit(issuer).netloc),
            issuer=issuer,
            client_id=str(answer.get("client_id") or ""),
            login_url=endpoints["authorization_endpoint"],
            token_url=endpoints["token_endpoint"],
            key_set_url=endpoints["jwks_uri"],
            deployment_ids=(deployment,) if deployment else (),
        ),
    )
