"""``VideoCollate``: a named, picklable ``collate_fn`` for batches of decoded clips, with optional resize.

``torch.utils.data.DataLoader(ds, collate_fn=lambda b: b)`` fails under the ``spawn`` start method (the
default on macOS and Windows, and what CUDA code needs): a lambda cannot be pickled to the workers. The
default collate fails too as soon as one batch mixes frame sizes, as IMPACT's ego (1920x1080 at 25 fps)
and exo views do. ``VideoCollate`` is a module-level class holding only options, so it pickles::

    clips.set_transform(VideoClipSampler(num_frames=8))
    loader = DataLoader(clips, batch_size=4, num_workers=2, collate_fn=VideoCollate(size=(224, 224)),
                        multiprocessing_context="spawn")
    batch = next(iter(loader))   # batch["frames"]: uint8 [B, N, C, 224, 224]; batch["video_id"]: list

Importing this module needs only numpy; torch is imported when a batch is collated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np

from proceval.errors import InputValidationError
from proceval.video.backends import DIMENSION_ORDERS, DimensionOrder

ORIGINAL_SIZE_KEY = "original_frame_size"
"""Key added by a resizing :class:`VideoCollate`: each example's frame size ``(H, W)`` before resizing."""


class VideoCollate:
    """Collate a list of clip examples (dicts) into one batch dict; resize frames to one size if asked.

    Per key: values that are arrays / tensors of one shape are stacked (numpy stays numpy, torch stays
    torch), numbers become a tensor (as :func:`torch.utils.data.default_collate`), and anything else
    (strings, ragged arrays, nested dicts, None) is kept as a list, one entry per example.

    Args:
        size: ``None`` (default): frames are stacked when every clip has the same shape, else kept as a
            list. ``(height, width)`` in pixels: each clip's frames are resized to it (bilinear with
            antialiasing, rounded back to ``uint8`` for ``uint8`` input) and the batch is stacked to
            ``[B, N, C, height, width]`` (``NCHW``) or ``[B, N, height, width, C]`` (``NHWC``); the sizes
            before resizing are added as ``original_frame_size`` (``int64 [B, 2]``, ``(H, W)``).
        frames_key: the key holding each example's frames (``[N, C, H, W]`` or ``[N, H, W, C]``).
        dimension_order: the frames' layout, ``"NCHW"`` (default, as
            :class:`~proceval.video.transforms.VideoClipSampler` outputs) or ``"NHWC"``.

    Raises:
        InputValidationError: a bad ``size`` / ``dimension_order``; at collate time, an example without
            ``frames_key`` when resizing, or frames that are not 4-D.

    Example:
        >>> import pickle
        >>> collate = pickle.loads(pickle.dumps(VideoCollate(size=(2, 3))))
        >>> batch = collate([{"frames": np.zeros((1, 3, 4, 4), np.uint8), "video_id": "a"},
        ...                  {"frames": np.zeros((1, 3, 6, 8), np.uint8), "video_id": "b"}])
        >>> batch["frames"].shape, batch["video_id"], batch["original_frame_size"].tolist()
        ((2, 1, 3, 2, 3), ['a', 'b'], [[4, 4], [6, 8]])
    """

    def __init__(
        self,
        size: tuple[int, int] | None = None,
        *,
        frames_key: str = "frames",
        dimension_order: DimensionOrder = "NCHW",
    ) -> None:
        if size is not None:
            ok = (
                isinstance(size, Sequence)
                and not isinstance(size, str)
                and len(size) == 2
                and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1 for v in size)
            )
            if not ok:
                raise InputValidationError(
                    f"Expected argument `size` to be None or (height, width) in pixels >= 1, but got {size!r}."
                )
            size = (int(size[0]), int(size[1]))
        if dimension_order not in DIMENSION_ORDERS:
            raise InputValidationError(
                f"Expected argument `dimension_order` to be one of {DIMENSION_ORDERS}, but got {dimension_order!r}."
            )
        self.size = size
        self.frames_key = frames_key
        self.dimension_order: DimensionOrder = dimension_order

    def __repr__(self) -> str:
        return (
            f"VideoCollate(size={self.size!r}, frames_key={self.frames_key!r}, "
            f"dimension_order={self.dimension_order!r})"
        )

    def __call__(self, examples: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """The batch dict of ``examples`` (keys of the first example, in its order)."""
        if not examples:
            return {}
        keys = list(examples[0])
        for i, ex in enumerate(examples):
            if list(ex) != keys:
                raise InputValidationError(
                    f"Expected every example of a batch to have the keys {keys}, but example {i} has {list(ex)}."
                )
        batch: dict[str, Any] = {}
        for key in keys:
            values = [ex[key] for ex in examples]
            if key == self.frames_key and self.size is not None:
                batch[key], batch[ORIGINAL_SIZE_KEY] = self._resized(values)
            else:
                batch[key] = _stack_or_list(values)
        return batch

    def _resized(self, clips: list[Any]) -> tuple[Any, Any]:
        import torch
        from torch.nn import functional

        size = cast(tuple[int, int], self.size)  # only called with a size
        nhwc = self.dimension_order == "NHWC"
        out, sizes = [], []
        as_numpy = False
        for i, clip in enumerate(clips):
            if clip is None:
                raise InputValidationError(f"Expected frames in example {i} of the batch, but got None.")
            as_numpy = as_numpy or isinstance(clip, np.ndarray)
            t = torch.as_tensor(clip)
            if t.ndim != 4:
                raise InputValidationError(
                    f"Expected `{self.frames_key}` of example {i} to be 4-D ({self.dimension_order}), "
                    f"but got shape {tuple(t.shape)}."
                )
            if nhwc:
                t = t.permute(0, 3, 1, 2)
            sizes.append((int(t.shape[-2]), int(t.shape[-1])))
            if sizes[-1] != size:
                dtype = t.dtype
                resized = functional.interpolate(
                    t.to(torch.float32), size=size, mode="bilinear", align_corners=False, antialias=True
                )
                if not dtype.is_floating_point:
                    info = torch.iinfo(dtype)
                    resized = resized.round_().clamp_(info.min, info.max)
                t = resized.to(dtype)
            if nhwc:
                t = t.permute(0, 2, 3, 1)
            out.append(t.contiguous())
        lengths = {int(t.shape[0]) for t in out}
        frames: Any = torch.stack(out) if len(lengths) == 1 else out
        if as_numpy:
            frames = frames.numpy() if isinstance(frames, torch.Tensor) else [t.numpy() for t in frames]
        return frames, torch.tensor(sizes, dtype=torch.int64)


def _stack_or_list(values: list[Any]) -> Any:
    """Stack same-shape arrays / tensors, tensor-ise numbers; else the list itself."""
    first = values[0]
    if isinstance(first, np.ndarray) and all(
        isinstance(v, np.ndarray) and v.shape == first.shape and v.dtype == first.dtype for v in values
    ):
        if first.dtype.kind in "biufc":
            return np.stack(values)
        return values
    if type(first).__module__.startswith("torch"):
        import torch

        if all(
            isinstance(v, torch.Tensor) and v.shape == first.shape and v.dtype == first.dtype for v in values
        ):
            return torch.stack(values)
        return values
    if all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in values):
        import torch

        return torch.tensor(values)
    return values


__all__ = ["ORIGINAL_SIZE_KEY", "VideoCollate"]
