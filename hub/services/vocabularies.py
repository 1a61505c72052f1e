"""The controlled vocabularies of material metadata (DESIGN.md: Material, Health-system context).

Each vocabulary maps a stored code to the words people read. Unknown codes are refused with
the allowed values.
"""

from __future__ import annotations

from .errors import InvalidInput

LEVELS = {
    "preclinical": "Preclinical",
    "clinical": "Clinical",
    "postgraduate": "Postgraduate",
    "cpd": "Continuing professional development",
}
RESOURCE_TYPES = {
    "lecture": "Lecture",
    "slides": "Slides",
    "video": "Video",
    "case": "Case",
    "virtual-patient": "Virtual patient",
    "question-bank": "Question bank",
    "simulation": "Simulation",
    "guideline": "Guideline",
    "scorm-package": "SCORM package",
    "other": "Other",
}
LICENCE_NAMES = {
    "CC0-1.0": "CC0 1.0 (public domain dedication)",
    "CC-BY-4.0": "CC BY 4.0 (attribution)",
    "CC-BY-SA-4.0": "CC BY-SA 4.0 (attribution, share alike)",
    "CC-BY-NC-4.0": "CC BY-NC 4.0 (attribution, non-commercial)",
    "CC-BY-NC-SA-4.0": "CC BY-NC-SA 4.0 (attribution, non-commercial, share alike)",
    "CC-BY-ND-4.0": "CC BY-ND 4.0 (attribution, no derivatives)",
    "CC-BY-NC-ND-4.0": "CC BY-NC-ND 4.0 (attribution, non-commercial, no derivatives)",
    "LicenseRef-Consortium": "Consortium terms (members only, no public use)",
}
FINANCING = {
    "national-health-service": "National health service",
    "national-health-insurance": "National health insurance",
    "social-health-insurance": "Social health insurance",
    "etatist-social-health-insurance": "Etatist social health insurance",
    "private": "Private health system",
    "out-of-pocket-dominant": "Out-of-pocket dominant",
}
SETTINGS = {
    "primary-care": "Primary care",
    "community": "Community",
    "district-hospital": "District hospital",
    "tertiary-hospital": "Tertiary hospital",
    "rural-remote": "Rural and remote",
    "humanitarian": "Humanitarian",
    "public-health": "Public health",
}
RESOURCE_LEVELS = {
    "high-resource": "High-resource",
    "limited-resource": "Limited-resource",
    "low-resource": "Low-resource",
}
WHO_REGIONS = {
    "AFR": "WHO African Region",
    "AMR": "WHO Region of the Americas",
    "SEAR": "WHO South-East Asia Region",
    "EUR": "WHO European Region",
    "EMR": "WHO Eastern Mediterranean Region",
    "WPR": "WHO Western Pacific Region",
}
INCOME_GROUPS = {
    "HIC": "High income",
    "UMC": "Upper-middle income",
    "LMC": "Lower-middle income",
    "LIC": "Low income",
}
EDUCATIONAL_CONTEXTS = {
    "undergraduate-professional": "Undergraduate professional education",
    "graduate-professional": "Graduate professional education",
    "cpd": "Continuing professional development",
    "patient-caregiver": "Patient or caregiver education",
}
PROFESSIONS = {
    "medicine": "Medicine",
    "nursing": "Nursing",
    "midwifery": "Midwifery",
    "pharmacy": "Pharmacy",
    "dentistry": "Dentistry",
    "allied-health": "Allied health",
}
PATIENT_DATA = {
    "none": "Shows no patients",
    "de-identified": "Shows de-identified patients",
    "consented": "Shows patients who consented",
}
CONSENT_SCOPES = {
    "own_school": "Our school only",
    "consortium": "The consortium",
    "public": "Anyone",
}


def check_one(vocabulary: dict[str, str], value: str, field: str, what: str) -> str:
    """``value`` if it is a code of ``vocabulary``; otherwise a refusal listing the codes."""
    if value in vocabulary:
        return value
    raise InvalidInput(
        f"'{value}' is not a known {what}. Allowed: {', '.join(vocabulary)}.", field=field
    )


def check_many(vocabulary: dict[str, str], values: list[str], field: str, what: str) -> list[str]:
    """The de-duplicated ``values`` if all are codes of ``vocabulary``."""
    return list(dict.fromkeys(check_one(vocabulary, v, field, what) for v in values if v))
