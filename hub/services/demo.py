"""The demo consortium: schools in every region and income group, people in every role.

Loading is idempotent: running it again adds only what is missing. Later features extend it
(materials, modules, grants) in the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import supported
from ..models import MembershipEvent, MembershipStatus, Person, Role, School
from . import accounts
from .membership import Decision, change_membership
from .schools import create_school

DEMO_PASSWORD = "demo-password"  # noqa: S105 - printed on purpose: demo data only
DEMO_DOMAIN = "demo.example.org"

# name, country, languages of instruction, website, membership status
SCHOOLS: list[tuple[str, str, list[str], str, MembershipStatus]] = [
    (
        "Universidade Federal de Minas Gerais",
        "BR",
        ["pt-BR"],
        "https://ufmg.example.org",
        MembershipStatus.ACTIVE,
    ),
    (
        "Universidad Nacional de Colombia",
        "CO",
        ["es"],
        "https://unal.example.org",
        MembershipStatus.ACTIVE,
    ),
    (
        "University of the West Indies, Mona",
        "JM",
        ["en"],
        "https://uwi.example.org",
        MembershipStatus.ACTIVE,
    ),
    (
        "Makerere University College of Health Sciences",
        "UG",
        ["en"],
        "https://mak.example.org",
        MembershipStatus.ACTIVE,
    ),
    (
        "University of Nairobi School of Medicine",
        "KE",
        ["en", "sw"],
        "https://uon.example.org",
        MembershipStatus.ACTIVE,
    ),
    (
        "Université Cheikh Anta Diop, Faculté de médecine",
        "SN",
        ["fr"],
        "https://ucad.example.org",
        MembershipStatus.ACTIVE,
    ),
    (
        "Kamuzu University of Health Sciences",
        "MW",
        ["en", "ny"],
        "https://kuhes.example.org",
        MembershipStatus.ACTIVE,
    ),
    (
        "Universidade Eduardo Mondlane, Faculdade de Medicina",
        "MZ",
        ["pt"],
        "https://uem.example.org",
        MembershipStatus.ACTIVE,
    ),
    (
        "Cairo University Faculty of Medicine",
        "EG",
        ["ar", "en"],
        "https://cu.example.org",
        MembershipStatus.ACTIVE,
    ),
    (
        "Aga Khan University Medical College",
        "PK",
        ["en", "ur"],
        "https://aku.example.org",
        MembershipStatus.ACTIVE,
    ),
    (
        "Christian Medical College Vellore",
        "IN",
        ["en"],
        "https://cmc.example.org",
        MembershipStatus.ACTIVE,
    ),
    (
        "Universitas Gadjah Mada, Faculty of Medicine",
        "ID",
        ["id", "en"],
        "https://ugm.example.org",
        MembershipStatus.ACTIVE,
    ),
    (
        "University of Dundee School of Medicine",
        "GB",
        ["en"],
        "https://dundee.example.org",
        MembershipStatus.ACTIVE,
    ),
    (
        "Université de Genève, Faculté de médecine",
        "CH",
        ["fr"],
        "https://unige.example.org",
        MembershipStatus.ACTIVE,
    ),
    (
        "Karolinska Institutet",
        "SE",
        ["sv", "en"],
        "https://ki.example.org",
        MembershipStatus.ACTIVE,
    ),
    (
        "Monash University Faculty of Medicine",
        "AU",
        ["en"],
        "https://monash.example.org",
        MembershipStatus.ACTIVE,
    ),
    (
        "Addis Ababa University College of Health Sciences",
        "ET",
        ["am", "en"],
        "https://aau.example.org",
        MembershipStatus.SUSPENDED,
    ),
    ("Hanoi Medical University", "VN", ["vi"], "https://hmu.example.org", MembershipStatus.APPLIED),
    (
        "Universidad Peruana Cayetano Heredia",
        "PE",
        ["es"],
        "https://upch.example.org",
        MembershipStatus.WITHDRAWN,
    ),
    (
        "Institute of Unverified Medicine",
        "CO",
        ["es"],
        "https://unverified.example.org",
        MembershipStatus.REJECTED,
    ),
]

# people per active or suspended school: (role, count)
PEOPLE: list[tuple[Role, int]] = [(Role.SCHOOL_ADMIN, 1), (Role.TEACHER, 2), (Role.STUDENT, 3)]
FIRST_NAMES = [
    "Ana",
    "Kwame",
    "Aisha",
    "Lucas",
    "Mei",
    "Tomás",
    "Nadia",
    "Ravi",
    "Chipo",
    "Sofia",
    "Amadou",
    "Lina",
    "Oluwaseun",
    "Hana",
    "Mateo",
    "Zainab",
    "Erik",
    "Thandiwe",
]
FAMILY_NAMES = [
    "Silva",
    "Mensah",
    "Okafor",
    "García",
    "Nguyen",
    "Diallo",
    "Haddad",
    "Patel",
    "Banda",
    "Lindqvist",
    "Mwangi",
    "Santos",
    "Rahman",
    "Kowalski",
    "Tesfaye",
]


def slug(name: str) -> str:
    """A short mail-safe label for a school (first letters of its significant words)."""
    words = re.findall(r"[A-Za-z]+", name)
    return "".join(w[0] for w in words if w[0].isupper()).lower() or "school"


@dataclass
class DemoSummary:
    """What the demo load created or found."""

    schools: int = 0
    people: int = 0
    created: int = 0  # schools and people added by this load
    sign_ins: list[tuple[str, str, str]] = field(default_factory=list)  # email, role, school

    def describe(self) -> str:
        """The demo sign-ins, for the terminal."""
        lines = [
            f"Demo consortium: {self.schools} schools and {self.people} people"
            + (f" ({self.created} schools and people added now)" if self.created else "")
            + f". Every demo password is '{DEMO_PASSWORD}'.",
            "Sign in as:",
        ]
        width = max(len(e) for e, _, _ in self.sign_ins)
        lines += [f"  {e:<{width}}  {r:<16}  {s}" for e, r, s in self.sign_ins]
        lines.append(
            "People of schools teaching in French, Spanish, Portuguese or Arabic see the hub in "
            "that language; the switcher at the top of every page changes it."
        )
        return "\n".join(lines)


def load_demo(session: Session) -> DemoSummary:
    """Add the demo consortium's schools and people that are not there yet."""
    summary = DemoSummary()
    # One hash for every demo account: argon2 is slow on purpose, and they share the password.
    shared_hash = accounts.hash_password(DEMO_PASSWORD)

    def ensure_person(email: str, name: str, role: Role, school: School | None) -> None:
        if _person(session, email) is None:
            person = accounts.create_person(
                session,
                email=email,
                name=name,
                password=DEMO_PASSWORD,
                role=role,
                school=school,
                password_hash=shared_hash,
            )
            # People of schools teaching in a language the hub speaks see the hub in it
            # (Geneva in French, Cairo in Arabic...); everyone can switch.
            if school is not None and school.languages:
                chosen = supported(school.languages[0])
                person.interface_language = chosen if chosen != "en" else None
            summary.created += 1

    admin_email = f"consortium.admin@{DEMO_DOMAIN}"
    ensure_person(admin_email, "Consortium Secretariat", Role.CONSORTIUM_ADMIN, None)
    admin = _person(session, admin_email)
    assert admin is not None
    summary.sign_ins.append((admin_email, "consortium admin", "—"))
    name_index = 0
    for name, country, languages, website, status in SCHOOLS:
        school = session.scalar(select(School).where(School.name == name))
        if school is None:
            school = create_school(
                session, name=name, country=country, languages=languages, website=website
            )
            school.contact_email = f"office.{slug(name)}@{DEMO_DOMAIN}"
            _walk_to(session, school, status, admin)
            summary.created += 1
        summary.schools += 1
        if status not in (MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED):
            continue
        for role, count in PEOPLE:
            for n in range(1, count + 1):
                email = f"{role.value.replace('_', '')}{n}.{slug(name)}@{DEMO_DOMAIN}"
                person_name = (
                    f"{FIRST_NAMES[name_index % len(FIRST_NAMES)]} "
                    f"{FAMILY_NAMES[(name_index * 7) % len(FAMILY_NAMES)]}"
                )
                name_index += 1
                ensure_person(email, person_name, role, school)
                if n == 1 and (len(summary.sign_ins) < 8 or status is MembershipStatus.SUSPENDED):
                    where = school.name
                    if status is MembershipStatus.SUSPENDED:
                        where += " (suspended: sees only public materials of others)"
                    summary.sign_ins.append((email, role.label, where))
    summary.people = len(session.scalars(select(Person.id)).all())
    return summary


# The decisions that take a new application to each status, with the reasons the demo shows.
_PATHS: dict[MembershipStatus, list[tuple[Decision, str]]] = {
    MembershipStatus.APPLIED: [],
    MembershipStatus.ACTIVE: [(Decision.APPROVE, "Admitted at the annual meeting.")],
    MembershipStatus.REJECTED: [(Decision.REJECT, "Not an accredited medical school.")],
    MembershipStatus.SUSPENDED: [
        (Decision.APPROVE, "Admitted at the annual meeting."),
        (Decision.SUSPEND, "Membership fee unpaid for two years."),
    ],
    MembershipStatus.WITHDRAWN: [
        (Decision.APPROVE, "Admitted at the annual meeting."),
        (Decision.WITHDRAW, "The school asked to leave the consortium."),
    ],
}


def _walk_to(session: Session, school: School, status: MembershipStatus, admin: Person) -> None:
    """Record the application and the decisions that bring ``school`` to ``status``."""
    session.add(
        MembershipEvent(
            school_id=school.id,
            from_status=None,
            to_status=MembershipStatus.APPLIED,
            reason="Application received.",
        )
    )
    for decision, reason in _PATHS[status]:
        change_membership(session, school, decision, admin, reason)


def _person(session: Session, email: str) -> Person | None:
    return session.scalar(select(Person).where(Person.email == email))
