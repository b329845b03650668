"""Build ``models/ge2e/ge2e.onnx``: the GE2E speaker encoder of Resemblyzer, converted without torch.

Steps (each skipped when its result is already in place):

1. ``pip download --no-deps resemblyzer==0.1.4`` into ``models/cache/`` and check its sha256.
2. Take ``resemblyzer/pretrained.pt`` out of the wheel and read the checkpoint with a restricted
   unpickler (torch's legacy serialization, or the newer zip layout) into numpy arrays.
3. Build the ONNX graph with the ``onnx`` package: 3 stacked LSTMs (40 -> 256 -> 256 -> 256), the
   last hidden state of the top layer, linear 256 -> 256, ReLU, L2 normalisation. PyTorch stores
   LSTM gates as (i, f, g, o); ONNX wants (i, o, f, c), so the blocks are reordered.
4. Write ``ge2e.onnx`` and ``manifest.json`` (the sha256 of the ONNX file).

When ``ge2e.onnx`` already matches ``manifest.json`` the script only verifies it and exits, so
``make models`` stays fast and needs no network (the ONNX file is committed).

Usage: ``python models/ge2e/build.py [--force]``
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import io
import json
import pickle
import struct
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
CACHE = HERE.parent / "cache"
NAME = "ge2e"
VERSION = "resemblyzer-0.1.4"
WHEEL = "Resemblyzer-0.1.4-py3-none-any.whl"
WHEEL_SHA256 = "8f12eb2f1a9982d32e8db7856de754709b59c93a77bcf0ff536584b619a9dd1f"
CHECKPOINT_SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"
ONNX_FILE = "ge2e.onnx"
OPSET = 17

N_MELS = 40
HIDDEN = 256


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    return sha256_bytes(path.read_bytes())


# --------------------------------------------------------------------------------------------
# Reading a torch checkpoint without torch
# --------------------------------------------------------------------------------------------

_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class _StorageType:
    def __init__(self, name: str) -> None:
        self.name = name
        self.dtype = np.dtype(_DTYPES[name])


class _Storage:
    """A storage whose bytes are filled in after the object pickle has been read."""

    def __init__(self, key: str, dtype: np.dtype, numel: int) -> None:
        self.key = key
        self.dtype = dtype
        self.numel = numel
        self.data: np.ndarray | None = None


class _LazyTensor:
    def __init__(self, storage: _Storage, offset: int, size: tuple, stride: tuple) -> None:
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride

    def materialize(self) -> np.ndarray:
        base = self.storage.data
        if base is None:
            raise ValueError(f"storage {self.storage.key} has no data")
        item = base.dtype.itemsize
        view = np.lib.stride_tricks.as_strided(
            base[self.offset :],
            shape=tuple(self.size),
            strides=tuple(s * item for s in self.stride),
        )
        return np.array(view, copy=True)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, *_args):  # noqa: ANN001, ANN202
    return _LazyTensor(storage, int(storage_offset), tuple(size), tuple(stride))


def _rebuild_parameter(data, *_args):  # noqa: ANN001, ANN202
    return data


class _RestrictedUnpickler(pickle.Unpickler):
    """Resolves only the globals a state dict needs; anything else is refused."""

    def __init__(self, fh: Any, storages: dict[str, _Storage], zip_reader: Any = None) -> None:
        super().__init__(fh)
        self._storages = storages
        self._zip = zip_reader

    def find_class(self, module: str, name: str) -> Any:
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor_v2
        if module == "torch._utils" and name == "_rebuild_parameter":
            return _rebuild_parameter
        if module == "torch" and name in _DTYPES:
            return _StorageType(name)
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        raise pickle.UnpicklingError(f"refusing to load global {module}.{name} from a checkpoint")

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        storage_type, key, _location, numel = pid[1], str(pid[2]), pid[3], int(pid[4])
        if key not in self._storages:
            self._storages[key] = _Storage(key, storage_type.dtype, numel)
            if self._zip is not None:
                self._storages[key].data = self._zip(key, storage_type.dtype)
        return self._storages[key]


def _materialize(obj: Any) -> Any:
    if isinstance(obj, _LazyTensor):
        return obj.materialize()
    if isinstance(obj, dict):
        return type(obj)((k, _materialize(v)) for k, v in obj.items())
    if isinstance(obj, list | tuple):
        return type(obj)(_materialize(v) for v in obj)
    return obj


def load_torch_checkpoint(data: bytes) -> Any:
    """Read a torch checkpoint (legacy or zip serialization) into numpy arrays, without torch."""
    storages: dict[str, _Storage] = {}
    if zipfile.is_zipfile(io.BytesIO(data)):
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = zf.namelist()
        prefix = names[0].split("/")[0]

        def read_storage(key: str, dtype: np.dtype) -> np.ndarray:
            return np.frombuffer(zf.read(f"{prefix}/data/{key}"), dtype=dtype).copy()

        with zf.open(f"{prefix}/data.pkl") as fh:
            obj = _RestrictedUnpickler(io.BytesIO(fh.read()), storages, read_storage).load()
        return _materialize(obj)
    if data[:2] == b"\x80\x02" or data[:1] == b"\x80":
        fh = io.BytesIO(data)
        magic = pickle.load(fh)  # noqa: S301 - a bare integer
        if magic != 0x1950A86A20F9469CFC6C:
            raise ValueError(f"not a torch checkpoint (magic number {magic!r})")
        pickle.load(fh)  # protocol version  # noqa: S301
        pickle.load(fh)  # sys info (endianness, type sizes)  # noqa: S301
        obj = _RestrictedUnpickler(fh, storages).load()
        keys = pickle.load(fh)  # noqa: S301 - a list of strings
        for key in keys:
            st = storages[str(key)]
            (numel,) = struct.unpack("<q", fh.read(8))
            nbytes = numel * st.dtype.itemsize
            st.data = np.frombuffer(fh.read(nbytes), dtype=st.dtype).copy()
            if st.data.size != numel:
                raise ValueError(f"storage {key} is truncated")
        return _materialize(obj)
    if tarfile.is_tarfile(io.BytesIO(data)):
        raise ValueError("the tar-based torch serialization (torch < 0.4) is not supported")
    raise ValueError("not a torch checkpoint")


# --------------------------------------------------------------------------------------------
# ONNX graph
# --------------------------------------------------------------------------------------------


def _torch_to_onnx_gates(w: np.ndarray) -> np.ndarray:
    """Reorder gate blocks along axis 0 from PyTorch (i, f, g, o) to ONNX (i, o, f, c)."""
    i, f, g, o = np.split(w, 4, axis=0)
    return np.concatenate([i, o, f, g], axis=0)


def build_onnx(state: dict[str, np.ndarray]) -> bytes:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    n_layers = sum(1 for k in state if k.startswith("lstm.weight_ih_l"))
    hidden = state["lstm.weight_hh_l0"].shape[1]
    n_mels = state["lstm.weight_ih_l0"].shape[1]
    emb = state["linear.weight"].shape[0]
    if (n_layers, hidden, n_mels) != (3, HIDDEN, N_MELS):
        raise ValueError(f"unexpected GE2E shape: layers={n_layers} hidden={hidden} mels={n_mels}")

    inits = []
    nodes = [helper.make_node("Transpose", ["mels"], ["x0"], perm=[1, 0, 2])]  # (T, B, F)
    x = "x0"
    for layer in range(n_layers):
        w = _torch_to_onnx_gates(state[f"lstm.weight_ih_l{layer}"])[None]
        r = _torch_to_onnx_gates(state[f"lstm.weight_hh_l{layer}"])[None]
        b = np.concatenate(
            [
                _torch_to_onnx_gates(state[f"lstm.bias_ih_l{layer}"]),
                _torch_to_onnx_gates(state[f"lstm.bias_hh_l{layer}"]),
            ]
        )[None]
        for name, arr in (("W", w), ("R", r), ("B", b)):
            inits.append(numpy_helper.from_array(arr.astype(np.float32), f"lstm{layer}_{name}"))
        y, yh = f"y{layer}", f"h{layer}"
        nodes.append(
            helper.make_node(
                "LSTM",
                [x, f"lstm{layer}_W", f"lstm{layer}_R", f"lstm{layer}_B"],
                [y, yh],
                hidden_size=hidden,
                name=f"lstm{layer}",
            )
        )
        if layer < n_layers - 1:
            inits.append(numpy_helper.from_array(np.array([1], np.int64), f"axis1_{layer}"))
            nodes.append(helper.make_node("Squeeze", [y, f"axis1_{layer}"], [f"x{layer + 1}"]))
            x = f"x{layer + 1}"
    last = f"h{n_layers - 1}"
    inits.append(numpy_helper.from_array(np.array([0], np.int64), "axis0"))
    inits.append(numpy_helper.from_array(state["linear.weight"].astype(np.float32), "linear_W"))
    inits.append(numpy_helper.from_array(state["linear.bias"].astype(np.float32), "linear_b"))
    nodes += [
        helper.make_node("Squeeze", [last, "axis0"], ["hidden"]),
        helper.make_node("Gemm", ["hidden", "linear_W", "linear_b"], ["lin"], transB=1),
        helper.make_node("Relu", ["lin"], ["relu"]),
        helper.make_node("LpNormalization", ["relu"], ["embeddings"], axis=1, p=2),
    ]
    graph = helper.make_graph(
        nodes,
        "ge2e_speaker_encoder",
        [helper.make_tensor_value_info("mels", TensorProto.FLOAT, ["batch", "frames", n_mels])],
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", emb])],
        initializer=inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="cxkit models/ge2e/build.py",
        doc_string=(
            "GE2E speaker encoder from Resemblyzer 0.1.4 (Apache-2.0). Input: mel power "
            "spectrogram (batch, frames, 40) at 16 kHz, 25 ms window, 10 ms hop. Output: "
            "L2-normalised 256-d embedding."
        ),
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


def fetch_wheel() -> Path:
    wheel = CACHE / WHEEL
    if not wheel.is_file():
        CACHE.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(CACHE)]
        subprocess.run([*cmd, "resemblyzer==0.1.4"], check=True)
    actual = sha256_file(wheel)
    if actual != WHEEL_SHA256:
        raise SystemExit(f"{wheel}: sha256 {actual} does not match the pinned {WHEEL_SHA256}")
    return wheel


def read_checkpoint(wheel: Path) -> dict[str, np.ndarray]:
    with zipfile.ZipFile(wheel) as zf:
        data = zf.read("resemblyzer/pretrained.pt")
    actual = sha256_bytes(data)
    if actual != CHECKPOINT_SHA256:
        raise SystemExit(f"pretrained.pt: sha256 {actual} does not match {CHECKPOINT_SHA256}")
    ckpt = load_torch_checkpoint(data)
    state = ckpt.get("model_state", ckpt)
    return {k: np.asarray(v) for k, v in state.items() if isinstance(v, np.ndarray)}


def is_built() -> bool:
    manifest = HERE / "manifest.json"
    onnx_path = HERE / ONNX_FILE
    if not (manifest.is_file() and onnx_path.is_file()):
        return False
    meta = json.loads(manifest.read_text(encoding="utf-8"))
    return meta.get("sha256") == sha256_file(onnx_path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)
    if is_built() and not args.force:
        print(f"{NAME}: {ONNX_FILE} is up to date (sha256 matches manifest.json)")
        return 0
    state = read_checkpoint(fetch_wheel())
    blob = build_onnx(state)
    (HERE / ONNX_FILE).write_bytes(blob)
    manifest = {
        "name": NAME,
        "version": VERSION,
        "file": ONNX_FILE,
        "sha256": sha256_bytes(blob),
        "source": f"pip download --no-deps resemblyzer==0.1.4 ({WHEEL}, sha256 {WHEEL_SHA256})",
        "checkpoint_sha256": CHECKPOINT_SHA256,
        "licence": "Apache-2.0",
        "sample_rate": 16000,
        "n_mels": N_MELS,
        "embedding_size": int(state["linear.weight"].shape[0]),
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"{NAME}: wrote {ONNX_FILE} ({len(blob)} bytes, sha256 {manifest['sha256']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
