"""The controlled vocabularies of material metadata (DESIGN.md: Material, Health-system context).

Each vocabulary maps a stored code to the words people read (lazy strings: worded in the
interface language when shown). Unknown codes are refused with the allowed values.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..models.material import ConsentScope, PatientData
from ..models.school import IncomeGroup
from ..policy import CREATIVE_COMMONS
from .errors import InvalidInput

LEVELS = {
    "preclinical": _l("Preclinical"),
    "clinical": _l("Clinical"),
    "postgraduate": _l("Postgraduate"),
    "cpd": _l("Continuing professional development"),
}
RESOURCE_TYPES = {
    "lecture": _l("Lecture"),
    "slides": _l("Slides"),
    "video": _l("Video"),
    "case": _l("Case"),
    "virtual-patient": _l("Virtual patient"),
    "question-bank": _l("Question bank"),
    "simulation": _l("Simulation"),
    "guideline": _l("Guideline"),
    "scorm-package": _l("SCORM package"),
    "other": _l("Other"),
}
LICENCE_NAMES = {
    "CC0-1.0": _l("CC0 1.0 (public domain dedication)"),
    "CC-BY-4.0": _l("CC BY 4.0 (attribution)"),
    "CC-BY-SA-4.0": _l("CC BY-SA 4.0 (attribution, share alike)"),
    "CC-BY-NC-4.0": _l("CC BY-NC 4.0 (attribution, non-commercial)"),
    "CC-BY-NC-SA-4.0": _l("CC BY-NC-SA 4.0 (attribution, non-commercial, share alike)"),
    "CC-BY-ND-4.0": _l("CC BY-ND 4.0 (attribution, no derivatives)"),
    "CC-BY-NC-ND-4.0": _l("CC BY-NC-ND 4.0 (attribution, non-commercial, no derivatives)"),
    "LicenseRef-Consortium": _l("Consortium terms (members only, no public use)"),
}


def licence_short_name(code: str) -> str:
    """What a badge shows of a licence: a Creative Commons licence's own short name ("CC BY
    4.0", the same in every language), the consortium's terms in words."""
    if code not in CREATIVE_COMMONS:
        return _("Consortium terms")
    head, _dash, version = code.rpartition("-")
    return f"{head.replace('-', ' ', 1)} {version}"


def licence_url(code: str) -> str | None:
    """The deed of a Creative Commons licence or CC0 (None for the consortium's terms)."""
    if code not in CREATIVE_COMMONS:
        return None
    if code == "CC0-1.0":
        return "https://creativecommons.org/publicdomain/zero/1.0/"
    head, _dash, version = code.rpartition("-")
    return f"https://creativecommons.org/licenses/{head[3:].lower()}/{version}/"


FINANCING = {
    "national-health-service": _l("National health service"),
    "national-health-insurance": _l("National health insurance"),
    "social-health-insurance": _l("Social health insurance"),
    "etatist-social-health-insurance": _l("Etatist social health insurance"),
    "private": _l("Private health system"),
    "out-of-pocket-dominant": _l("Out-of-pocket dominant"),
}
SETTINGS = {
    "primary-care": _l("Primary care"),
    "community": _l("Community"),
    "district-hospital": _l("District hospital"),
    "tertiary-hospital": _l("Tertiary hospital"),
    "rural-remote": _l("Rural and remote"),
    "humanitarian": _l("Humanitarian"),
    "public-health": _l("Public health"),
}
RESOURCE_LEVELS = {
    "high-resource": _l("High-resource"),
    "limited-resource": _l("Limited-resource"),
    "low-resource": _l("Low-resource"),
}
WHO_REGIONS = {
    "AFR": _l("WHO African Region"),
    "AMR": _l("WHO Region of the Americas"),
    "SEAR": _l("WHO South-East Asia Region"),
    "EUR": _l("WHO European Region"),
    "EMR": _l("WHO Eastern Mediterranean Region"),
    "WPR": _l("WHO Western Pacific Region"),
}
INCOME_GROUPS = IncomeGroup.vocabulary()
EDUCATIONAL_CONTEXTS = {
    "undergraduate-professional": _l("Undergraduate professional education"),
    "graduate-professional": _l("Graduate professional education"),
    "cpd": _l("Continuing professional development"),
    "patient-caregiver": _l("Patient or caregiver education"),
}
PROFESSIONS = {
    "medicine": _l("Medicine"),
    "nursing": _l("Nursing"),
    "midwifery": _l("Midwifery"),
    "pharmacy": _l("Pharmacy"),
    "dentistry": _l("Dentistry"),
    "allied-health": _l("Allied health"),
}
PATIENT_DATA = PatientData.vocabulary()
CONSENT_SCOPES = ConsentScope.vocabulary()
#: A material's standing in peer review: the search facet "Review" and the badges.
REVIEW_STANDINGS = {
    "peer-reviewed": _l("Peer reviewed"),
    "school-vetted": _l("School-vetted"),
}


def check_one(vocabulary: Mapping[str, object], value: str, field: str, what: str) -> str:
    """``value`` if it is a code of ``vocabulary``; otherwise a refusal listing the codes."""
    if value in vocabulary:
        return value
    raise InvalidInput(
        _(
            "'%(value)s' is not a known %(what)s. Allowed: %(allowed)s.",
            value=value,
            what=what,
            allowed=", ".join(vocabulary),
        ),
        field=field,
    )


def check_many(
    vocabulary: Mapping[str, object], values: list[str], field: str, what: str
) -> list[str]:
    """The de-duplicated ``values`` if all are codes of ``vocabulary``."""
    return list(dict.fromkeys(check_one(vocabulary, v, field, what) for v in values if v))
