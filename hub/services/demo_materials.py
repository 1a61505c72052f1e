"""The demo consortium's materials and modules: 300+ materials in seven languages with small real
files, several versions, translations, adaptations, grants of every kind and modules.

Deterministic (a fixed random seed) and idempotent: nothing is added twice.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content_store import ContentStore

from ..models import (
    AudienceGrant,
    File,
    GrantKind,
    Material,
    MaterialKind,
    MaterialVersion,
    MembershipStatus,
    ModuleItem,
    Person,
    Role,
    School,
    VersionFile,
    VersionState,
    utcnow,
)
from . import sample_files
from .demo_review import load_demo_review
from .demo_usage import load_demo_usage
from .files import record_bytes
from .metadata import Metadata, apply_metadata

MATERIALS_PER_SCHOOL = 20

# Topic: (MeSH descriptor's name, {language: title}, what it covers).
TOPICS: list[tuple[str, dict[str, str], str]] = [
    (
        "Malaria",
        {
            "en": "Malaria in pregnancy",
            "fr": "Le paludisme pendant la grossesse",
            "es": "Malaria en el embarazo",
            "pt": "Malária na gravidez",
            "sw": "Malaria wakati wa ujauzito",
            "id": "Malaria pada kehamilan",
            "ar": "الملاريا أثناء الحمل",
        },
        "prevention, diagnosis and treatment",
    ),
    (
        "Tuberculosis",
        {
            "en": "Tuberculosis case finding",
            "fr": "Dépistage de la tuberculose",
            "es": "Búsqueda de casos de tuberculosis",
            "pt": "Busca ativa de tuberculose",
            "sw": "Kutafuta wagonjwa wa kifua kikuu",
            "id": "Penemuan kasus tuberkulosis",
            "ar": "الكشف عن حالات السل",
        },
        "screening, sputum testing and contact tracing",
    ),
    (
        "Sepsis",
        {
            "en": "Recognising sepsis early",
            "fr": "Reconnaître le sepsis précocement",
            "es": "Reconocer la sepsis a tiempo",
            "pt": "Reconhecer a sepse precocemente",
            "sw": "Kutambua sepsis mapema",
            "id": "Mengenali sepsis sejak dini",
            "ar": "التعرف المبكر على الإنتان",
        },
        "the first hour of care",
    ),
    (
        "Asphyxia Neonatorum",
        {
            "en": "Neonatal resuscitation",
            "fr": "Réanimation néonatale",
            "es": "Reanimación neonatal",
            "pt": "Reanimação neonatal",
            "sw": "Kumfufua mtoto mchanga",
            "id": "Resusitasi neonatus",
            "ar": "إنعاش حديثي الولادة",
        },
        "Helping Babies Breathe",
    ),
    (
        "Hypertension",
        {
            "en": "Managing hypertension in primary care",
            "fr": "Prise en charge de l'hypertension en soins primaires",
            "es": "Manejo de la hipertensión en atención primaria",
            "pt": "Manejo da hipertensão na atenção primária",
            "sw": "Kudhibiti shinikizo la damu",
            "id": "Tata laksana hipertensi",
            "ar": "علاج ارتفاع ضغط الدم",
        },
        "diagnosis and stepped treatment",
    ),
    (
        "Diabetes Mellitus",
        {
            "en": "Type 2 diabetes follow-up",
            "fr": "Suivi du diabète de type 2",
            "es": "Seguimiento de la diabetes tipo 2",
            "pt": "Acompanhamento do diabetes tipo 2",
            "sw": "Ufuatiliaji wa kisukari aina ya pili",
            "id": "Pemantauan diabetes tipe 2",
            "ar": "متابعة السكري من النوع الثاني",
        },
        "glucose control and complications",
    ),
    (
        "HIV Infections",
        {
            "en": "HIV testing and counselling",
            "fr": "Dépistage et conseil VIH",
            "es": "Prueba y consejería de VIH",
            "pt": "Testagem e aconselhamento em HIV",
            "sw": "Upimaji na ushauri wa VVU",
            "id": "Tes dan konseling HIV",
            "ar": "فحص فيروس نقص المناعة والإرشاد",
        },
        "consent, testing and linkage to care",
    ),
    (
        "Postpartum Hemorrhage",
        {
            "en": "Postpartum haemorrhage drill",
            "fr": "Exercice sur l'hémorragie du post-partum",
            "es": "Simulacro de hemorragia posparto",
            "pt": "Simulação de hemorragia pós-parto",
            "sw": "Mazoezi ya kutokwa damu baada ya kujifungua",
            "id": "Simulasi perdarahan pascapersalinan",
            "ar": "تمرين نزف ما بعد الولادة",
        },
        "uterotonics and team response",
    ),
    (
        "Dengue",
        {
            "en": "Dengue warning signs",
            "fr": "Signes d'alerte de la dengue",
            "es": "Signos de alarma del dengue",
            "pt": "Sinais de alarme da dengue",
            "sw": "Dalili za hatari za dengue",
            "id": "Tanda bahaya demam berdarah",
            "ar": "علامات الخطر في حمى الضنك",
        },
        "fluid management",
    ),
    (
        "Malnutrition",
        {
            "en": "Severe acute malnutrition",
            "fr": "Malnutrition aiguë sévère",
            "es": "Desnutrición aguda grave",
            "pt": "Desnutrição aguda grave",
            "sw": "Utapiamlo mkali",
            "id": "Gizi buruk akut",
            "ar": "سوء التغذية الحاد الشديد",
        },
        "therapeutic feeding",
    ),
    (
        "Asthma",
        {
            "en": "Acute asthma in children",
            "fr": "Asthme aigu de l'enfant",
            "es": "Asma aguda en niños",
            "pt": "Asma aguda na criança",
            "sw": "Pumu kali kwa watoto",
            "id": "Asma akut pada anak",
            "ar": "الربو الحاد عند الأطفال",
        },
        "inhalers, spacers and oxygen",
    ),
    (
        "Wounds and Injuries",
        {
            "en": "Primary trauma care",
            "fr": "Soins primaires en traumatologie",
            "es": "Atención primaria del trauma",
            "pt": "Atendimento inicial ao trauma",
            "sw": "Huduma ya awali ya majeraha",
            "id": "Penanganan awal trauma",
            "ar": "الرعاية الأولية للإصابات",
        },
        "the ABCDE approach",
    ),
    (
        "Depression",
        {
            "en": "Depression in primary care",
            "fr": "La dépression en soins primaires",
            "es": "Depresión en atención primaria",
            "pt": "Depressão na atenção primária",
            "sw": "Msongo wa mawazo katika huduma ya msingi",
            "id": "Depresi di layanan primer",
            "ar": "الاكتئاب في الرعاية الأولية",
        },
        "screening and talking therapies",
    ),
    (
        "Cholera",
        {
            "en": "Cholera outbreak response",
            "fr": "Riposte aux épidémies de choléra",
            "es": "Respuesta a brotes de cólera",
            "pt": "Resposta a surtos de cólera",
            "sw": "Kukabiliana na mlipuko wa kipindupindu",
            "id": "Respons wabah kolera",
            "ar": "الاستجابة لتفشي الكوليرا",
        },
        "oral rehydration and WASH",
    ),
    (
        "Antimicrobial Stewardship",
        {
            "en": "Antibiotic stewardship on the ward",
            "fr": "Bon usage des antibiotiques à l'hôpital",
            "es": "Uso prudente de antibióticos en sala",
            "pt": "Uso racional de antibióticos na enfermaria",
            "sw": "Matumizi sahihi ya viuavijasumu",
            "id": "Penggunaan antibiotik yang bijak",
            "ar": "ترشيد استخدام المضادات الحيوية",
        },
        "prescribing audits",
    ),
]

# A second MeSH descriptor for each topic (its name: the form reads names as descriptors).
RELATED_DESCRIPTOR = {
    "Malaria": "Pregnancy Complications, Parasitic",
    "Tuberculosis": "Contact Tracing",
    "Sepsis": "Early Diagnosis",
    "Asphyxia Neonatorum": "Resuscitation",
    "Hypertension": "Primary Health Care",
    "Diabetes Mellitus": "Blood Glucose",
    "HIV Infections": "HIV Testing",
    "Postpartum Hemorrhage": "Oxytocics",
    "Dengue": "Fluid Therapy",
    "Malnutrition": "Child Nutrition Disorders",
    "Asthma": "Nebulizers and Vaporizers",
    "Wounds and Injuries": "Emergency Treatment",
    "Depression": "Counseling",
    "Cholera": "Dehydration",
    "Antimicrobial Stewardship": "Drug Resistance, Bacterial",
}
RESOURCE_CYCLE = [
    "lecture",
    "slides",
    "case",
    "question-bank",
    "guideline",
    "video",
    "virtual-patient",
    "simulation",
]
LEVEL_CYCLE = ["preclinical", "clinical", "clinical", "postgraduate", "cpd"]
LICENCE_CYCLE = [
    "CC-BY-4.0",
    "CC-BY-SA-4.0",
    "CC-BY-NC-4.0",
    "CC-BY-NC-SA-4.0",
    "CC-BY-ND-4.0",
    "LicenseRef-Consortium",
    "CC0-1.0",
    "CC-BY-NC-ND-4.0",
]
SETTING_CYCLE = [
    ["primary-care"],
    ["district-hospital"],
    ["tertiary-hospital"],
    ["rural-remote", "community"],
    ["humanitarian"],
    ["public-health"],
]
RESOURCES_BY_INCOME = {
    "HIC": ["high-resource"],
    "UMC": ["limited-resource"],
    "LMC": ["limited-resource"],
    "LIC": ["low-resource"],
}
FINANCING_BY_COUNTRY = {
    "GB": ["national-health-service"],
    "SE": ["national-health-service"],
    "AU": ["national-health-insurance"],
    "CH": ["private"],
    "BR": ["national-health-service"],
    "CO": ["social-health-insurance"],
    "EG": ["out-of-pocket-dominant"],
    "PK": ["out-of-pocket-dominant"],
    "IN": ["out-of-pocket-dominant"],
    "ID": ["national-health-insurance"],
}
WHO_BY_REGION = {
    "202": ["AFR"],
    "15": ["EMR"],
    "419": ["AMR"],
    "21": ["AMR"],
    "34": ["SEAR"],
    "35": ["SEAR"],
    "154": ["EUR"],
    "155": ["EUR"],
    "39": ["EUR"],
    "53": ["WPR"],
    "30": ["WPR"],
    "145": ["EMR"],
}
RESOURCE_WORDS = {
    "lecture": "Lecture",
    "slides": "Slides",
    "case": "Case study",
    "question-bank": "Question bank",
    "guideline": "Guideline",
    "video": "Video",
    "virtual-patient": "Virtual patient",
    "simulation": "Simulation",
}


@dataclass
class MaterialsSummary:
    """What the demo added."""

    materials: int = 0
    modules: int = 0
    versions: int = 0
    files: int = 0
    uses: int = 0
    submissions: int = 0  # of the peer review history


def _grants_for(
    rng: random.Random, licence: str, school: School, partner_ids: list[int], kind: str
) -> list[AudienceGrant]:
    rights = rng.choice([(True, False, False), (True, True, False), (True, True, True)])
    if "-ND-" in licence:
        rights = (rights[0], rights[1], False)
    view, download, adapt_ = rights

    def grant(kind: GrantKind, values: list[str] | None = None) -> AudienceGrant:
        return AudienceGrant(
            kind=kind, values=values or [], can_view=view, can_download=download, can_adapt=adapt_
        )

    if kind == "public" and licence != "LicenseRef-Consortium":
        return [grant(GrantKind.PUBLIC)]
    if kind == "income":
        return [grant(GrantKind.INCOME, ["LMC", "LIC"])]
    if kind == "regions":
        return [grant(GrantKind.REGIONS, [school.region, rng.choice(["202", "419", "34"])])]
    if kind == "schools":
        return [grant(GrantKind.SCHOOLS, [str(p) for p in rng.sample(partner_ids, 2)])]
    if kind == "own":
        return []
    return [grant(GrantKind.CONSORTIUM)]


def _first_teacher(teachers: Mapping[int, Sequence[Person]], school_id: int) -> Person | None:
    found = teachers.get(school_id) or []
    return found[0] if found else None


def load_demo_materials(session: Session, store: ContentStore) -> MaterialsSummary:
    """Add the demo materials and modules unless the demo schools already have materials, then
    the peer review history unless they already have submissions (each idempotent)."""
    summary = _load_materials(session, store)
    summary.submissions = load_demo_review(session).submissions
    return summary


def _load_materials(session: Session, store: ContentStore) -> MaterialsSummary:
    summary = MaterialsSummary()
    schools = list(
        session.scalars(
            select(School)
            .where(School.status.in_([MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED]))
            .order_by(School.id)
        )
    )
    demo_ids = [s.id for s in schools if s.contact_email and "demo.example.org" in s.contact_email]
    if not demo_ids or session.scalar(
        select(func.count()).select_from(Material).where(Material.school_id.in_(demo_ids))
    ):
        return summary
    rng = random.Random(2026)
    teachers = {
        s.id: session.scalars(
            select(Person).where(Person.school_id == s.id, Person.role == Role.TEACHER)
        ).all()
        for s in schools
    }
    by_topic: dict[int, list[Material]] = {}
    published: list[MaterialVersion] = []
    for school in schools:
        if school.id not in demo_ids:
            continue
        authors = teachers.get(school.id) or []
        partners = [i for i in demo_ids if i != school.id]
        for n in range(MATERIALS_PER_SCHOOL):
            index = school.id * 100 + n
            topic_no = (school.id * 7 + n) % len(TOPICS)
            heading, titles, covers = TOPICS[topic_no]
            language = school.languages[n % len(school.languages)]
            base = language.split("-")[0]
            title_text = titles.get(base, titles["en"])
            rtype = RESOURCE_CYCLE[index % len(RESOURCE_CYCLE)]
            licence = LICENCE_CYCLE[index % len(LICENCE_CYCLE)]
            author = authors[n % len(authors)] if authors else None
            material = Material(
                kind=MaterialKind.MATERIAL,
                school_id=school.id,
                created_by_id=author.id if author else None,
                teachers_only=rtype == "question-bank",
                popularity=rng.randrange(0, 60),
            )
            material.grants = _grants_for(
                rng,
                licence,
                school,
                partners,
                rng.choice(
                    ["public", "consortium", "consortium", "income", "regions", "schools", "own"]
                ),
            )
            session.add(material)
            versions = 2 if n % 6 == 0 else 1
            for number in range(1, versions + 1):
                version = MaterialVersion(number=number, created_by_id=material.created_by_id)
                apply_metadata(
                    version,
                    Metadata(
                        title=f"{RESOURCE_WORDS[rtype]}: {title_text}",
                        summary=(
                            f"**{title_text}** — {covers}. Written at {school.name} for "
                            f"{RESOURCE_WORDS[rtype].lower()} use; version {number}."
                        ),
                        language=language,
                        other_languages=["en"] if base != "en" and n % 5 == 0 else [],
                        countries=[school.country],
                        regions=[school.region],
                        who_regions=WHO_BY_REGION.get(school.region, []),
                        income=[school.income_group.value],
                        financing=FINANCING_BY_COUNTRY.get(school.country, []),
                        setting=SETTING_CYCLE[index % len(SETTING_CYCLE)],
                        resources=RESOURCES_BY_INCOME[school.income_group.value],
                        level=LEVEL_CYCLE[index % len(LEVEL_CYCLE)],
                        resource_type=rtype,
                        # Two descriptors; every fifth also a free term (no descriptor).
                        topics=[heading, RELATED_DESCRIPTOR[heading]]
                        + ([covers.split(",")[0].strip().capitalize()] if n % 5 == 0 else []),
                        licence=licence,
                        authors=[author.name] if author else [school.name],
                        educational_context=["undergraduate-professional"],
                        professions=["medicine"] if n % 4 else ["medicine", "nursing"],
                        patient_data="de-identified" if rtype == "case" else "none",
                    ),
                )
                version.state = (
                    VersionState.PUBLISHED if number == versions else VersionState.SUPERSEDED
                )
                if number == versions and n % 10 == 9:
                    version.state = VersionState.DRAFT  # some are still being written
                version.published_at = utcnow() if version.state is not VersionState.DRAFT else None
                version.change_note = (
                    "First edition." if number == 1 else "Updated to the 2026 guideline."
                )
                pdf = sample_files.pdf_document(
                    version.title,
                    [
                        f"{title_text}: {covers}.",
                        f"{school.name}, {number}.",
                        "Learning objectives: recognise, decide, act, refer.",
                    ],
                )
                record = record_bytes(
                    session,
                    store,
                    school,
                    pdf,
                    f"{heading.lower().replace(' ', '-')}-v{number}.pdf",
                    "application/pdf",
                    author,
                )
                attachments = [record]
                if n % 3 == 0:
                    png = sample_files.png_image(320, 180, seed=index, label=heading[:14])
                    attachments.append(
                        record_bytes(session, store, school, png, "figure.png", "image/png", author)
                    )
                if rtype == "video":
                    attachments.append(
                        record_bytes(
                            session,
                            store,
                            school,
                            sample_files.lecture_video(),
                            "lecture.webm",
                            "video/webm",
                            author,
                        )
                    )
                session.flush()
                version.extracted_text = f"{version.title} {covers} {school.name}"
                version.attachments = [
                    VersionFile(file_id=f.id, position=i) for i, f in enumerate(attachments)
                ]
                material.versions.append(version)
                summary.versions += 1
                summary.files += len(attachments)
            session.flush()
            if material.published is not None:
                published.append(material.published)
            by_topic.setdefault(topic_no, []).append(material)
            summary.materials += 1

    # Translations: the same topic in another language is a translation of the first one.
    for group in by_topic.values():
        original = group[0]
        for other in group[1:4]:
            if other.latest.language.split("-")[0] != original.latest.language.split("-")[0]:
                other.translation_of_id = original.id
    # Adaptations: a dozen schools adapt an open material of another school.
    adaptable = [
        v
        for v in published
        if any(g.can_adapt and g.kind is GrantKind.CONSORTIUM for g in v.material.grants)
    ]
    for source in adaptable[:12]:
        target = schools[(demo_ids.index(source.material.school_id) + 3) % len(schools)]
        if target.id not in demo_ids or target.id == source.material.school_id:
            continue
        author = _first_teacher(teachers, target.id)
        copy = Material(
            kind=MaterialKind.MATERIAL,
            school_id=target.id,
            created_by_id=author.id if author else None,
            adapted_from_version_id=source.id,
        )
        copy.grants = [AudienceGrant(kind=GrantKind.CONSORTIUM, can_view=True, can_download=True)]
        session.add(copy)
        version = MaterialVersion(number=1, created_by_id=copy.created_by_id)
        for column in MaterialVersion.__table__.columns:
            if column.key not in {
                "id",
                "material_id",
                "number",
                "created_by_id",
                "created_at",
                "updated_at",
            }:
                setattr(version, column.key, getattr(source, column.key))
        version.title = f"{source.title} ({target.name.split(',')[0]} adaptation)"
        version.change_note = f"Adapted from {source.material.school.name}."
        version.state = VersionState.PUBLISHED
        version.published_at = utcnow()
        files = [
            File(
                sha256=f.sha256,
                size=f.size,
                media_type=f.media_type,
                filename=f.filename,
                school_id=target.id,
            )
            for f in source.files
        ]
        session.add_all(files)
        session.flush()
        version.attachments = [VersionFile(file_id=f.id, position=i) for i, f in enumerate(files)]
        copy.versions.append(version)
        session.flush()
        summary.materials += 1
    # Modules: each of ten schools assembles one from its own and shared materials.
    for school_id in demo_ids[:10]:
        module_school = session.get(School, school_id)
        assert module_school is not None
        own = [v for v in published if v.material.school_id == school_id][:3]
        shared = [
            v
            for v in published
            if v.material.school_id != school_id
            and any(g.kind in (GrantKind.CONSORTIUM, GrantKind.PUBLIC) for g in v.material.grants)
            and not v.material.teachers_only
        ][school_id % 5 : school_id % 5 + 2]
        if not own:
            continue
        author = _first_teacher(teachers, school_id)
        module = Material(
            kind=MaterialKind.MODULE,
            school_id=school_id,
            created_by_id=author.id if author else None,
        )
        module.grants = [AudienceGrant(kind=GrantKind.CONSORTIUM, can_view=True)]
        session.add(module)
        version = MaterialVersion(number=1, created_by_id=module.created_by_id)
        language = module_school.languages[0]
        titles = TOPICS[school_id % len(TOPICS)][1]
        apply_metadata(
            version,
            Metadata(
                title=f"Module: {titles.get(language.split('-')[0], titles['en'])}",
                summary="An ordered unit of lectures, cases and questions, built from our own and "
                "shared materials.",
                language=language,
                licence="CC-BY-NC-4.0",
                level="clinical",
                objectives=[
                    "Recognise the condition early",
                    "Start first-line treatment",
                    "Know when to refer",
                ],
                estimated_hours=str(2 + school_id % 5),
                regions=[module_school.region],
            ),
        )
        version.state = VersionState.PUBLISHED
        version.published_at = utcnow()
        version.items = [
            ModuleItem(item_version_id=v.id, position=i) for i, v in enumerate([*own, *shared])
        ]
        module.versions.append(version)
        session.flush()
        summary.modules += 1
    demo_schools = [s for s in schools if s.id in demo_ids]
    summary.uses = load_demo_usage(session, demo_schools, rng)
    return summary
