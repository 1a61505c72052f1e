"""Scoring with each segment's field lengths read once gives Whoosh's BM25F scores."""

from __future__ import annotations

import random
from pathlib import Path

import whoosh.index
from whoosh.scoring import BM25F

from search_index import rebuild
from search_index.scoring import CachedLengthsBM25F, segment_lengths
from tests.search_index.factories import make_material

WORDS = [
    "malaria",
    "fever",
    "child",
    "vaccine",
    "anemia",
    "kidney",
    "lung",
    "sepsis",
    "care",
    "triage",
    "dose",
]


def _score_pairs(folder: Path) -> list[tuple[float, float]]:
    """(Whoosh's score, ours) of every posting of every term of the text fields."""
    ix = whoosh.index.open_dir(str(folder))
    pairs = []
    with ix.searcher() as top:
        for sub, _offset in top.leaf_searchers():
            reader = sub.reader()
            ours = CachedLengthsBM25F(segment_lengths)
            for fieldname in ("text", "title", "topics"):
                for term in list(reader.lexicon(fieldname))[:60]:
                    theirs_scorer = BM25F().scorer(sub, fieldname, term)
                    our_scorer = ours.scorer(sub, fieldname, term)
                    matcher = reader.postings(fieldname, term)
                    while matcher.is_active():
                        pairs.append((theirs_scorer.score(matcher), our_scorer.score(matcher)))
                        matcher.next()
    ix.close()
    return pairs


def test_scores_are_whooshs_to_the_last_bit(tmp_path: Path) -> None:
    rnd = random.Random(3)
    docs = [
        make_material(
            title=" ".join(rnd.choices(WORDS, k=rnd.randint(1, 6))),
            topics=[" ".join(rnd.choices(WORDS, k=2))] if rnd.random() < 0.7 else [],
            body=" ".join(rnd.choices(WORDS, k=rnd.randint(0, 400))),
        )
        for _ in range(300)
    ]
    index = rebuild(tmp_path / "ix", iter(docs), position=1)
    # A second segment written by Whoosh's own writer, as the follower writes them.
    index.apply([make_material(title="malaria again", body="fever " * 30)], [], position=2)
    generation = index.path / "current"
    index.close()
    pairs = _score_pairs(generation)
    assert len(pairs) > 1000
    assert all(theirs == ours for theirs, ours in pairs)
