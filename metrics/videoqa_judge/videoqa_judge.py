"""LLM-judge ratings (0-5) of open-ended video QA answers on ProcObject-10K's four dimensions, as an evaluate metric."""

import datasets
import evaluate

from proceval.benchmarks.procobject.scoring import videoqa_judge_module_scores

_CITATION = """\
@inproceedings{guo2026procobject,
  title     = {{ProcObject-10K}: Benchmarking Object-Centric Procedural Understanding in Instructional Videos},
  author    = {Guo, Wenliang and Kong, Yu},
  booktitle = {Advances in Neural Information Processing Systems (NeurIPS), Evaluations and Datasets Track},
  year      = {2026},
  url       = {https://arxiv.org/abs/2512.03479}
}
@inproceedings{maaz2024videochatgpt,
  title     = {Video-{ChatGPT}: Towards Detailed Video Understanding via Large Vision and Language Models},
  author    = {Maaz, Muhammad and Rasheed, Hanoona and Khan, Salman and Khan, Fahad Shahbaz},
  booktitle = {Proceedings of ACL},
  year      = {2024}
}
"""

_DESCRIPTION = """\
ProcObject-10K's judge score (the paper's J. column): LLM judges rate each predicted answer against the
question and the reference answer on four dimensions, each an integer 0-5: contextual integration
(factual consistency), detail orientation, contextual understanding and temporal understanding, with a
VCGBench-style prompt (proceval's own text; the paper does not publish its prompt). Ratings are
averaged over the judges per question, then over questions per dimension (mean_<dimension>) and over
the four dimensions (mean_overall, on the 0-5 scale). With several judges (the paper averages three),
each judge's means and Krippendorff's alpha (ordinal) per dimension are reported. Any proceval judge
backend works: an OpenAI-compatible endpoint (vLLM, SGLang, OpenAI), a local transformers model, or
precomputed ratings / a replayed ledger. Unreadable replies follow an explicit policy and are counted.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (list of str): per question, the predicted answer (None is judged as an empty answer).
    references (list of str): per question, the reference answer.
    questions (list of str): per question, the question text (required).
    judges: a proceval judge backend (OpenAICompatibleBackend, TransformersBackend, PrecomputedBackend)
        or a list of them (required); a PrecomputedBackend given ratings keys them by `ids`.
    rubric (optional): a proceval.judges.Rubric with fields question, answer, prediction (with
        prompts="per_aspect": a list of one-dimension rubrics); default: the ProcObject-10K rubric (four
        dimensions, 0-5), or its four VCGBench-style one-aspect rubrics.
    cache (optional): a judge cache path or proceval.judges.JudgeCache (None: no cache).
    policy (str): unparseable replies: "retry_then_exclude" (default), "retry_then_minimum", "exclude",
        "minimum".
    failures (str): failed calls: "raise" (default) or "exclude" (counted in num_failed).
    prompts (str): "joint" (default: one prompt rates the four dimensions, one call per question and
        judge) or "per_aspect" (VCGBench's way: one prompt per dimension, four calls per question and
        judge; the judge counts then count prompts). Signed as prompts:joint / prompts:per_aspect.
    qa_types, reasoning (list of str, optional): add per_qa_type / per_reasoning.
    ids (list, optional): one id per question (default "#0", "#1", ...).
    bootstrap (int): question resamples for percentile CIs (0 = none). confidence (float), seed (int).
    paired_predictions (optional): a second system's answers, for a paired bootstrap.
Returns:
    mean_contextual_integration, mean_detail_orientation, mean_contextual_understanding,
    mean_temporal_understanding, mean_overall (0-5, higher is better), per_judge, agreement (Krippendorff's
    alpha per dimension, two or more judges), judges, num_questions, num_rated_questions, num_judged,
    num_unparseable, num_retries, num_failed, num_calls, num_cached, per_judge_counts, per_question,
    per_qa_type / per_reasoning, signature (and ci / paired when asked for).
Examples:
    >>> import evaluate
    >>> from proceval.judges import PrecomputedBackend
    >>> judge = evaluate.load("metrics/videoqa_judge")
    >>> a = {"contextual_integration": 4, "detail_orientation": 3, "contextual_understanding": 4, "temporal_understanding": 5}
    >>> b = {"contextual_integration": 2, "detail_orientation": 1, "contextual_understanding": 2, "temporal_understanding": 3}
    >>> judges = [PrecomputedBackend({"#0": a, "#1": b}, model="rater-1"), PrecomputedBackend({"#0": a, "#1": a}, model="rater-2")]
    >>> r = judge.compute(predictions=["The lid is open.", "It is cold."], references=["The lid is open.", "It is hot."],
    ...                   questions=["Is the lid open?", "Is the pan hot?"], judges=judges)
    >>> r["mean_contextual_integration"], r["mean_overall"], r["per_judge"]["rater-1"]["mean_overall"]
    (3.5, 3.5, 3.0)
    >>> r["num_questions"], r["num_judged"], r["num_unparseable"]
    (2, 4, 0)
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class VideoqaJudge(evaluate.Metric):
    """LLM-judge ratings of predicted answers on four 0-5 dimensions, per dimension, overall and per judge."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {
                    "predictions": datasets.Value("string"),
                    "references": datasets.Value("string"),
                }
            ),
            homepage="https://github.com/WenliangGuo/ProcObject-10K",
            reference_urls=["https://arxiv.org/abs/2512.03479", "https://arxiv.org/abs/2306.05424"],
        )

    def _compute(
        self,
        predictions,
        references,
        questions=None,
        judges=None,
        rubric=None,
        cache=None,
        policy="retry_then_exclude",
        failures="raise",
        prompts="joint",
        qa_types=None,
        reasoning=None,
        ids=None,
        bootstrap=0,
        confidence=0.95,
        seed=0,
        paired_predictions=None,
    ):
        return videoqa_judge_module_scores(
            predictions,
            references,
            questions=questions,
            judges=judges,
            rubric=rubric,
            cache=cache,
            policy=policy,
            failures=failures,
            prompts=prompts,
            qa_types=qa_types,
            reasoning=reasoning,
            ids=ids,
            bootstrap=bootstrap,
            confidence=confidence,
            seed=seed,
            paired_predictions=paired_predictions,
        )
