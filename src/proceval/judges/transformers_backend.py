"""A judge run in process with Hugging Face ``transformers``: greedy decoding, one prompt at a time.

The model is loaded on first use (``AutoModelForCausalLM`` / ``AutoTokenizer``) and kept by the backend,
so a fully cached run never loads it. Prompts are the tokenizer's chat template when it has one,
otherwise ``role: content`` paragraphs ending in ``assistant:``. Decoding is greedy (temperature 0),
so the reply is a function of the weights and the prompt.

``transformers`` and ``torch`` are imported when the model is loaded, not when this module is.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from proceval.errors import InputValidationError
from proceval.judges.base import Completion, Decoding, JudgeBackend, JudgeRequest, check_identity
from proceval.judges.rubric import Message

_WHOLE_FILE_BYTES = 16 << 20
_EDGE_BYTES = 1 << 20


def local_model_fingerprint(path: str | os.PathLike[str], *, length: int = 12) -> str:
    """A short hash of a model folder, cheap enough for multi-GB weights.

    Every file's relative path and size; the whole content of files up to 16 MiB (config, tokenizer,
    chat template); the first and last MiB of larger files (a safetensors header and the last tensors).

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "config.json").write_text("{}")
        >>> len(local_model_fingerprint(d))
        12
    """
    root = Path(path)
    h = hashlib.sha256()
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        size = file.stat().st_size
        h.update(f"{file.relative_to(root).as_posix()}\0{size}\0".encode())
        with file.open("rb") as fh:
            if size <= _WHOLE_FILE_BYTES:
                h.update(fh.read())
            else:
                h.update(fh.read(_EDGE_BYTES))
                fh.seek(size - _EDGE_BYTES)
                h.update(fh.read(_EDGE_BYTES))
    return h.hexdigest()[:length]


def plain_prompt(messages: Sequence[Message]) -> str:
    r"""The prompt for a tokenizer without a chat template.

    Example:
        >>> plain_prompt([{"role": "system", "content": "Rate."}, {"role": "user", "content": "x"}])
        'system: Rate.\n\nuser: x\n\nassistant:'
    """
    return "\n\n".join(f"{m['role']}: {m['content']}" for m in messages) + "\n\nassistant:"


class TransformersBackend(JudgeBackend):
    """A causal language model judged in process with greedy decoding.

    Args:
        model_path: a local model folder, or a Hub model id (then ``revision`` is required: a commit
            hash or tag; it is what ``from_pretrained`` loads).
        revision: the model's revision. For a local folder without one, the revision recorded is
            ``local-<hash>`` of :func:`local_model_fingerprint`, so changed weights never hit old
            cache entries.
        model_id: the judge's name in results and cache keys (default: the Hub id, or the folder's name).
        max_tokens: the most new tokens per reply.
        device: the torch device (``"cpu"``, ``"cuda:0"``).
        dtype: the torch dtype name for the weights (``"float32"``, ``"bfloat16"``; default: the checkpoint's).
        local_files_only: never contact the Hub (a Hub id must then be in the local cache).
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str],
        *,
        revision: str | None = None,
        model_id: str | None = None,
        max_tokens: int = 512,
        device: str = "cpu",
        dtype: str | None = None,
        local_files_only: bool = False,
    ) -> None:
        path = Path(model_path)
        self.model_path = str(model_path)
        self.is_local = path.is_dir()
        if not self.is_local and revision is None:
            raise InputValidationError(
                f"Expected argument `revision` (a commit hash or tag) for the Hub model {self.model_path!r}, but got "
                "None; pass it, or a local model folder."
            )
        if self.is_local and revision is None:
            revision = "local-" + local_model_fingerprint(path)
        name = model_id if model_id is not None else (path.name if self.is_local else self.model_path)
        check_identity(name, revision)
        self.model = name
        self.revision = revision
        self.decoding = Decoding(temperature=0.0, max_tokens=max_tokens)
        self.max_concurrency = 1
        self.device = device
        self.dtype = dtype
        self.local_files_only = local_files_only
        self.generate_calls = 0
        self._loaded: tuple[Any, Any] | None = None

    def __repr__(self) -> str:
        return (
            f"TransformersBackend(model={self.model!r}, revision={self.revision!r}, path={self.model_path!r})"
        )

    def _load(self) -> tuple[Any, Any]:
        if self._loaded is None:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            kwargs: dict[str, Any] = {"local_files_only": self.local_files_only}
            if not self.is_local:
                kwargs["revision"] = self.revision
            tokenizer = AutoTokenizer.from_pretrained(self.model_path, **kwargs)
            if self.dtype is not None:
                kwargs["dtype"] = getattr(torch, self.dtype)
            model = AutoModelForCausalLM.from_pretrained(self.model_path, **kwargs)
            model.to(self.device)
            model.eval()
            self._loaded = (tokenizer, model)
        return self._loaded

    def prompt_text(self, messages: Sequence[Message]) -> str:
        """The prompt string: the chat template's rendering, or :func:`plain_prompt`."""
        tokenizer, _ = self._load()
        if getattr(tokenizer, "chat_template", None):
            return tokenizer.apply_chat_template(list(messages), add_generation_prompt=True, tokenize=False)
        return plain_prompt(messages)

    def generate(self, messages: Sequence[Message]) -> Completion:
        """Greedy-decode a reply to ``messages`` (blocking)."""
        import torch

        tokenizer, model = self._load()
        encoded = tokenizer(self.prompt_text(messages), return_tensors="pt", add_special_tokens=False)
        encoded = {k: v.to(self.device) for k, v in encoded.items()}
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        with torch.inference_mode():
            output = model.generate(
                **encoded,
                do_sample=False,
                max_new_tokens=self.decoding.max_tokens,
                pad_token_id=pad,
            )
        self.generate_calls += 1
        n_prompt = int(encoded["input_ids"].shape[1])
        new_tokens = output[0, n_prompt:]
        text = tokenizer.decode(new_tokens, skip_special_tokens=True)
        return Completion(text, prompt_tokens=n_prompt, completion_tokens=int(new_tokens.shape[0]))

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[TransformersBackend]:
        """The backend itself answers; the model loads on the first call that misses the cache."""
        yield self

    async def complete(self, request: JudgeRequest) -> Completion:
        """Generate in a worker thread (the event loop keeps serving cached items meanwhile)."""
        return await asyncio.to_thread(self.generate, request.messages)
