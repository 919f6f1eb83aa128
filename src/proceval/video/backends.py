"""Decoding backends behind one interface: open a video once, fetch a batch of frames by index.

Backends (selected by name, see :data:`BACKENDS`):

* ``torchcodec_exact``: ``torchcodec.decoders.VideoDecoder(seek_mode="exact")``. Opening scans the
  packet table once, so frame index -> timestamp is exact for any file.
* ``torchcodec_approximate``: ``seek_mode="approximate"``: no scan, index -> timestamp from the header's
  average frame rate (exact for constant-frame-rate files such as the IMPACT exports).
* ``decord``: ``decord.VideoReader`` (bundles its own FFmpeg).
* ``pyav``: PyAV with proceval's own seek logic (demux-only index, then seek to the keyframe at or
  before each needed frame and decode forward). It counts decoded frames in ``decoded_frames``,
  which the tests use to prove that a clip decodes only its own window.

Every reader takes frame indices in the video's own 0-based index (any order, repeats allowed),
decodes each distinct frame once, and returns a :class:`Clip` with frames as a ``uint8`` torch tensor
``[N, C, H, W]`` (or ``[N, H, W, C]``) in the requested order plus presentation times in seconds.

``num_threads``: 1 decodes on one thread; 0 lets the codec use all cores (FFmpeg "auto").

torch and the decoder libraries are imported inside functions, so importing this module needs only
numpy.
"""

from __future__ import annotations

import io
import os
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from proceval.errors import InputValidationError

if TYPE_CHECKING:
    import torch

DimensionOrder = Literal["NCHW", "NHWC"]
DIMENSION_ORDERS: tuple[str, ...] = ("NCHW", "NHWC")

#: The default backend, chosen by ``benchmarks/bench_decode.py`` (see docs/performance/decode.md).
DEFAULT_BACKEND = "torchcodec_exact"

#: A video source: a file path, a ``{"path", "bytes"}`` dict (``datasets.Video(decode=False)``), or a
#: ``torchcodec.decoders.VideoDecoder`` (``datasets.Video()`` decoded value).
VideoSource = Any


@dataclass
class Clip:
    """Decoded frames of one clip.

    Attributes:
        frames: ``uint8`` tensor ``[N, C, H, W]`` (or ``[N, H, W, C]``), RGB, in the requested index order.
        pts_seconds: ``float64`` tensor ``[N]``, presentation time of each frame in seconds.
        indices: ``int64`` array ``[N]``, the frame indices requested.
    """

    frames: torch.Tensor
    pts_seconds: torch.Tensor
    indices: np.ndarray


def describe_source(source: VideoSource) -> str:
    """A short human-readable name of a source, for error messages."""
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    if isinstance(source, Mapping):
        path = source.get("path")
        return str(path) if path else "<video bytes>"
    encoded = getattr(source, "_hf_encoded", None)
    if isinstance(encoded, Mapping) and encoded.get("path"):
        return str(encoded["path"])
    return f"<{type(source).__name__}>"


def source_to_file(source: VideoSource) -> str | io.BytesIO:
    """Resolve a source to a path or an in-memory file for backends that cannot take a VideoDecoder.

    Raises:
        InputValidationError: the source is none of a path, a ``{"path", "bytes"}`` dict, or a
            ``datasets.Video`` decoder carrying its encoded path/bytes.
    """
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    encoded = source if isinstance(source, Mapping) else getattr(source, "_hf_encoded", None)
    if isinstance(encoded, Mapping):
        data = encoded.get("bytes")
        if data is not None:
            return io.BytesIO(data)
        path = encoded.get("path")
        if path is not None:
            return os.fspath(path)
        raise InputValidationError(
            f"Expected a video dict with `path` or `bytes`, but both are None in {dict(encoded)!r}."
        )
    raise InputValidationError(
        "Expected a video source (a path, a {'path', 'bytes'} dict or a datasets.Video decoder), "
        f"but got {type(source).__name__}."
    )


def _check_indices(indices: Sequence[int] | np.ndarray, num_frames: int, where: str) -> np.ndarray:
    idx = np.asarray(indices)
    if idx.ndim != 1 or idx.size == 0:
        raise InputValidationError(
            f"Expected `indices` to be a non-empty 1-D sequence, but got shape {idx.shape}."
        )
    if not np.issubdtype(idx.dtype, np.integer):
        raise InputValidationError(f"Expected integer frame `indices`, but got dtype {idx.dtype}.")
    idx = idx.astype(np.int64)
    bad = idx[(idx < 0) | (idx >= num_frames)]
    if bad.size:
        raise InputValidationError(
            f"{where}: expected frame `indices` in [0, {num_frames - 1}], but got {bad[:5].tolist()}."
        )
    return idx


class FrameReader(ABC):
    """One open video. Subclasses implement ``_read_unique`` for sorted, distinct indices."""

    backend: ClassVar[str]

    def __init__(
        self, source: VideoSource, *, num_threads: int = 1, dimension_order: DimensionOrder = "NCHW"
    ):
        if dimension_order not in DIMENSION_ORDERS:
            raise InputValidationError(
                f"Expected argument `dimension_order` to be one of {DIMENSION_ORDERS}, "
                f"but got {dimension_order!r}."
            )
        if isinstance(num_threads, bool) or not isinstance(num_threads, int) or num_threads < 0:
            raise InputValidationError(
                f"Expected argument `num_threads` to be an integer >= 0 (0 = all cores), "
                f"but got {num_threads!r}."
            )
        self.name = describe_source(source)
        self.num_threads = num_threads
        self.dimension_order: DimensionOrder = dimension_order

    @property
    @abstractmethod
    def num_frames(self) -> int:
        """Number of frames of the video stream."""

    @property
    @abstractmethod
    def fps(self) -> float:
        """Average frame rate (frames per second)."""

    @abstractmethod
    def _read_unique(self, indices: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """Frames (``uint8``, per ``dimension_order``) and pts seconds for sorted distinct indices."""

    def get_frames_at(self, indices: Sequence[int] | np.ndarray) -> Clip:
        """Decode the frames at ``indices`` (0-based frame indices; any order; repeats allowed) in one call.

        Raises:
            InputValidationError: empty, non-integer or out-of-range indices (names the video).
        """
        import torch

        idx = _check_indices(indices, self.num_frames, self.name)
        unique, inverse = np.unique(idx, return_inverse=True)
        frames, pts = self._read_unique(unique)
        if unique.size != idx.size or not np.array_equal(unique, idx):
            take = torch.from_numpy(inverse.reshape(-1).astype(np.int64))
            frames, pts = frames[take], pts[take]
        return Clip(frames=frames, pts_seconds=pts.to(torch.float64), indices=idx)

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the underlying decoder (optional)."""


class _TorchCodecReader(FrameReader):
    seek_mode: ClassVar[str]

    def __init__(
        self, source: VideoSource, *, num_threads: int = 1, dimension_order: DimensionOrder = "NCHW"
    ):
        super().__init__(source, num_threads=num_threads, dimension_order=dimension_order)
        from torchcodec.decoders import VideoDecoder

        if isinstance(source, VideoDecoder):
            # A decoder handed in (e.g. a datasets.Video() value) is used as is, with its own seek mode.
            self._decoder = source
        else:
            file = source_to_file(source)
            if isinstance(file, io.BytesIO):
                file = file.getvalue()
            self._decoder = VideoDecoder(
                file,
                seek_mode=self.seek_mode,
                num_ffmpeg_threads=num_threads,
                dimension_order=dimension_order,
            )
        meta = self._decoder.metadata
        self._num_frames = int(meta.num_frames)
        self._fps = float(meta.average_fps)
        self._height = int(meta.height)
        self._width = int(meta.width)

    @property
    def num_frames(self) -> int:
        return self._num_frames

    @property
    def fps(self) -> float:
        return self._fps

    def _read_unique(self, indices: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        batch = self._decoder.get_frames_at(indices.tolist())
        data = batch.data
        is_nhwc = (
            data.shape[1] == self._height and data.shape[2] == self._width and data.shape[3] in (1, 3, 4)
        )
        if is_nhwc and self.dimension_order == "NCHW":
            data = data.permute(0, 3, 1, 2).contiguous()
        elif not is_nhwc and self.dimension_order == "NHWC":
            data = data.permute(0, 2, 3, 1).contiguous()
        return data, batch.pts_seconds


class TorchCodecExactReader(_TorchCodecReader):
    """torchcodec with ``seek_mode="exact"`` (scans the packet table on open)."""

    backend = "torchcodec_exact"
    seek_mode = "exact"


class TorchCodecApproximateReader(_TorchCodecReader):
    """torchcodec with ``seek_mode="approximate"`` (timestamps from the header's frame rate)."""

    backend = "torchcodec_approximate"
    seek_mode = "approximate"


class DecordReader(FrameReader):
    """decord ``VideoReader`` (its ``get_batch`` decodes a clip in one call)."""

    backend = "decord"

    def __init__(
        self, source: VideoSource, *, num_threads: int = 1, dimension_order: DimensionOrder = "NCHW"
    ):
        super().__init__(source, num_threads=num_threads, dimension_order=dimension_order)
        import decord

        self._reader = decord.VideoReader(source_to_file(source), ctx=decord.cpu(0), num_threads=num_threads)
        self._num_frames = len(self._reader)
        self._fps = float(self._reader.get_avg_fps())

    @property
    def num_frames(self) -> int:
        """Number of frames decord reports for the video stream."""
        return self._num_frames

    @property
    def fps(self) -> float:
        """Average frame rate (frames per second) from decord's ``get_avg_fps``."""
        return self._fps

    def _read_unique(self, indices: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        import torch

        data = torch.from_numpy(self._reader.get_batch(indices.tolist()).asnumpy())  # NHWC
        if self.dimension_order == "NCHW":
            data = data.permute(0, 3, 1, 2).contiguous()
        pts = torch.from_numpy(
            np.asarray(self._reader.get_frame_timestamp(indices.tolist()))[:, 0].astype(np.float64)
        )
        return data, pts


class PyAVReader(FrameReader):
    """PyAV with explicit seeking: decode from the keyframe at or before each needed frame.

    On open, packets are demuxed (not decoded) once to list every frame's pts and the keyframes. A
    batch is served in index order: the reader keeps decoding forward while the next wanted frame is
    before the next keyframe, and seeks otherwise. ``decoded_frames`` counts every frame the codec
    returned since the reader was opened.
    """

    backend = "pyav"

    def __init__(
        self, source: VideoSource, *, num_threads: int = 1, dimension_order: DimensionOrder = "NCHW"
    ):
        super().__init__(source, num_threads=num_threads, dimension_order=dimension_order)
        import av

        self._container = av.open(source_to_file(source))
        if not self._container.streams.video:
            raise InputValidationError(f"{self.name}: expected a video stream, but the file has none.")
        self._stream = self._container.streams.video[0]
        ctx = self._stream.codec_context
        if num_threads == 1:
            ctx.thread_type = "SLICE"
            ctx.thread_count = 1
        else:
            ctx.thread_type = "AUTO"
            ctx.thread_count = num_threads
        pts: list[int] = []
        keys: list[int] = []
        for packet in self._container.demux(self._stream):
            if packet.pts is None:
                continue
            pts.append(packet.pts)
            if packet.is_keyframe:
                keys.append(packet.pts)
        if not pts:
            raise InputValidationError(f"{self.name}: expected video frames, but the stream has no packets.")
        self._pts = np.array(sorted(pts), dtype=np.int64)
        self._index_of = {int(p): i for i, p in enumerate(self._pts)}
        self._keyframes = np.searchsorted(self._pts, np.array(sorted(keys), dtype=np.int64))
        self._time_base = float(self._stream.time_base)
        rate = self._stream.average_rate
        self._fps = (
            float(rate) if rate else len(self._pts) / max(self._time_base * float(self._pts[-1]), 1e-9)
        )
        self._frames_iter: Any = None
        self._position = -1  # index of the last decoded frame, -1 = nothing decoded since the last seek
        self.decoded_frames = 0

    @property
    def num_frames(self) -> int:
        """Number of frames with a pts in the stream (counted from the demuxed packets)."""
        return int(self._pts.size)

    @property
    def fps(self) -> float:
        """Average frame rate (frames per second): the stream's ``average_rate``, else frames / duration."""
        return self._fps

    def _keyframe_before(self, index: int) -> int:
        pos = int(np.searchsorted(self._keyframes, index, side="right")) - 1
        return int(self._keyframes[max(pos, 0)])

    def _seek(self, index: int) -> None:
        key = self._keyframe_before(index)
        self._container.seek(int(self._pts[key]), stream=self._stream, backward=True, any_frame=False)
        self._frames_iter = self._container.decode(self._stream)
        self._position = key - 1

    def _read_unique(self, indices: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        import torch

        fmt_frames: list[np.ndarray] = []
        for target in indices.tolist():
            need_seek = (
                self._frames_iter is None
                or self._position >= target
                or self._keyframe_before(target) > self._position + 1
            )
            if need_seek:
                self._seek(target)
            while True:
                try:
                    frame = next(self._frames_iter)
                except StopIteration:
                    raise InputValidationError(
                        f"{self.name}: the stream ended before frame {target} could be decoded."
                    ) from None
                self.decoded_frames += 1
                index = self._index_of.get(int(frame.pts)) if frame.pts is not None else None
                if index is None:
                    continue
                self._position = index
                if index >= target:
                    break
            if self._position != target:
                raise InputValidationError(
                    f"{self.name}: decoding reached frame {self._position} without producing frame {target}."
                )
            fmt_frames.append(frame.to_ndarray(format="rgb24"))
        data = torch.from_numpy(np.stack(fmt_frames))  # NHWC
        if self.dimension_order == "NCHW":
            data = data.permute(0, 3, 1, 2).contiguous()
        pts = torch.from_numpy(self._pts[indices].astype(np.float64) * self._time_base)
        return data, pts

    def close(self) -> None:
        """Close the PyAV container."""
        self._container.close()


#: Backend name -> reader class.
BACKENDS: dict[str, type[FrameReader]] = {
    cls.backend: cls for cls in (TorchCodecExactReader, TorchCodecApproximateReader, DecordReader, PyAVReader)
}


def check_backend(backend: str) -> str:
    """Return ``backend`` if it is a known backend name, else raise InputValidationError."""
    if backend not in BACKENDS:
        raise InputValidationError(
            f"Expected argument `backend` to be one of {tuple(BACKENDS)}, but got {backend!r}."
        )
    return backend


def open_reader(
    source: VideoSource,
    *,
    backend: str = DEFAULT_BACKEND,
    num_threads: int = 1,
    dimension_order: DimensionOrder = "NCHW",
) -> FrameReader:
    """Open ``source`` with the named backend (see :data:`BACKENDS`); reuse the reader for many clips."""
    return BACKENDS[check_backend(backend)](source, num_threads=num_threads, dimension_order=dimension_order)


def read_frames(
    source: VideoSource,
    indices: Sequence[int] | np.ndarray,
    *,
    backend: str = DEFAULT_BACKEND,
    num_threads: int = 1,
    dimension_order: DimensionOrder = "NCHW",
) -> Clip:
    """Decode the frames at ``indices`` of one video in a single batched call.

    Args:
        source: a path, a ``{"path", "bytes"}`` dict, or a ``torchcodec`` ``VideoDecoder`` (reused as is by
            the torchcodec backends when its seek mode and dimension order match).
        indices: 0-based frame indices in the video's own index (any order; repeats allowed).
        backend: a name from :data:`BACKENDS`; default :data:`DEFAULT_BACKEND`.
        num_threads: decoder threads; 1 = one thread, 0 = all cores.
        dimension_order: ``"NCHW"`` (default) or ``"NHWC"``.

    Returns:
        A :class:`Clip`: ``uint8`` frames ``[N, C, H, W]`` (RGB) and ``pts_seconds`` ``[N]``.

    Raises:
        InputValidationError: unknown backend, bad source, or indices outside the video.
    """
    reader = open_reader(source, backend=backend, num_threads=num_threads, dimension_order=dimension_order)
    try:
        return reader.get_frames_at(indices)
    finally:
        reader.close()
