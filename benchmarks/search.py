"""Benchmark of the search_index library over a synthetic multilingual corpus.

(placeholder: corpus generator only; main() follows)
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from search_index import IndexedMaterial

LANGUAGES: list[tuple[str, float, tuple[str, ...]]] = [
    # code, share of the corpus, inflection endings that the stemmer should fold
    ("en", 0.38, ("", "s", "ing", "ed")),
    ("fr", 0.14, ("", "s", "e", "es")),
    ("es", 0.12, ("", "s", "es")),
    ("pt", 0.10, ("", "s", "es")),
    ("de", 0.06, ("", "en", "e", "er")),
    ("ar", 0.05, ("",)),
    ("ru", 0.04, ("", "ы", "ов")),
    ("it", 0.04, ("", "i", "e")),
    ("sw", 0.04, ("",)),  # no stemmer: indexed by the neutral fields only
    ("nl", 0.03, ("", "en", "s")),
]
SYLLABLES = {
    "ar": ["با", "تي", "جو", "دا", "ري", "سو", "مي", "نا", "لو", "كا"],
    "ru": ["ка", "ло", "ми", "на", "ре", "то", "си", "ва", "пу", "до"],
}
LATIN = ["ba", "ce", "di", "fo", "gu", "ha", "ki", "lo", "ma", "ne", "pi", "ro", "sa", "te", "vu", "xa", "zo", "tra", "ple", "cri", "mon", "san", "ter", "vel"]
SUBREGIONS = ["002", "014", "017", "018", "011", "015", "021", "029", "013", "005", "030",
              "034", "035", "143", "145", "151", "154", "155", "039", "053", "054"]
WHO = ["AFR", "AMR", "SEAR", "EUR", "EMR", "WPR"]
INCOME = ["HIC", "UMC", "LMC", "LIC"]
FINANCING = ["nhs", "nhi", "shi", "etatist-shi", "private", "out-of-pocket"]
SETTING = ["primary-care", "community", "district-hospital", "tertiary-hospital",
           "rural-remote", "humanitarian", "public-health"]
RESOURCES = ["high-resource", "limited-resource", "low-resource"]
LEVELS = ["preclinical", "clinical", "postgraduate", "cpd"]
TYPES = ["lecture", "slides", "video", "case", "virtual-patient", "question-bank",
         "simulation", "guideline", "scorm-package", "other"]
AUDIENCE = ["medicine", "nursing", "midwifery", "pharmacy", "dentistry", "allied-health"]
LICENCES = ["CC0-1.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0",
            "CC-BY-ND-4.0", "CC-BY-NC-ND-4.0", "LicenseRef-Consortium"]


@dataclass(frozen=True)
class School:
    id: str
    region: str
    income: str
    country: str


@dataclass
class Corpus:
    """Generator state: vocabularies per language, schools, and the access populations."""

    seed: int
    n_schools: int = 200
    vocab_size: int = 20_000

    def __post_init__(self) -> None:
        rnd = random.Random(self.seed)
        self.vocab: dict[str, list[str]] = {}
        self.cum_weights: dict[str, list[float]] = {}
        for code, _, _ in LANGUAGES:
            syll = SYLLABLES.get(code, LATIN)
            words: dict[str, None] = {}
            while len(words) < self.vocab_size:
                words.setdefault("".join(rnd.choices(syll, k=rnd.randint(2, 5))), None)
            self.vocab[code] = list(words)
            # Zipf-Mandelbrot frequencies, as in natural text: the top 100 words make half the text.
            self.cum_weights[code] = list(
                itertools.accumulate(1.0 / (rank + 2.7) for rank in range(self.vocab_size))
            )
        self.schools = [
            School(
                id=f"s{n:03d}",
                region=SUBREGIONS[n % len(SUBREGIONS)],
                income=INCOME[(n * 7) % len(INCOME)],
                country=f"C{n % 90:02d}",
            )
            for n in range(self.n_schools)
        ]

    def _words(self, rnd: random.Random, code: str, k: int) -> list[str]:
        endings = next(e for c, _, e in LANGUAGES if c == code)
        stems = rnd.choices(self.vocab[code], cum_weights=self.cum_weights[code], k=k)
        return [s + rnd.choice(endings) for s in stems]

    def material(self, n: int) -> IndexedMaterial:
        """The n-th synthetic material (deterministic for a seed)."""
        rnd = random.Random(self.seed * 1_000_003 + n)
        code = rnd.choices([c for c, _, _ in LANGUAGES], weights=[w for _, w, _ in LANGUAGES])[0]
        langs = [code] + (["en"] if code != "en" and rnd.random() < 0.1 else [])
        school = self.schools[rnd.randrange(len(self.schools))]
        tokens = [f"school:{school.id}"]
        grant = rnd.random()
        # Audience grants: about a quarter public, a fifth consortium-wide, the rest narrower.
        if grant < 0.25:
            tokens.append("public")
        elif grant < 0.45:
            tokens.append("consortium")
        elif grant < 0.70:
            tokens.extend(f"region:{r}" for r in rnd.sample(SUBREGIONS, 2))
        elif grant < 0.85:
            tokens.append(f"income:{rnd.choice(INCOME)}")
        else:
            tokens.extend(f"school:{s.id}" for s in rnd.sample(self.schools, 3))
        return IndexedMaterial(
            id=f"m{n:07d}",
            fingerprint=f"v1:{n}",
            title=" ".join(self._words(rnd, code, rnd.randint(4, 8))),
            summary=" ".join(self._words(rnd, code, rnd.randint(15, 35))),
            topics=[" ".join(self._words(rnd, code, 2)) for _ in range(rnd.randint(1, 3))],
            body=" ".join(self._words(rnd, code, rnd.randint(80, 200))),
            language=code,
            languages=langs,
            regions=[school.region],
            countries=[school.country],
            who_regions=[WHO[int(school.region) % len(WHO)]],
            income=[school.income],
            financing=rnd.sample(FINANCING, rnd.randint(0, 2)),
            setting=rnd.sample(SETTING, rnd.randint(0, 2)),
            resources=rnd.sample(RESOURCES, rnd.randint(0, 1)),
            level=rnd.choice(LEVELS),
            resource_type=rnd.choice(TYPES),
            audience=rnd.sample(AUDIENCE, rnd.randint(1, 2)),
            licence=rnd.choice(LICENCES),
            school=school.id,
            school_name=f"School {school.id}",
            published=datetime(2015, 1, 1, tzinfo=UTC) + timedelta(minutes=rnd.randrange(5_000_000)),
            popularity=int(rnd.paretovariate(1.2)) - 1,
            access_tokens=tokens,
        )

    def materials(self, count: int) -> Iterator[IndexedMaterial]:
        for n in range(count):
            yield self.material(n)

    def person_tokens(self, rnd: random.Random, kind: str) -> list[str]:
        """Access tokens of a person: anonymous (public only), a member, or a partner-only view."""
        if kind == "anonymous":
            return ["public"]
        school = self.schools[rnd.randrange(len(self.schools))]
        if kind == "partner":
            return [f"school:{school.id}"]
        return ["public", "consortium", f"region:{school.region}", f"income:{school.income}",
                f"school:{school.id}"]

    def query_words(self, rnd: random.Random) -> str:
        """A 2-word query in one language, both words from the mid-frequency band."""
        code = rnd.choices([c for c, _, _ in LANGUAGES], weights=[w for _, w, _ in LANGUAGES])[0]
        return " ".join(rnd.sample(self.vocab[code][20:200], 2))
