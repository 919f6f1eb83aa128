"""CV-SMC: label derivation, vocabulary, Top-1 and Macro-F1 over ALL vocabulary classes (checked against
scikit-learn with ``labels=``, and shown to differ from its default), errors, and the real release."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import f1_score

from proceval.benchmarks.impact.cv_protocols import build_cv_smc_segments
from proceval.benchmarks.impact.cv_segments import load_cv_annotations, split_trials
from proceval.errors import InputValidationError
from proceval.scores.cv_smc import build_vocabulary, cv_smc_levels_scores, cv_smc_scores, derive_label

VOCAB = [
    "retrieve_adapter_plate",
    "screw_on_anti_vibration_handle",
    "store_adapter_plate",
    "store_tool",
    "unscrew_anti_vibration_handle",
]


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("coarse", "screw_on_anti_vibration_handle"),
        ("verb", "screw"),
        ("noun", "on_anti_vibration_handle"),
        ("verb_noun", "screw::on_anti_vibration_handle"),
    ],
)
def test_derive_label(level: str, expected: str) -> None:
    assert derive_label("SCREW_ON_ANTI_VIBRATION_HANDLE", level) == expected


def test_vocabulary_is_sorted_union() -> None:
    assert build_vocabulary(VOCAB, "verb") == ["retrieve", "screw", "store", "unscrew"]
    assert build_vocabulary(VOCAB, "noun") == [
        "adapter_plate",
        "anti_vibration_handle",
        "on_anti_vibration_handle",
        "tool",
    ]


PRED = ["store_tool", "store_tool", "store_adapter_plate", "retrieve_adapter_plate"]
REF = ["store_tool", "store_adapter_plate", "store_adapter_plate", "store_tool"]


def test_coarse_hand_computed() -> None:
    r = cv_smc_scores(PRED, REF, vocabulary=VOCAB)
    # store_tool: P 1/2, R 1/2 -> 1/2; store_adapter_plate: P 1, R 1/2 -> 2/3; the other 3 classes: 0
    assert r["top1_accuracy"] == 0.5
    assert r["macro_f1"] == pytest.approx((1 / 2 + 2 / 3) / 5)
    assert r["per_class_f1"]["screw_on_anti_vibration_handle"] == 0.0
    assert r["num_classes"] == 5 and r["num_classes_in_references"] == 2
    assert r["signature"].startswith("cv_smc|lvl:coarse|in:coarse|avg:vocabulary|nc:5|")


def test_verb_and_noun_levels_hand_computed() -> None:
    verb = cv_smc_scores(PRED, REF, vocabulary=VOCAB, label_level="verb")
    # verbs: pred [store, store, store, retrieve], ref [store]*4 -> store F1 = 2*1*0.75/1.75; 3 others 0
    assert verb["top1_accuracy"] == 0.75
    assert verb["macro_f1"] == pytest.approx((2 * 0.75 / 1.75) / 4)
    noun = cv_smc_scores(PRED, REF, vocabulary=VOCAB, label_level="noun")
    # nouns: pred [tool, tool, adapter_plate, adapter_plate], ref [tool, adapter_plate, adapter_plate, tool]
    assert noun["top1_accuracy"] == 0.5 and noun["macro_f1"] == pytest.approx((0.5 + 0.5) / 4)
    vn = cv_smc_scores(PRED, REF, vocabulary=VOCAB, label_level="verb_noun")
    coarse = cv_smc_scores(PRED, REF, vocabulary=VOCAB)
    assert vn["macro_f1"] == coarse["macro_f1"] and "store::tool" in vn["per_class_f1"]


def test_macro_f1_matches_sklearn_with_labels_but_not_its_default() -> None:
    r = cv_smc_scores(PRED, REF, vocabulary=VOCAB)
    official = f1_score(REF, PRED, labels=VOCAB, average="macro", zero_division=0)
    sklearn_default = f1_score(REF, PRED, average="macro", zero_division=0)  # classes in REF ∪ PRED only
    assert r["macro_f1"] == pytest.approx(official)
    assert sklearn_default == pytest.approx((1 / 2 + 2 / 3 + 0) / 3)
    assert r["macro_f1"] < sklearn_default
    present = cv_smc_scores(PRED, REF, vocabulary=VOCAB, macro_average="present")
    assert present["macro_f1"] == pytest.approx(sklearn_default)


def test_ids_train_labels_and_level_inputs() -> None:
    ids = cv_smc_scores([VOCAB.index(x) for x in PRED], [VOCAB.index(x) for x in REF], vocabulary=VOCAB)
    assert ids["macro_f1"] == cv_smc_scores(PRED, REF, vocabulary=VOCAB)["macro_f1"]
    # vocabulary = sorted(train ∪ references): here 3 classes, not 5
    built = cv_smc_scores(PRED, REF, train_labels=["retrieve_adapter_plate"])
    assert built["num_classes"] == 3
    assert built["macro_f1"] == pytest.approx((1 / 2 + 2 / 3) / 3)
    lvl = cv_smc_scores(
        ["store", "store"],
        ["store", "retrieve"],
        vocabulary=["retrieve", "store"],
        input_level="level",
        label_level="verb",
    )
    assert lvl["top1_accuracy"] == 0.5 and lvl["macro_f1"] == pytest.approx((2 / 3) / 2)
    mapped = cv_smc_scores(
        {"s2": "store_tool", "s1": "store_tool"},
        {"s1": "store_tool", "s2": "store_adapter_plate"},
        vocabulary=VOCAB,
    )
    assert mapped["top1_accuracy"] == 0.5


def test_empty_input_policy() -> None:
    r = cv_smc_scores([], [], vocabulary=VOCAB)
    assert math.isnan(r["top1_accuracy"]) and math.isnan(r["macro_f1"]) and r["num_instances"] == 0


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((["store_toolz"], ["store_tool"]), {"vocabulary": VOCAB}, "Unknown coarse label 'store_toolz'"),
        (([7], [0]), {"vocabulary": VOCAB}, r"\[0, 5\)"),
        (([0], [0]), {"train_labels": ["store_tool"]}, "no `vocabulary`"),
        ((["store_tool"], ["store_tool"]), {}, "neither"),
        ((["null"], ["store_tool"]), {"vocabulary": [*VOCAB, "null"], "label_level": "verb"}, "'verb_noun'"),
        ((["store_tool"], ["store_tool"]), {"vocabulary": ["store_tool", "store_tool"]}, "unique"),
        ((["store_tool"], ["store_tool"]), {"vocabulary": VOCAB, "label_level": "object"}, "label_level"),
        ((["store_tool"], ["store_tool"]), {"vocabulary": VOCAB, "macro_average": "micro"}, "macro_average"),
        ((["store_tool"], ["store_tool"]), {"vocabulary": VOCAB, "input_level": "fine"}, "input_level"),
        ((["store_tool"], ["store_tool", "store_tool"]), {"vocabulary": VOCAB}, "one entry per prediction"),
        (([1.5], ["store_tool"]), {"vocabulary": VOCAB}, "name or id"),
    ],
)
def test_errors(args: tuple, kwargs: dict, match: str) -> None:
    with pytest.raises(InputValidationError, match=match):
        cv_smc_scores(*args, **kwargs)


def _reference_cv_smc(pred, ref, vocab):
    """Plain loops over the vocabulary, precision 0 without predictions, recall 0 without support."""
    f1s = []
    for c in vocab:
        tp = sum(p == c and r == c for p, r in zip(pred, ref, strict=False))
        n_pred = sum(p == c for p in pred)
        n_ref = sum(r == c for r in ref)
        prec = tp / n_pred if n_pred else 0.0
        rec = tp / n_ref if n_ref else 0.0
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return sum(p == r for p, r in zip(pred, ref, strict=False)) / len(ref), sum(f1s) / len(f1s)


@pytest.mark.parametrize("level", ["coarse", "verb", "noun"])
def test_against_reference_on_random_inputs(level: str) -> None:
    rng = np.random.default_rng(1)
    ref = [VOCAB[i] for i in rng.integers(0, 3, 200)]  # classes 3, 4 absent from the references
    pred = [VOCAB[i] for i in rng.integers(0, 4, 200)]
    got = cv_smc_scores(pred, ref, vocabulary=VOCAB, label_level=level)
    top1, macro = _reference_cv_smc(
        [derive_label(p, level) for p in pred],
        [derive_label(r, level) for r in ref],
        build_vocabulary(VOCAB, level),
    )
    assert got["top1_accuracy"] == pytest.approx(top1) and got["macro_f1"] == pytest.approx(macro)


def test_bootstrap_and_paired() -> None:
    rng = np.random.default_rng(0)
    ref = [VOCAB[i] for i in rng.integers(0, 5, 100)]
    noisy = [r if rng.random() < 0.6 else VOCAB[0] for r in ref]
    r = cv_smc_scores(noisy, ref, vocabulary=VOCAB, bootstrap=100, seed=2)
    lo, hi = r["ci"]["macro_f1"]
    assert lo <= r["macro_f1"] <= hi and "bs:100|ci:0.95|rs:2|" in r["signature"]
    paired = cv_smc_scores(ref, ref, vocabulary=VOCAB, paired_predictions=noisy, bootstrap=100)["paired"][
        "top1_accuracy"
    ]
    assert paired["a"] == 1.0 and paired["delta"] > 0


@pytest.mark.impact_release
@pytest.mark.parametrize(("protocol", "present"), [(1, 25), (3, 22)])
def test_real_release_gt_and_perturbed(impact_dataset_dir: Path, protocol: int, present: int) -> None:
    cv = impact_dataset_dir / "CV"
    train, test = build_cv_smc_segments(
        load_cv_annotations(cv / "annotations_CAS"),
        train_trials=split_trials(cv / "splits_CAS", "train", protocol),
        test_trials=split_trials(cv / "splits_CAS", "test", protocol),
    )
    vocab = build_vocabulary([s.label for s in train + test])
    assert len(vocab) == 25
    ref = [s.label for s in test]
    gt = cv_smc_scores(ref, ref, vocabulary=vocab)
    # GT vs itself: Top-1 is perfect, Macro-F1 is the share of vocabulary classes present in the test set
    assert gt["top1_accuracy"] == 1.0 and gt["macro_f1"] == pytest.approx(present / 25)
    pred = [vocab[(vocab.index(r) + 1) % 25] if i % 7 == 0 else r for i, r in enumerate(ref)]
    for level in ("coarse", "verb", "noun", "verb_noun"):
        got = cv_smc_scores(pred, ref, vocabulary=vocab, label_level=level)
        p = [derive_label(x, level) for x in pred]
        r = [derive_label(x, level) for x in ref]
        labels = build_vocabulary(vocab, level)
        assert got["macro_f1"] == pytest.approx(
            f1_score(r, p, labels=labels, average="macro", zero_division=0)
        )
        assert got["top1_accuracy"] == pytest.approx(np.mean(np.asarray(p) == np.asarray(r)))


# ------------------------------------------------------------------ fast label lookup (same numbers)


def _perturbed(n: int, seed: int) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    ref = [VOCAB[i] for i in rng.integers(0, len(VOCAB), n)]
    pred = [
        VOCAB[i] if rng.random() < 0.4 else r
        for r, i in zip(ref, rng.integers(0, len(VOCAB), n), strict=True)
    ]
    return pred, ref


@pytest.mark.parametrize("level", ["coarse", "verb", "noun", "verb_noun"])
def test_fast_lookup_equals_per_instance_path(level: str) -> None:
    pred, ref = _perturbed(500, 3)
    want = cv_smc_scores(pred, ref, vocabulary=VOCAB, label_level=level)
    # other spellings (case, spaces) and label ids take the per-instance path; numpy ids the gather path
    spelled = cv_smc_scores([p.upper() + " " for p in pred], ref, vocabulary=VOCAB, label_level=level)
    ids = [VOCAB.index(p) for p in pred]
    as_ids = cv_smc_scores(ids, ref, vocabulary=VOCAB, label_level=level)
    as_array = cv_smc_scores(
        np.asarray(ids), np.asarray([VOCAB.index(r) for r in ref]), vocabulary=VOCAB, label_level=level
    )
    from_train = cv_smc_scores(pred, ref, train_labels=VOCAB, label_level=level)
    for other in (spelled, as_ids, as_array, from_train):
        for key in ("top1_accuracy", "macro_f1", "per_class_f1", "per_class_support", "num_classes"):
            assert other[key] == want[key], key


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ("store_toolz", r"Unknown coarse label 'store_toolz' in `predictions` for 'seg7'"),
        (True, r"label name or id in `predictions` for 'seg7', but got True"),
        (2.5, r"label name or id in `predictions` for 'seg7', but got 2.5"),  # 1.0 is id 1 (JSON)
        (len(VOCAB), r"label ids in \[0, 5\) in `predictions` for 'seg7'"),
        (["store_tool"], r"label name or id in `predictions` for 'seg7'"),
    ],
)
def test_fast_lookup_errors_name_the_instance(bad, match: str) -> None:
    pred, ref = _perturbed(300, 4)
    ids = [f"seg{i}" for i in range(300)]
    for head in (pred, [VOCAB.index(p) for p in pred]):  # names, and ids (where True == 1 must not pass)
        values = list(head)
        values[7] = bad
        with pytest.raises(InputValidationError, match=match):
            cv_smc_scores(values, ref, vocabulary=VOCAB, ids=ids)


def test_columnar_stats_index_like_instance_stats() -> None:
    from proceval.scores.cv_smc import CVSMCInstanceStat, CVSMCStats, _cv_smc_compute

    stats = CVSMCStats(np.array([0, 2, 1]), np.array([0, 1, 1]))
    as_list = [stats[i] for i in range(3)]
    assert as_list == [CVSMCInstanceStat(0, 0), CVSMCInstanceStat(2, 1), CVSMCInstanceStat(1, 1)]
    assert stats[:2] == as_list[:2]
    assert _cv_smc_compute(stats, ["a", "b", "c"]) == _cv_smc_compute(as_list, ["a", "b", "c"])


# ------------------------------------------------------------ cv_smc_levels_scores (all levels in one call)

LEVELS = ("coarse", "verb", "noun", "verb_noun")


def _per_level(pred, ref, levels=LEVELS, **kwargs) -> dict:
    return {level: cv_smc_scores(pred, ref, label_level=level, **kwargs) for level in levels}


def test_levels_hand_computed() -> None:
    r = cv_smc_levels_scores(PRED, REF, vocabulary=VOCAB)
    assert list(r) == list(LEVELS)
    # as in the single-level tests above: coarse, verb, noun, verb_noun
    assert r["coarse"]["top1_accuracy"] == 0.5
    assert r["coarse"]["macro_f1"] == pytest.approx((1 / 2 + 2 / 3) / 5)
    assert r["verb"]["top1_accuracy"] == 0.75
    assert r["verb"]["macro_f1"] == pytest.approx((2 * 0.75 / 1.75) / 4)
    assert r["verb"]["per_class_support"] == {"retrieve": 0, "screw": 0, "store": 4, "unscrew": 0}
    assert r["noun"]["top1_accuracy"] == 0.5 and r["noun"]["macro_f1"] == pytest.approx(0.25)
    assert r["verb_noun"]["per_class_f1"]["store::adapter_plate"] == pytest.approx(2 / 3)
    assert [r[lv]["label_level"] for lv in LEVELS] == list(LEVELS)
    assert r["noun"]["signature"].startswith("cv_smc|lvl:noun|in:coarse|avg:vocabulary|nc:4|")
    only = cv_smc_levels_scores(PRED, REF, vocabulary=VOCAB, levels=["noun", "verb", "noun"])
    assert list(only) == ["noun", "verb"] and only["verb"] == r["verb"]


def _spelled(values: list) -> list:
    return [v.upper() + " " if i % 3 == 0 else v for i, v in enumerate(values)]


@pytest.mark.parametrize(
    "case",
    ["names", "ids", "numpy_ids", "train_labels", "spelled", "mapping", "present", "bootstrap_paired"],
)
def test_levels_equal_one_call_per_level(case: str) -> None:
    pred, ref = _perturbed(400, 5)
    other, _ = _perturbed(400, 6)
    kwargs: dict = {"vocabulary": VOCAB}
    if case == "ids":
        pred, ref = [VOCAB.index(p) for p in pred], [VOCAB.index(r) for r in ref]
    elif case == "numpy_ids":
        pred = np.asarray([VOCAB.index(p) for p in pred], dtype=np.int32)
    elif case == "train_labels":
        kwargs = {"train_labels": ["unscrew_anti_vibration_handle", "store_tool"]}
    elif case == "spelled":  # other spellings take the per-instance path
        pred = _spelled(pred)
    elif case == "mapping":
        ids = [f"seg{i}" for i in range(len(pred))]
        pred = dict(zip(reversed(ids), reversed(pred), strict=True))
        ref = dict(zip(ids, ref, strict=True))
    elif case == "present":
        kwargs["macro_average"] = "present"
    elif case == "bootstrap_paired":
        kwargs.update(bootstrap=40, seed=3, paired_predictions=other)
    got = cv_smc_levels_scores(pred, ref, **kwargs)
    assert got == _per_level(pred, ref, **kwargs)
    if case == "bootstrap_paired":
        assert (
            "ci" in got["verb"]
            and "paired" in got["verb"]
            and "bs:40|ci:0.95|rs:3|paired:yes" in got["verb"]["signature"]
        )


def test_levels_equal_one_call_per_level_with_many_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the pair-count size limit each level is counted from its own class indices: same numbers."""
    from proceval.scores import cv_smc as module

    pred, ref = _perturbed(300, 7)
    want = cv_smc_levels_scores(pred, ref, vocabulary=VOCAB, bootstrap=20)
    monkeypatch.setattr(module, "_PAIR_COUNT_MAX_NAMES", 0)
    module._cached_coarse_tables.cache_clear()
    try:
        assert module._coarse_tables(VOCAB, LEVELS).onehot is None
        assert cv_smc_levels_scores(pred, ref, vocabulary=VOCAB, bootstrap=20) == want
    finally:
        module._cached_coarse_tables.cache_clear()


def test_levels_empty_input() -> None:
    r = cv_smc_levels_scores([], [], vocabulary=VOCAB)
    assert all(math.isnan(s["top1_accuracy"]) and math.isnan(s["macro_f1"]) for s in r.values())
    assert r["verb"]["num_classes"] == 4 and r["verb"]["num_instances"] == 0


@pytest.mark.parametrize(
    ("bad", "levels", "match"),
    [
        ("store_toolz", LEVELS, r"Unknown coarse label 'store_toolz' in `predictions` for 'seg7'"),
        # its verb `store` is in the vocabulary, but the name is not: refused, as by cv_smc
        ("store_toolz", ("verb",), r"Unknown coarse label 'store_toolz' in `predictions` for 'seg7'"),
        ("zap_toolz", ("noun", "verb"), r"Unknown noun label 'toolz' in `predictions` for 'seg7'"),
        (len(VOCAB), LEVELS, r"label ids in \[0, 5\) in `predictions` for 'seg7'"),
        (True, LEVELS, r"label name or id in `predictions` for 'seg7', but got True"),
        ("null", LEVELS, r"Unknown coarse label 'null' in `predictions` for 'seg7'"),
        (
            "null",
            ("verb",),
            r"'verb_noun' in `predictions` for 'seg7' to derive the verb class, but got 'null'",
        ),
    ],
)
def test_levels_errors_name_the_instance_as_cv_smc(bad, levels: tuple, match: str | None) -> None:
    pred, ref = _perturbed(300, 4)
    ids = [f"seg{i}" for i in range(300)]
    pred[7] = bad
    kwargs = {"vocabulary": VOCAB, "ids": ids}
    if match is None:
        assert cv_smc_levels_scores(pred, ref, levels=levels, **kwargs) == _per_level(
            pred, ref, levels, **kwargs
        )
        return
    with pytest.raises(InputValidationError, match=match) as got:
        cv_smc_levels_scores(pred, ref, levels=levels, **kwargs)
    with pytest.raises(InputValidationError) as want:  # the first level that fails, as one call per level
        _per_level(pred, ref, levels, **kwargs)
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"vocabulary": [*VOCAB, "null"], "levels": ("coarse", "verb")}, "'verb_noun'.*but got 'null'"),
        ({"train_labels": ["store_tool", 3]}, r"label id 3 in `train_labels` for 1"),
        ({}, "neither"),
        ({"vocabulary": VOCAB, "levels": "verb"}, "non-empty sequence"),
        ({"vocabulary": VOCAB, "levels": ()}, "non-empty sequence"),
        ({"vocabulary": VOCAB, "levels": ("verb", "object")}, "levels"),
        ({"vocabulary": VOCAB, "macro_average": "micro"}, "macro_average"),
    ],
)
def test_levels_option_and_vocabulary_errors(kwargs: dict, match: str) -> None:
    with pytest.raises(InputValidationError, match=match):
        cv_smc_levels_scores(PRED, REF, **kwargs)


def test_adapter_scores_all_levels_in_one_call(sample_release: Path, tmp_path: Path) -> None:
    from proceval.benchmarks.impact.adapters import cv_segment_labels
    from proceval.benchmarks.impact.load import load_impact
    from proceval.evaluation.runner import evaluate_config

    release = sample_release / "impact" / "impact-release"
    refs = cv_segment_labels(load_impact(release, "cv_smc_s1", split="test", cache_dir=tmp_path))
    train = list(
        cv_segment_labels(load_impact(release, "cv_smc_s1", split="train", cache_dir=tmp_path)).values()
    )
    names = sorted(set(refs.values()))
    preds = {k: names[(names.index(v) + i % 2) % len(names)] for i, (k, v) in enumerate(refs.items())}
    other = {k: names[0] for k in refs}
    out = evaluate_config(
        "cv_smc",
        release,
        "cv_smc_s1",
        preds,
        paired_predictions=other,
        options={"bootstrap": 20, "label_levels": ["verb", "coarse"]},
        cache_dir=tmp_path,
    )
    want = _per_level(
        preds, refs, ("verb", "coarse"), train_labels=train, paired_predictions=other, bootstrap=20
    )

    def numbers(scores: dict) -> dict:
        return {level: {k: v for k, v in r.items() if k != "signature"} for level, r in scores.items()}

    assert numbers(out["scores"]) == numbers(want)
    for level, r in want.items():  # the runner appends its own keys (config, split, ...) to the score's
        assert out["scores"][level]["signature"].startswith(r["signature"].rsplit("|v:", 1)[0] + "|")
    with pytest.raises(InputValidationError, match="input_level"):
        evaluate_config(
            "cv_smc", release, "cv_smc_s1", preds, options={"input_level": "level"}, cache_dir=tmp_path
        )


def test_levels_code_exact_names_and_ids_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Exact names and ids never take the per-level (per-instance) path; other spellings do."""
    from proceval.scores import cv_smc as module

    pred, ref = _perturbed(200, 8)
    want = cv_smc_levels_scores(pred, ref, vocabulary=VOCAB, paired_predictions=ref)

    def per_level(*args, **kwargs):
        raise AssertionError("per-level path")

    monkeypatch.setattr(module, "_score_level", per_level)
    assert cv_smc_levels_scores(pred, ref, vocabulary=VOCAB, paired_predictions=ref) == want
    assert cv_smc_levels_scores(
        [VOCAB.index(p) for p in pred], ref, vocabulary=VOCAB
    ) == cv_smc_levels_scores(pred, ref, vocabulary=VOCAB)
    cv_smc_levels_scores(pred, ref, train_labels=VOCAB)
    with pytest.raises(AssertionError, match="per-level path"):
        cv_smc_levels_scores(_spelled(pred), ref, vocabulary=VOCAB)


def test_levels_raise_at_the_first_failing_level() -> None:
    """An unknown label at the first level is reported before a vocabulary name without a verb (`null`)."""
    pred = ["zzz_top", *PRED[1:]]
    kwargs = {"vocabulary": [*VOCAB, "null"], "ids": ["a", "b", "c", "d"]}
    with pytest.raises(
        InputValidationError, match=r"Unknown coarse label 'zzz_top' in `predictions` for 'a'"
    ):
        cv_smc_levels_scores(pred, REF, levels=("coarse", "verb"), **kwargs)
    with pytest.raises(
        InputValidationError, match=r"form 'verb_noun' to derive the verb class, but got 'null'"
    ):
        cv_smc_levels_scores(pred, REF, levels=("verb", "coarse"), **kwargs)


# ------------------------------------------------------------------ options: validated, listed, signed


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"label_level": "object"}, "label_level"),
        ({"input_level": "fine"}, "input_level"),
        ({"macro_average": "micro"}, "macro_average"),
        ({"label_level": "all", "input_level": "level"}, "input_level"),
    ],
)
def test_invalid_option_names_the_argument(kwargs: dict, name: str) -> None:
    from proceval.scores.cv_smc import CvSmcOptions

    with pytest.raises(InputValidationError, match=rf"Expected argument `{name}` to be .*, but got"):
        CvSmcOptions(**kwargs)
    with pytest.raises(InputValidationError, match=f"`{name}`"):
        cv_smc_scores(PRED, REF, vocabulary=VOCAB, **kwargs)


def test_options_from_mapping_lists_the_allowed_keys() -> None:
    from proceval.scores.cv_smc import CvSmcOptions

    with pytest.raises(InputValidationError, match="allowed: label_level, input_level, macro_average"):
        CvSmcOptions.from_mapping({"bogus": 1})


def test_options_that_change_the_number_change_the_signature() -> None:
    signatures = set()
    for level in ("coarse", "verb", "noun", "verb_noun"):
        for average in ("vocabulary", "present"):
            for bootstrap, seed in ((0, 0), (10, 0), (10, 1)):
                kwargs = {
                    "label_level": level,
                    "macro_average": average,
                    "bootstrap": bootstrap,
                    "seed": seed,
                }
                signatures.add(cv_smc_scores(PRED, REF, vocabulary=VOCAB, **kwargs)["signature"])
    assert len(signatures) == 4 * 2 * 3
    verbs = sorted({derive_label(v, "verb") for v in VOCAB})
    as_level = cv_smc_scores(
        [derive_label(p, "verb") for p in PRED],
        [derive_label(r, "verb") for r in REF],
        vocabulary=verbs,
        label_level="verb",
        input_level="level",
    )
    coarse_in = cv_smc_scores(PRED, REF, vocabulary=VOCAB, label_level="verb")
    assert as_level["signature"] != coarse_in["signature"] and "|in:level|" in as_level["signature"]
    every = cv_smc_scores(PRED, REF, vocabulary=VOCAB, label_level="all")
    assert every == cv_smc_levels_scores(PRED, REF, vocabulary=VOCAB)
    assert {r["signature"].split("|")[1] for r in every.values()} == {f"lvl:{v}" for v in LEVELS}
