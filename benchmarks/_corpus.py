"""The synthetic multilingual corpus the search benchmarks share (``search``, ``search_hub``).

200 schools in every UN M49 sub-region and income group (from ``hub.services.geography``),
materials in six languages (English, French, Spanish, Portuguese, German, Swahili) whose
titles draw on a lexicon of real medical words and whose text adds Zipf-distributed
pseudo-words, with grants of every kind (public, consortium, regions, income, schools,
none). Deterministic for a seed. The same material comes as the hub's table rows
(:meth:`Corpus.rows`) or as the library's :class:`search_index.IndexedMaterial`
(:meth:`Corpus.material`), so both benchmarks search the same kind of text.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from search_index import IndexedMaterial

N_SCHOOLS = 200
# Fields the hub's version row and the library's IndexedMaterial both have, under one name.
SAME_IN_BOTH = ("title", "summary", "topics", "language", "regions", "countries", "who_regions",
                "income", "financing", "setting", "resources", "level", "resource_type",
                "licence")  # fmt: skip
FIXED_NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)  # the library's corpus: the same each run

# --- vocabulary ----------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


# One concept per line: English | French | Spanish | Portuguese | German.
LEXICON = """\
malaria|paludisme|malaria|malária|Malaria
tuberculosis|tuberculose|tuberculosis|tuberculose|Tuberkulose
sepsis|sepsis|sepsis|sepse|Sepsis
pregnancy|grossesse|embarazo|gravidez|Schwangerschaft
neonatal|néonatal|neonatal|neonatal|neonatal
resuscitation|réanimation|reanimación|reanimação|Reanimation
hypertension|hypertension|hipertensión|hipertensão|Bluthochdruck
diabetes|diabète|diabetes|diabetes|Diabetes
asthma|asthme|asma|asma|Asthma
pneumonia|pneumonie|neumonía|pneumonia|Lungenentzündung
diarrhoea|diarrhée|diarrea|diarreia|Durchfall
dehydration|déshydratation|deshidratación|desidratação|Dehydratation
malnutrition|malnutrition|desnutrición|desnutrição|Mangelernährung
anaemia|anémie|anemia|anemia|Anämie
haemorrhage|hémorragie|hemorragia|hemorragia|Blutung
postpartum|postnatal|posparto|puerpério|Wochenbett
cholera|choléra|cólera|cólera|Cholera
dengue|dengue|dengue|dengue|Dengue
HIV|VIH|VIH|HIV|HIV
vaccination|vaccination|vacunación|vacinação|Impfung
antibiotics|antibiotiques|antibióticos|antibióticos|Antibiotika
infection|infection|infección|infecção|Infektion
fever|fièvre|fiebre|febre|Fieber
children|enfants|niños|crianças|Kinder
adolescents|adolescents|adolescentes|adolescentes|Jugendliche
elderly|personnes|ancianos|idosos|Senioren
surgery|chirurgie|cirugía|cirurgia|Chirurgie
trauma|traumatisme|trauma|trauma|Trauma
fracture|fracture|fractura|fratura|Fraktur
burns|brûlures|quemaduras|queimaduras|Verbrennungen
wound|plaie|herida|ferida|Wunde
anaesthesia|anesthésie|anestesia|anestesia|Anästhesie
pain|douleur|dolor|dor|Schmerz
depression|dépression|depresión|depressão|Depression
anxiety|anxiété|ansiedad|ansiedade|Angst
psychosis|psychose|psicosis|psicose|Psychose
epilepsy|épilepsie|epilepsia|epilepsia|Epilepsie
stroke|AVC|ictus|AVC|Schlaganfall
heart|cœur|corazón|coração|Herz
failure|insuffisance|insuficiencia|insuficiência|Insuffizienz
kidney|rein|riñón|rim|Niere
liver|foie|hígado|fígado|Leber
lung|poumon|pulmón|pulmão|Lunge
brain|cerveau|cerebro|cérebro|Gehirn
blood|sang|sangre|sangue|Blut
transfusion|transfusion|transfusión|transfusão|Transfusion
oxygen|oxygène|oxígeno|oxigênio|Sauerstoff
ventilation|ventilation|ventilación|ventilação|Beatmung
diagnosis|diagnostic|diagnóstico|diagnóstico|Diagnose
treatment|traitement|tratamiento|tratamento|Behandlung
prevention|prévention|prevención|prevenção|Prävention
screening|dépistage|cribado|rastreamento|Screening
management|gestion|manejo|manejo|Management
emergency|urgence|urgencia|emergência|Notfall
triage|triage|triaje|triagem|Triage
examination|examen|exploración|exame|Untersuchung
history|anamnèse|anamnesis|anamnese|Anamnese
ultrasound|échographie|ecografía|ultrassonografia|Ultraschall
radiology|radiologie|radiología|radiologia|Radiologie
laboratory|laboratoire|laboratorio|laboratório|Labor
microscopy|microscopie|microscopía|microscopia|Mikroskopie
pharmacology|pharmacologie|farmacología|farmacologia|Pharmakologie
dosage|posologie|dosificación|dosagem|Dosierung
anatomy|anatomie|anatomía|anatomia|Anatomie
physiology|physiologie|fisiología|fisiologia|Physiologie
pathology|pathologie|patología|patologia|Pathologie
immunology|immunologie|inmunología|imunologia|Immunologie
genetics|génétique|genética|genética|Genetik
nutrition|nutrition|nutrición|nutrição|Ernährung
breastfeeding|allaitement|lactancia|amamentação|Stillen
contraception|contraception|anticoncepción|contracepção|Verhütung
labour|accouchement|parto|parto|Geburt
caesarean|césarienne|cesárea|cesariana|Kaiserschnitt
eclampsia|éclampsie|eclampsia|eclâmpsia|Eklampsie
midwifery|maïeutique|partería|obstetrícia|Hebammenkunde
nursing|infirmiers|enfermería|enfermagem|Pflege
community|communautaire|comunitaria|comunitária|Gemeinde
primary|primaires|primaria|primária|Primärversorgung
rural|rural|rural|rural|ländlich
hospital|hôpital|hospital|hospital|Krankenhaus
clinic|clinique|clínica|clínica|Klinik
hygiene|hygiène|higiene|higiene|Hygiene
asepsis|asepsie|asepsia|assepsia|Asepsis
epidemiology|épidémiologie|epidemiología|epidemiologia|Epidemiologie
outbreak|épidémie|brote|surto|Ausbruch
surveillance|surveillance|vigilancia|vigilância|Überwachung
ethics|éthique|ética|ética|Ethik
communication|communication|comunicación|comunicação|Kommunikation
consent|consentement|consentimiento|consentimento|Einwilligung
simulation|simulation|simulación|simulação|Simulation
skills|compétences|habilidades|habilidades|Fertigkeiten
case|cas|caso|caso|Fall
guideline|recommandations|guía|diretriz|Leitlinie
protocol|protocole|protocolo|protocolo|Protokoll
acute|aiguë|aguda|aguda|akut
chronic|chronique|crónica|crônica|chronisch
severe|sévère|grave|grave|schwer
early|précoce|temprano|precoce|früh
maternal|maternelle|materna|materna|mütterlich
paediatric|pédiatrique|pediátrica|pediátrica|pädiatrisch
snakebite|envenimation|ofidismo|ofidismo|Schlangenbiss
rabies|rage|rabia|raiva|Tollwut
leprosy|lèpre|lepra|hanseníase|Lepra
schistosomiasis|schistosomiase|esquistosomiasis|esquistossomose|Bilharziose
hepatitis|hépatite|hepatitis|hepatite|Hepatitis
cancer|cancer|cáncer|câncer|Krebs
palliative|palliatifs|paliativos|paliativos|palliativ
obesity|obésité|obesidad|obesidade|Adipositas
smoking|tabagisme|tabaquismo|tabagismo|Rauchen
alcohol|alcool|alcohol|álcool|Alkohol
"""
SWAHILI = _words(
    "malaria kifua kikuu ujauzito mtoto watoto damu homa kisukari shinikizo pumu kuhara lishe "
    "chanjo dawa hospitali zahanati upasuaji maumivu kipindupindu ukimwi moyo figo ini mapafu "
    "ubongo matibabu uchunguzi kinga dharura jamii mama uzazi afya ugonjwa magonjwa mgonjwa "
    "daktari muuguzi mkunga elimu"
)
CONNECTORS = {
    "en": ["in", "and", "of", "for", "the", "with"],
    "fr": ["de", "et", "en", "pour", "la", "le", "des"],
    "es": ["de", "y", "en", "para", "el", "la", "con"],
    "pt": ["de", "e", "em", "para", "o", "a", "com"],
    "de": ["und", "bei", "der", "die", "für", "mit"],
    "sw": ["na", "ya", "kwa", "wa", "katika"],
}
SYLLABLES = {
    "en": ["ab", "cor", "den", "ex", "gra", "hel", "ist", "lin", "mor", "nel", "ost", "per",
           "rin", "sta", "ton", "ver", "wil", "ment", "tion", "ly"],
    "fr": ["bre", "cha", "dou", "eau", "fleu", "gne", "ion", "lai", "mai", "nou", "oir", "pré",
           "que", "rou", "sou", "tré", "vé", "ment", "eur", "elle"],
    "es": ["ba", "ca", "do", "ez", "fue", "gui", "ha", "jo", "lla", "mu", "ña", "pe", "que",
           "ro", "sa", "to", "vi", "ción", "dad", "ero"],
    "pt": ["ba", "ção", "de", "ões", "fi", "gu", "lh", "ma", "nh", "po", "qu", "ra", "sa", "tu",
           "vo", "xa", "zé", "mente", "dade", "ão"],
    "de": ["ber", "che", "dorf", "ein", "feld", "ge", "hof", "ich", "keit", "lich", "mann",
           "nis", "ober", "pf", "sch", "tung", "ung", "ver", "wald", "zeit"],
    "sw": ["ba", "cha", "dhi", "fu", "gwa", "ha", "ji", "ku", "la", "mba", "nda", "nyu", "pa",
           "si", "tu", "wa", "ya", "za", "mwe", "ngo"],
}  # fmt: skip
# Languages of instruction by country (the rest teach in English).
COUNTRY_LANGUAGES: dict[str, list[str]] = {
    **{c: ["fr"] for c in _words("FR SN CI ML BF NE CM CD CG GA BJ TG GN MG HT TD CF BI DJ LU")},
    **{c: ["fr", "en"] for c in _words("BE RW CA")},
    **{c: ["fr", "ar"] for c in _words("MA DZ TN")},
    **{c: ["es"] for c in _words("ES MX CO AR PE CL VE EC BO PY UY CU DO GT HN SV NI CR PA GQ")},
    **{c: ["pt"] for c in _words("PT BR MZ AO GW CV ST TL")},
    **{c: ["de"] for c in _words("DE AT LI")},
    "CH": ["de", "fr"],
    **{c: ["en", "sw"] for c in _words("KE UG")},
    "TZ": ["sw", "en"],
}
# Countries with many medical schools: picked first in their region.
BIG = set(_words("KE TZ UG NG ZA ET BR MX AR CO DE FR ES PT IT GB US CA IN PK BD ID PH VN CN JP"))
WHO_BY_SUBREGION = {
    "202": "AFR", "15": "EMR", "145": "EMR", "419": "AMR", "21": "AMR", "34": "SEAR",
    "35": "SEAR", "30": "WPR", "53": "WPR", "54": "WPR", "57": "WPR", "61": "WPR",
    "39": "EUR", "155": "EUR", "154": "EUR", "151": "EUR", "143": "EUR",
}  # fmt: skip
RESOURCES_BY_INCOME = {
    "HIC": "high-resource",
    "UMC": "limited-resource",
    "LMC": "limited-resource",
    "LIC": "low-resource",
}
CC_LICENCES = ["CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0", "CC0-1.0",
               "CC-BY-ND-4.0", "CC-BY-NC-ND-4.0"]  # fmt: skip
# Languages and their shares of the corpus: a material is written at a school teaching in
# its language (English: at any school).
LANGUAGE_SHARES = [("en", 0.40), ("fr", 0.16), ("es", 0.16), ("pt", 0.12), ("de", 0.08),
                   ("sw", 0.08)]  # fmt: skip
# Grant kinds and their shares of the corpus ("none": the owner school only).
GRANT_MIX = [("public", 0.25), ("consortium", 0.20), ("regions", 0.20), ("income", 0.15),
             ("schools", 0.10), ("none", 0.10)]  # fmt: skip


def _vocabularies(seed: int) -> dict[str, tuple[list[str], list[str]]]:
    """Per language: (real words, the whole vocabulary by rank with the real words spread in)."""
    rnd = random.Random(seed)
    rows = [line.split("|") for line in LEXICON.splitlines() if line.strip()]
    real = {lang: [row[i] for row in rows] for i, lang in enumerate(["en", "fr", "es", "pt", "de"])}
    real["sw"] = list(SWAHILI)
    result = {}
    for lang, words in real.items():
        words = list(dict.fromkeys(words))
        rnd.shuffle(words)
        pseudo: dict[str, None] = {}
        while len(pseudo) < 6_000:
            word = "".join(rnd.choices(SYLLABLES[lang], k=rnd.randint(2, 4)))
            if word not in words:
                pseudo.setdefault(word, None)
        ranked = list(pseudo)
        # Real words at ranks 3, 28, 53 ...: as frequent as mid-frequency words of real text.
        for i, word in enumerate(words):
            ranked.insert(3 + 25 * i, word)
        result[lang] = (words, ranked)
    return result


def _zipf(size: int, shift: float) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank + shift) for rank in range(size)))


@dataclass(frozen=True)
class SchoolSpec:
    id: int
    name: str
    country: str
    region: str
    income: str
    languages: tuple[str, ...]
    active: bool


@dataclass
class Corpus:
    """A deterministic synthetic multilingual corpus of materials for the hub's tables."""

    seed: int = 2026
    schools: list[SchoolSpec] = field(default_factory=list)

    def __post_init__(self) -> None:
        from hub.services import geography

        self.vocab = _vocabularies(self.seed)
        self.title_weights = {lang: _zipf(len(v[0]), 5.0) for lang, v in self.vocab.items()}
        self.text_weights = {lang: _zipf(len(v[1]), 2.7) for lang, v in self.vocab.items()}
        by_region: dict[str, list[Any]] = {}
        for country in geography.countries():
            if country.income_group and country.subregion_code:
                by_region.setdefault(country.subregion_code, []).append(country)
        for group in by_region.values():
            # Countries teaching in the corpus's other languages first: a multilingual mix.
            group.sort(key=lambda c: (c.iso2 not in COUNTRY_LANGUAGES, c.iso2 not in BIG, c.name))
        regions = sorted(by_region)
        picked = []
        for n in itertools.count():
            for code in regions:
                group = by_region[code]
                picked.append(group[n % len(group)])
            if len(picked) >= N_SCHOOLS:
                break
        kinds = ["Faculty of Medicine", "School of Health Sciences", "Medical College",
                 "College of Nursing and Midwifery", "School of Public Health"]  # fmt: skip
        for n, country in enumerate(picked[:N_SCHOOLS]):
            self.schools.append(
                SchoolSpec(
                    id=n + 1,
                    name=f"{country.name} {kinds[n % len(kinds)]} {n + 1}",
                    country=country.iso2,
                    region=country.subregion_code,
                    income=country.income_group,
                    languages=tuple(COUNTRY_LANGUAGES.get(country.iso2, ["en"])),
                    active=(n + 1) % 50 != 0,  # four suspended schools
                )
            )

        self.teaching = {
            lang: [s for s in self.schools if lang == "en" or lang in s.languages]
            for lang, _ in LANGUAGE_SHARES
        }

    # text ----------------------------------------------------------------------------

    def _title_words(self, rnd: random.Random, lang: str, k: int) -> list[str]:
        real = self.vocab[lang][0]
        return rnd.choices(real, cum_weights=self.title_weights[lang], k=k)

    def _text(self, rnd: random.Random, lang: str, k: int) -> str:
        words = rnd.choices(self.vocab[lang][1], cum_weights=self.text_weights[lang], k=k)
        joiners = CONNECTORS[lang]
        out: list[str] = []
        for i, word in enumerate(words):
            out.append(word)
            if i % 3 == 1:
                out.append(rnd.choice(joiners))
        return " ".join(out)

    def title(self, rnd: random.Random, lang: str, k: int | None = None) -> str:
        """Words of the real vocabulary with connectors: a title, or a summary's sentence."""
        words = self._title_words(rnd, lang, k or rnd.randint(3, 6))
        out = [words[0]]
        for word in words[1:]:
            if rnd.random() < 0.4:
                out.append(rnd.choice(CONNECTORS[lang]))
            out.append(word)
        text = " ".join(out)
        return text[0].upper() + text[1:]

    def query(self, rnd: random.Random) -> str:
        """Two words of one language's real vocabulary (languages as common as in the corpus)."""
        return " ".join(rnd.sample(self.vocab[self._language(rnd)][0], 2))

    @staticmethod
    def _language(rnd: random.Random) -> str:
        return rnd.choices([c for c, _ in LANGUAGE_SHARES], [w for _, w in LANGUAGE_SHARES])[0]

    # rows ----------------------------------------------------------------------------

    def rows(
        self, n: int, now: dt.datetime
    ) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
        """Material, version and grant rows of the n-th material (ids n + 1)."""
        from hub.models import MaterialKind
        from hub.services import vocabularies as v

        rnd = random.Random(self.seed * 1_000_003 + n)
        lang = self._language(rnd)
        school = rnd.choice(self.teaching[lang])
        rtype = rnd.choice(list(v.RESOURCE_TYPES))
        kind = rnd.choices([k for k, _ in GRANT_MIX], weights=[w for _, w in GRANT_MIX])[0]
        licence = rnd.choice(CC_LICENCES if kind == "public" else list(v.LICENCE_NAMES))
        published = now - dt.timedelta(minutes=rnd.randrange(8 * 365 * 24 * 60))
        material_id = n + 1
        roll = rnd.random()
        material = {
            "id": material_id,
            "kind": MaterialKind.MATERIAL,
            "school_id": school.id,
            "created_by_id": None,
            "created_at": published,
            "translation_of_id": None,
            "adapted_from_version_id": None,
            "teachers_only": rtype == "question-bank" or rnd.random() < 0.03,
            "available_from": now + dt.timedelta(days=30) if roll < 0.01 else None,
            "available_until": None,
            "retired_at": now if 0.01 <= roll < 0.02 else None,
            "popularity": int(rnd.paretovariate(1.2)) - 1,
        }
        version = self._version(rnd, lang, school, rtype, licence, published, material_id)
        grants = self._grants(rnd, kind, school, licence, published, material_id, now)
        return material, version, grants

    def _version(
        self, rnd: random.Random, lang: str, school: SchoolSpec, rtype: str, licence: str,
        published: dt.datetime, material_id: int,
    ) -> dict[str, Any]:  # fmt: skip
        """The row of the material's one published version."""
        from hub.models import PatientData, VersionState
        from hub.services import vocabularies as v

        others = ["en"] if lang != "en" and rnd.random() < 0.1 else []
        return {
            "id": material_id,
            "material_id": material_id,
            "number": 1,
            "state": VersionState.PUBLISHED,
            "revision": 1,
            "change_note": "First edition.",
            "title": self.title(rnd, lang),
            "summary": self.title(rnd, lang, rnd.randint(8, 20)) + ".",
            "language": lang,
            "other_languages": others,
            "countries": [school.country],
            "regions": [school.region],
            "who_regions": [WHO_BY_SUBREGION.get(school.region, "AFR")],
            "income": [school.income],
            "income_fiscal_year": "",
            "financing": rnd.sample(list(v.FINANCING), rnd.randint(0, 1)),
            "setting": rnd.sample(list(v.SETTINGS), rnd.randint(1, 2)),
            "resources": [RESOURCES_BY_INCOME[school.income]],
            "tags": [],
            "level": rnd.choice(list(v.LEVELS)),
            "resource_type": rtype,
            "topics": [
                " ".join(self._title_words(rnd, lang, rnd.randint(1, 2))).capitalize()
                for _ in range(rnd.randint(1, 3))
            ],
            "licence": licence,
            "authors": [f"Author {rnd.randrange(5000)}"],
            "educational_context": [rnd.choice(list(v.EDUCATIONAL_CONTEXTS))],
            "professions": rnd.sample(list(v.PROFESSIONS), rnd.randint(1, 2)),
            "specialty": "",
            "patient_data": PatientData.NONE,
            "consent_scope": None,
            "objectives": [],
            "estimated_hours": None,
            "extracted_text": self._text(rnd, lang, rnd.randint(40, 120)),
            "created_by_id": None,
            "created_at": published,
            "updated_at": published,
            "published_at": published,
        }

    def _grants(
        self, rnd: random.Random, kind: str, school: SchoolSpec, licence: str,
        published: dt.datetime, material_id: int, now: dt.datetime,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """The material's audience grants: one of ``kind``, sometimes a partner school more."""
        from hub.models import GrantKind

        grants: list[dict[str, Any]] = []

        def grant(kind: str, values: list[str]) -> None:
            rights = rnd.choice([(True, False, False), (True, True, False), (True, True, True)])
            grants.append(
                {
                    "material_id": material_id,
                    "kind": GrantKind(kind),
                    "values": values,
                    "can_view": rights[0],
                    "can_download": rights[1],
                    "can_adapt": rights[2] and "-ND-" not in licence,
                    # A few grants ran out: they admit nobody any more.
                    "expires_at": now - dt.timedelta(days=1) if rnd.random() < 0.02 else None,
                    "created_by_id": None,
                    "created_at": published,
                }
            )

        regions = sorted({s.region for s in self.schools})
        if kind in ("public", "consortium"):
            grant(kind, [])
        elif kind == "regions":
            grant(kind, sorted({school.region, *rnd.sample(regions, rnd.randint(1, 2))}))
        elif kind == "income":
            grant(kind, sorted(rnd.sample(["HIC", "UMC", "LMC", "LIC"], rnd.randint(1, 2))))
        elif kind == "schools":
            grant(kind, [str(s.id) for s in rnd.sample(self.schools, rnd.randint(2, 5))])
        if kind != "none" and rnd.random() < 0.05:  # a partner school on top
            grant("schools", [str(rnd.choice(self.schools).id)])
        return grants

    # the library's view ------------------------------------------------------------------

    def material(self, n: int, now: dt.datetime = FIXED_NOW) -> IndexedMaterial:
        """The n-th material as the library indexes it, with access tokens of its grants
        (``school:<id>`` for the owner and partner schools, ``region:``, ``income:``,
        ``public``, ``consortium``), in place of the hub's policy."""
        material, version, grants = self.rows(n, now)
        school = self.schools[material["school_id"] - 1]
        tokens = {f"school:{school.id}"}
        for grant in grants:
            if grant["expires_at"] is not None:
                continue
            kind = str(grant["kind"].value)
            if kind in ("public", "consortium"):
                tokens.add(kind)
            else:
                prefix = {"regions": "region", "income": "income", "schools": "school"}[kind]
                tokens.update(f"{prefix}:{value}" for value in grant["values"])
        return IndexedMaterial(
            id=str(material["id"]),
            fingerprint=f"v1:{n}",
            body=version["extracted_text"],
            languages=[version["language"], *version["other_languages"]],
            **{key: version[key] for key in SAME_IN_BOTH},
            audience=version["professions"],
            school=str(school.id),
            school_name=school.name,
            published=version["published_at"],
            popularity=material["popularity"],
            access_tokens=sorted(tokens),
        )

    def materials(self, count: int) -> Iterator[IndexedMaterial]:
        """The first ``count`` materials as the library indexes them."""
        return (self.material(n) for n in range(count))

    def person_tokens(self, rnd: random.Random, kind: str) -> list[str]:
        """Access tokens (as :meth:`material` gives them) of an ``anonymous`` visitor, a
        ``member`` of an active school, or a ``partner`` who sees only what names its school."""
        if kind == "anonymous":
            return ["public"]
        school = rnd.choice([s for s in self.schools if s.active])
        if kind == "partner":
            return [f"school:{school.id}"]
        return ["public", "consortium", f"region:{school.region}", f"income:{school.income}",
                f"school:{school.id}"]  # fmt: skip
