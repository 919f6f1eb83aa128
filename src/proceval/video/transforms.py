"""``VideoClipSampler``: a picklable batched transform that decodes each example's clip frames.

Use it as ``ds.set_transform(VideoClipSampler(num_frames=16))`` and inside a
``torch.utils.data.DataLoader(ds, num_workers=2)``. The transform holds only options; decoders are
opened lazily in the process that runs it and cached there (a small LRU keyed by video), and the cache
is dropped when the transform is pickled or used in a new process, so no decoder is ever shared
between DataLoader workers.

Example convention: ``video_id``, ``fps`` (frames per second), for clip-level examples
``start_frame`` / ``end_frame`` (inclusive, in the video's own frame index) or, for windows given in
seconds, ``start_s`` / ``end_s`` (half-open ``[start_s, end_s)``, mapped onto frames with
:func:`~proceval.video.sampling.seconds_to_frame_window` at the example's ``fps`` or the video's own
rate, clamped to the video's last frame), and the media in a
``video`` column: a ``datasets.Video()`` value (a torchcodec ``VideoDecoder``), a
``datasets.Video(decode=False)`` value (``{"path", "bytes"}``, recommended: the transform then opens
the file once per worker with the chosen backend) or a path string. With ``video_root`` instead,
the file is ``{video_root}/{video_id}{video_ext}`` (relative ``path`` values are resolved against it).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np

from proceval.errors import InputValidationError
from proceval.video.backends import (
    DEFAULT_BACKEND,
    DIMENSION_ORDERS,
    DimensionOrder,
    FrameReader,
    check_backend,
    describe_source,
    open_reader,
)
from proceval.video.sampling import fps_indices, seconds_to_frame_window, uniform_indices

#: Readers inherited from a parent process through fork (see ``VideoClipSampler._ensure_process``).
_INHERITED_READERS: list[Any] = []

#: Frames per clip when neither ``num_frames`` nor ``fps`` is given.
DEFAULT_NUM_FRAMES = 16

WindowPosition = Literal["center", "start", "random"]
WINDOW_POSITIONS: tuple[str, ...] = ("center", "start", "random")
OUTPUTS: tuple[str, ...] = ("tensor", "numpy")


class VideoClipSampler:
    """Decode ``num_frames`` frames (or frames at ``fps``) from each example's window.

    Args:
        num_frames: frames per clip (default 16 when ``fps`` is not given), spread by
            :func:`~proceval.video.sampling.uniform_indices` (bin centres; windows shorter than
            ``num_frames`` repeat frames). Exclusive with ``fps``.
        fps: sample at this rate (samples per second) with :func:`~proceval.video.sampling.fps_indices`.
        backend: decoding backend name (default :data:`~proceval.video.backends.DEFAULT_BACKEND`).
        window: ``"example"`` samples the example's ``[start_frame, end_frame]`` (or its
            ``[start_s, end_s)`` in seconds; the whole video for video-level examples); a number of seconds samples a sub-window of that duration inside it,
            placed by ``window_position``.
        window_position: ``"center"`` (default), ``"start"`` or ``"random"`` (seeded by ``seed``, and in
            DataLoader workers by the worker's torch seed).
        output: ``"tensor"`` (``uint8`` torch tensors) or ``"numpy"``.
        dimension_order: ``"NCHW"`` (default) or ``"NHWC"``.
        num_threads: decoder threads per open video (1 = one thread, 0 = all cores).
        video_column: column holding the media (default ``"video"``); dropped from the output.
        video_root: folder of the videos, for examples without a media column or with relative paths.
        video_ext: file extension used with ``video_root`` and ``video_id``.
        cache_size: open readers kept per process.
        seed: seed of ``window_position="random"``.

    Returns (from ``__call__``): the input columns minus ``video_column``, plus ``frames`` (one
    ``[N, C, H, W]`` ``uint8`` array per example), ``frame_indices`` (``int64`` ``[N]``, video frame index)
    and ``pts_seconds`` (``float64`` ``[N]``).
    """

    def __init__(
        self,
        num_frames: int | None = None,
        *,
        fps: float | None = None,
        backend: str = DEFAULT_BACKEND,
        window: Literal["example"] | float = "example",
        window_position: WindowPosition = "center",
        output: Literal["tensor", "numpy"] = "tensor",
        dimension_order: DimensionOrder = "NCHW",
        num_threads: int = 1,
        video_column: str = "video",
        video_root: str | os.PathLike[str] | None = None,
        video_ext: str = ".mp4",
        cache_size: int = 4,
        seed: int = 0,
    ) -> None:
        if fps is not None and num_frames is not None:
            raise InputValidationError(
                f"Expected one of `num_frames` and `fps`, but got num_frames={num_frames!r} and fps={fps!r}."
            )
        if fps is None and num_frames is None:
            num_frames = DEFAULT_NUM_FRAMES
        if fps is not None:
            if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not fps > 0:
                raise InputValidationError(f"Expected argument `fps` to be a number > 0, but got {fps!r}.")
        elif isinstance(num_frames, bool) or not isinstance(num_frames, int) or num_frames < 1:
            raise InputValidationError(
                f"Expected argument `num_frames` to be an integer >= 1 (or `fps` to be set), "
                f"but got {num_frames!r}."
            )
        if window != "example" and (
            isinstance(window, bool) or not isinstance(window, (int, float)) or not window > 0
        ):
            raise InputValidationError(
                f"Expected argument `window` to be 'example' or a duration in seconds > 0, "
                f"but got {window!r}."
            )
        for name, value, allowed in (
            ("window_position", window_position, WINDOW_POSITIONS),
            ("output", output, OUTPUTS),
            ("dimension_order", dimension_order, DIMENSION_ORDERS),
        ):
            if value not in allowed:
                raise InputValidationError(
                    f"Expected argument `{name}` to be one of {allowed}, but got {value!r}."
                )
        if isinstance(cache_size, bool) or not isinstance(cache_size, int) or cache_size < 1:
            raise InputValidationError(
                f"Expected argument `cache_size` to be an integer >= 1, but got {cache_size!r}."
            )
        self.num_frames = num_frames
        self.fps = fps
        self.backend = check_backend(backend)
        self.window = window
        self.window_position = window_position
        self.output = output
        self.dimension_order: DimensionOrder = dimension_order
        self.num_threads = num_threads
        self.video_column = video_column
        self.video_root = None if video_root is None else os.fspath(video_root)
        self.video_ext = video_ext
        self.cache_size = cache_size
        self.seed = seed
        self._reset_process_state()

    # ----------------------------------------------------------------- per-process state
    def _reset_process_state(self) -> None:
        self._pid = os.getpid()
        self._readers: OrderedDict[Any, FrameReader] = OrderedDict()
        self._rng: np.random.Generator | None = None
        self.opened_readers = 0

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for key in ("_readers", "_rng", "_pid", "opened_readers"):
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._reset_process_state()

    def _ensure_process(self) -> None:
        if self._pid != os.getpid():  # forked into a new process: never reuse the parent's decoders
            # ... and never close them here either: tearing down decoder state that another process
            # created (FFmpeg thread pools, locks) can hang. They stay referenced, unused, in the child.
            _INHERITED_READERS.append(self._readers)
            self._reset_process_state()

    def _random(self) -> np.random.Generator:
        if self._rng is None:
            seed = self.seed
            try:
                from torch.utils.data import get_worker_info

                info = get_worker_info()
                if info is not None:
                    seed = int(info.seed) % (2**63)
            except ImportError:  # pragma: no cover - torch is part of the video extra
                pass
            self._rng = np.random.default_rng(seed)
        return self._rng

    # ----------------------------------------------------------------- sources and readers
    def _source_of(self, batch: Mapping[str, list[Any]], i: int) -> Any:
        if self.video_column in batch and batch[self.video_column][i] is not None:
            value = batch[self.video_column][i]
            if self.video_root is not None:
                path = value.get("path") if isinstance(value, Mapping) else value
                if isinstance(path, (str, os.PathLike)) and not os.path.isabs(path):
                    resolved = os.path.join(self.video_root, path)
                    return {**value, "path": resolved} if isinstance(value, Mapping) else resolved
            return value
        if self.video_root is not None and "video_id" in batch:
            return str(Path(self.video_root) / f"{batch['video_id'][i]}{self.video_ext}")
        if self.video_column in batch:
            name = batch["video_id"][i] if "video_id" in batch else f"example {i} of the batch"
            raise InputValidationError(
                f"{name}: expected a video in the `{self.video_column}` column, but got None "
                "(no video was attached for this example)."
            )
        raise InputValidationError(
            f"Expected a `{self.video_column}` column or `video_root` with a `video_id` column, "
            "but got columns "
            f"{sorted(batch)} and video_root={self.video_root!r}."
        )

    def _reader(self, source: Any) -> tuple[FrameReader, bool]:
        """An open reader for ``source`` and whether it is cached (uncached ones are closed after use)."""
        encoded = getattr(source, "_hf_encoded", None)
        if not self.backend.startswith("torchcodec") and isinstance(encoded, Mapping):
            source = encoded  # a datasets.Video() decoder, read with another backend: use its path / bytes
        if isinstance(source, (str, os.PathLike)):
            key: Any = ("path", os.fspath(source))
        elif isinstance(source, Mapping):
            key = ("path", source.get("path")) if source.get("bytes") is None else ("obj", id(source))
        else:
            key = ("obj", id(source))
        cached = self._readers.get(key)
        if cached is not None and key[0] == "path":
            self._readers.move_to_end(key)
            return cached, True
        reader = open_reader(
            source, backend=self.backend, num_threads=self.num_threads, dimension_order=self.dimension_order
        )
        self.opened_readers += 1
        if key[0] == "path":
            self._readers[key] = reader
            while len(self._readers) > self.cache_size:
                _, old = self._readers.popitem(last=False)
                old.close()
            return reader, True
        return reader, False

    # ----------------------------------------------------------------- indices
    def _window(
        self, batch: Mapping[str, list[Any]], i: int, reader: FrameReader, where: str
    ) -> tuple[int, int]:
        if "start_frame" in batch and "end_frame" in batch:
            start, end = int(batch["start_frame"][i]), int(batch["end_frame"][i])
            if not 0 <= start <= end <= reader.num_frames - 1:
                raise InputValidationError(
                    f"{where}: expected `start_frame` <= `end_frame` inside the video's frames "
                    f"[0, {reader.num_frames - 1}], but got start_frame={start}, end_frame={end}."
                )
        elif "start_s" in batch and "end_s" in batch:
            try:
                start, end = seconds_to_frame_window(
                    batch["start_s"][i],
                    batch["end_s"][i],
                    self._video_fps(batch, i, reader),
                    reader.num_frames,
                )
            except InputValidationError as exc:
                raise InputValidationError(f"{where}: {exc}") from None
        else:
            start, end = 0, reader.num_frames - 1
        if self.window == "example":
            return start, end
        video_fps = self._video_fps(batch, i, reader)
        length = end - start + 1
        want = seconds_to_frame_window(0.0, float(self.window), video_fps)[1] + 1  # frames in `window` s
        if want >= length:
            return start, end
        if self.window_position == "start":
            offset = 0
        elif self.window_position == "center":
            offset = (length - want) // 2
        else:
            offset = int(self._random().integers(0, length - want + 1))
        return start + offset, start + offset + want - 1

    def _video_fps(self, batch: Mapping[str, list[Any]], i: int, reader: FrameReader) -> float:
        if "fps" in batch and batch["fps"][i] is not None:
            return float(batch["fps"][i])
        return reader.fps

    def indices_for(self, batch: Mapping[str, list[Any]], i: int, reader: FrameReader) -> np.ndarray:
        """The frame indices (video frame index) this transform decodes for example ``i`` of ``batch``."""
        where = str(batch["video_id"][i]) if "video_id" in batch else reader.name
        start, end = self._window(batch, i, reader, where)
        if self.fps is not None:
            return fps_indices(start, end, self._video_fps(batch, i, reader), self.fps)
        return uniform_indices(start, end, cast(int, self.num_frames))

    # ----------------------------------------------------------------- call
    def __call__(self, batch: Mapping[str, list[Any]]) -> dict[str, list[Any]]:
        """Decode the clip of every example of a batched dict (``set_transform`` convention)."""
        self._ensure_process()
        size = len(next(iter(batch.values()))) if batch else 0
        out: dict[str, list[Any]] = {k: list(v) for k, v in batch.items() if k != self.video_column}
        frames: list[Any] = []
        indices: list[Any] = []
        pts: list[Any] = []
        for i in range(size):
            source = self._source_of(batch, i)
            try:
                reader, cached = self._reader(source)
            except InputValidationError:
                raise
            except Exception as exc:  # decoder libraries raise RuntimeError / OSError / av errors
                name = batch["video_id"][i] if "video_id" in batch else describe_source(source)
                raise InputValidationError(
                    f"{name}: could not open video {describe_source(source)!r}: {exc}"
                ) from exc
            try:
                idx = self.indices_for(batch, i, reader)
                clip = reader.get_frames_at(idx)
            finally:
                if not cached:
                    reader.close()
            if self.output == "numpy":
                frames.append(clip.frames.numpy())
                pts.append(clip.pts_seconds.numpy())
                indices.append(idx)
            else:
                import torch

                frames.append(clip.frames)
                pts.append(clip.pts_seconds)
                indices.append(torch.from_numpy(idx))
        out["frames"] = frames
        out["frame_indices"] = indices
        out["pts_seconds"] = pts
        return out

    def __repr__(self) -> str:
        how = f"fps={self.fps}" if self.fps is not None else f"num_frames={self.num_frames}"
        return f"VideoClipSampler({how}, backend={self.backend!r}, window={self.window!r})"
