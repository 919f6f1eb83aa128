"""The ``transformers`` judge end to end on a tiny randomly initialised Llama built offline.

The tokenizer is a ``tokenizers`` WordLevel model whose every token is a complete judge reply
(``{"score":0}`` ... ``{"score":5}``; words outside it read as the first), so whatever the random model
generates in one greedy step is a reply the parser reads: the test can check ratings, determinism,
caching and the chat-template path without any download.
"""

from __future__ import annotations

import json

import pytest
import tokenizers
import torch
import transformers

from proceval.errors import InputValidationError
from proceval.judges import Dimension, Rubric, TransformersBackend, judge_items
from proceval.judges.transformers_backend import local_model_fingerprint, plain_prompt

REPLIES = [json.dumps({"score": s}, separators=(",", ":")) for s in range(6)]
RUBRIC = Rubric(
    "answer",
    (Dimension("score", 0, 5),),
    user="Question: {question} Prediction: {prediction}",
    fields=("question", "prediction"),
)
# Predictions written with the vocabulary's tokens, so that the items' inputs differ.
ITEMS = {
    f"q{i}": {"question": "what next?", "prediction": " ".join(REPLIES[(i * k) % 6] for k in range(1, 4 + i))}
    for i in range(6)
}


def build_tiny_model(folder, *, chat_template: str | None = None, seed: int = 0):
    vocab = {reply: i for i, reply in enumerate(REPLIES)}
    tok = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab=vocab, unk_token=REPLIES[0]))
    tok.pre_tokenizer = tokenizers.pre_tokenizers.WhitespaceSplit()
    # No special tokens on the transformers side: decoding with skip_special_tokens keeps every reply.
    fast = transformers.PreTrainedTokenizerFast(tokenizer_object=tok)
    if chat_template is not None:
        fast.chat_template = chat_template
    fast.save_pretrained(folder)
    torch.manual_seed(seed)
    config = transformers.LlamaConfig(
        vocab_size=len(REPLIES),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=256,
        pad_token_id=0,
        bos_token_id=None,
        eos_token_id=None,
    )
    transformers.LlamaForCausalLM(config).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("tiny-llama"))


def test_transformers_judge_end_to_end(tiny_model, tmp_path):
    judge = TransformersBackend(tiny_model, max_tokens=1)
    assert judge.model == tiny_model.name and judge.revision == "local-" + local_model_fingerprint(tiny_model)
    result = judge_items(ITEMS, RUBRIC, judge, cache=tmp_path / "c.sqlite")
    assert result.counts["num_judged"] == 6 and result.counts["num_unparseable"] == 0
    assert result.counts["num_calls"] == judge.generate_calls == 6
    assert all(0 <= v["score"] <= 5 for v in result.per_item.values())
    assert result.usage["completion_tokens"] == 6 and result.usage["prompt_tokens"] > 6
    assert result.signature_items["temp"] == 0.0 and result.signature_items["maxtok"] == 1

    # Greedy decoding: a second, independently loaded judge gives the same replies.
    fresh = TransformersBackend(tiny_model, max_tokens=1)
    direct = {
        i: fresh.generate(
            [{"role": "user", "content": f"Question: {f['question']} Prediction: {f['prediction']}"}]
        )
        for i, f in ITEMS.items()
    }
    assert {i: json.loads(c.text)["score"] for i, c in direct.items()} == {
        i: int(v["score"]) for i, v in result.per_item.items()
    }

    # Fully cached re-run: the model is not even loaded.
    again = TransformersBackend(tiny_model, max_tokens=1)
    rerun = judge_items(ITEMS, RUBRIC, again, cache=tmp_path / "c.sqlite")
    assert rerun.per_item == result.per_item and again.generate_calls == 0 and again._loaded is None
    assert rerun.counts["num_cached"] == 6


def test_chat_template_is_used_when_present(tmp_path):
    folder = build_tiny_model(
        tmp_path / "templated", chat_template="{% for m in messages %}{{ m['content'] }} {% endfor %}"
    )
    judge = TransformersBackend(folder, max_tokens=1)
    messages = [{"role": "user", "content": "rate this"}]
    assert judge.prompt_text(messages).strip() == "rate this"
    plain = TransformersBackend(build_tiny_model(tmp_path / "plain"), max_tokens=1)
    assert plain.prompt_text(messages) == plain_prompt(messages) == "user: rate this\n\nassistant:"


def test_changed_weights_change_the_revision(tmp_path):
    a = build_tiny_model(tmp_path / "a", seed=0)
    b = build_tiny_model(tmp_path / "b", seed=1)
    assert TransformersBackend(a).revision != TransformersBackend(b).revision
    assert TransformersBackend(a, revision="v1", model_id="org/tiny").label == "org/tiny@v1"


def test_hub_model_needs_a_revision(tmp_path):
    with pytest.raises(
        InputValidationError, match=r"`revision` \(a commit hash or tag\) for the Hub model 'org/judge'"
    ):
        TransformersBackend("org/judge")
    assert (
        TransformersBackend("org/judge", revision="abc123").label == "org/judge@abc123"
    )  # nothing loaded yet
