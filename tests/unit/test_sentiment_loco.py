"""Leave-one-corpus-out bookkeeping: no text of the left-out corpus reaches training, scores are honest.

Needs the training packages (requirements-train.txt); skipped without them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

np = pytest.importorskip("numpy")
pytest.importorskip("sklearn")
sparse = pytest.importorskip("scipy.sparse")

from chalicelib.analysis.analyzer import MODEL_DIR  # noqa: E402
from chalicelib.analysis.language import LanguageModel  # noqa: E402
from chalicelib.analysis.sentiment import FeatureConfig, Lexicon  # noqa: E402
from chalicelib.analysis.training import data, loco  # noqa: E402
from chalicelib.analysis.training.data import Example  # noqa: E402
from chalicelib.analysis.training.sentiment_model import TrainConfig  # noqa: E402

NEG, NEU, POS = 0, 1, 2


def _part(texts: list[tuple[str, str, str]]) -> loco.Featurised:
    examples = [Example(text, label, lang, "test") for text, label, lang in texts]
    matrix = sparse.csr_matrix(np.eye(len(examples), 8))
    return loco.Featurised(examples, matrix, [data.fingerprint(e.text) for e in examples])


@pytest.fixture
def cache() -> loco.FeatureCache:
    features = loco.FeatureCache(
        LanguageModel.load(MODEL_DIR / "language.bin"),
        Lexicon({}),
        FeatureConfig(hash_bits=3),
        stamp="test",
        directory=None,
    )
    features._reported = frozenset({data.fingerprint("reported dev text")})
    features._memory.update(
        {
            "sb10k": _part([("Schöner Tag", "positive", "de"), ("Die Bahn kommt", "neutral", "de")]),
            "semeval": _part(
                [
                    ("nice day!", "positive", "en"),
                    ("Die Bahn kommt.", "neutral", "en"),
                    ("bad", "negative", "en"),
                ]
            ),
            loco.TEMPLATES: _part([("reported dev text", "neutral", "en"), ("Mist", "negative", "de")]),
        }
    )
    return features


def _recipe(**changes: object) -> loco.Recipe:
    settings: dict[str, object] = {
        "corpora": ("sb10k", "semeval"),
        "training": TrainConfig(german_weight=2.0),
        "max_per_corpus": None,
    }
    settings.update(changes)
    return loco.Recipe(**settings)  # type: ignore[arg-type]


def test_left_out_corpus_and_its_duplicates_never_reach_training(cache: loco.FeatureCache) -> None:
    # Given "Die Bahn kommt" in SB10k and, with other punctuation, in SemEval
    # When SB10k is left out
    matrix, labels, weights = loco.training_rows(_recipe(), cache, exclude="sb10k")
    # Then neither copy is trained on, nor is the reported development text: "nice day!", "bad", "Mist"
    assert matrix.shape[0] == 3
    assert sorted(labels.tolist()) == [NEG, NEG, POS]
    # and German texts count double, per text (the templates mix both languages)
    assert sorted(weights.tolist()) == [1.0, 1.0, 2.0]


def test_corpus_cap_keeps_a_fixed_sample(cache: loco.FeatureCache) -> None:
    first = loco.training_rows(_recipe(max_per_corpus=1), cache)[1]
    again = loco.training_rows(_recipe(max_per_corpus=1), cache)[1]
    assert len(first) == 1 + 1 + 1  # one per corpus and one template
    assert first.tolist() == again.tolist()


def test_score_reports_recalls_and_the_always_neutral_baseline() -> None:
    corpus = data.corpus("sb10k")
    gold = [NEU, NEU, NEU, NEG, POS]
    predicted = [NEU, POS, NEU, NEG, NEG]
    result = loco.score(corpus, gold, predicted)
    assert result.accuracy == pytest.approx(3 / 5)
    assert result.recalls == {"negative": 1.0, "neutral": pytest.approx(2 / 3), "positive": 0.0}
    assert result.baseline_accuracy == pytest.approx(3 / 5)
    assert result.baseline_macro_f1 == pytest.approx((0 + 2 * 3 / 8 + 0) / 3)


def test_score_of_a_two_class_corpus_averages_only_its_classes() -> None:
    result = loco.score(data.corpus("uci"), [NEG, POS], [NEG, POS])
    assert result.macro_f1 == 1.0
    assert result.recalls["neutral"] is None


def test_neutral_offset_is_chosen_without_the_corpus_it_is_reported_on() -> None:
    # Given one corpus that is right only with a neutral offset between 1 and 2, one only below 0.5
    needs_shift = loco.Fold(
        data.corpus("sb10k"), np.array([NEU, NEG]), np.array([[0.0, -1.0, 0.0], [2.0, 0.0, 0.0]]), 2
    )
    fine = loco.Fold(
        data.corpus("potts"), np.array([NEU, NEG]), np.array([[0.0, 1.0, 0.0], [1.0, 0.5, 0.0]]), 2
    )
    # Then the offset for reporting on the first corpus is chosen on the second alone, and vice versa
    assert -1.0 < loco.choose_offset([needs_shift, fine], skip="sb10k") < 0.5
    assert 1.0 < loco.choose_offset([needs_shift, fine], skip="potts") < 2.0
    assert needs_shift.score(1.5).accuracy == 1.0


def test_every_corpus_folder_is_registered() -> None:
    folders = {path.name for path in (data.sentiment_dir()).glob("*/*") if path.is_dir()}
    if not folders:
        pytest.skip("shared data not mounted")
    registered = {
        "sb10k": "sb10k",
        "potts": "potts",
        "mozetic-de": "mozetic-twitter-de",
        "xed-de": "xed-de-projections",
        "semeval": "semeval2013-2016",
        "tweeteval-val": "tweeteval-val",
        "dynasent": "dynasent-r1-dev",
        "uci": "uci-sentiment-sentences",
        "goemotions": "goemotions-sentiment",
    }
    assert {registered[c.name] for c in data.CORPORA} == folders
    assert Path(data.sentiment_dir()).is_dir()
