#!/usr/bin/python3
"""Regenerates the PyTorch/OpenCV reference data under test/reference/ and docs/seed-figure-*.png.

Run with Debian's interpreter (python3-torch 1.13, python3-torchvision, python3-opencv,
python3-matplotlib, python3-onnx), not a pyenv python:

    node dist/cli.js weights --seed 0 --out /tmp/seed0.safetensors
    /usr/bin/python3 scripts/make_reference.py --weights /tmp/seed0.safetensors

Without our CLI, torch's own initialisation can stand in for the weights:

    /usr/bin/python3 scripts/make_reference.py --write-torch-init /tmp/torchinit0.safetensors \\
        --weights /tmp/torchinit0.safetensors

The outputs depend only on the weights file, the image and the library versions. Random numbers
appear only in --write-torch-init (torch.manual_seed(0)) and in two seeded self-checks that write
nothing (BN folding with varied statistics, resize emulation at random sizes).
test/reference/README.md describes every file.
"""

import argparse
import hashlib
import json
import math
import os
import shutil
import struct
import sys
import tempfile
import warnings

import cv2
import matplotlib

matplotlib.use("Agg")  # before pyplot: the figures are files, there is no display

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnx.numpy_helper  # noqa: E402
import onnx.shape_inference  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import torchvision  # noqa: E402
from torchvision.transforms import ToTensor  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REF = os.path.join(REPO, "test", "reference")
CHELSEA = os.path.join(REPO, "media", "samples", "chelsea.png")
ASTRONAUT = os.path.join(REPO, "test", "fixtures", "images", "astronaut.png")
BN_EPS = 1e-5
OPSET = 17  # the highest torch 1.13 exports


from seed_model import XAI, LayerActivations, layer_ids, module_of  # noqa: E402


# --------------------------------------------------------------------------------------------
# safetensors, by hand: the format is small and a package for it is not in Debian's python here.


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        sys.exit(f"{path}: shorter than the 8-byte header length")
    (header_len,) = struct.unpack("<Q", blob[:8])
    if 8 + header_len > len(blob):
        sys.exit(f"{path}: header length {header_len} runs past the end of the file")
    header = json.loads(blob[8 : 8 + header_len].decode("utf-8"))
    metadata = header.pop("__metadata__", None) or {}
    body = memoryview(blob)[8 + header_len :]
    tensors = {}
    for name, entry in header.items():
        if entry.get("dtype") != "F32":
            sys.exit(f"{path}: {name} is {entry.get('dtype')}; the reference takes float32 (F32) only")
        begin, end = entry["data_offsets"]
        shape = [int(d) for d in entry["shape"]]
        count = math.prod(shape)
        if not (0 <= begin <= end <= len(body)) or end - begin != 4 * count:
            sys.exit(f"{path}: {name} has offsets {begin}..{end} that do not hold {shape} float32")
        data = np.frombuffer(body[begin:end], dtype="<f4").astype(np.float32).reshape(shape)
        tensors[name] = torch.from_numpy(data.copy())
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    offset = 0
    for name, t in tensors.items():
        nbytes = t.numel() * 4
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - (8 + len(text)) % 8) % 8)  # data 8-byte aligned, as the format recommends
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text.encode("utf-8"))
        for t in tensors.values():
            f.write(t.detach().contiguous().numpy().astype("<f4").tobytes())


def write_torch_init(path):
    torch.manual_seed(0)
    model = XAI()
    # num_batches_tracked is an int64 counter that eval() never reads; our files leave it out.
    state = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    write_safetensors(
        path,
        state,
        {
            "tag": "torchinit0",
            "source": f"torch.manual_seed(0); XAI() default initialisation, torch {torch.__version__}",
        },
    )
    print(f"wrote {path}: torch's default init under torch.manual_seed(0) ({len(state)} tensors)")


def load_model(weights_path):
    tensors, metadata = read_safetensors(weights_path)
    model = XAI()
    expected = model.state_dict()
    for name, t in tensors.items():
        if name in expected and tuple(expected[name].shape) != tuple(t.shape):
            sys.exit(f"{weights_path}: {name} is {list(t.shape)}, the model needs {list(expected[name].shape)}")
    result = model.load_state_dict(tensors, strict=False)
    missing = [k for k in result.missing_keys if not k.endswith("num_batches_tracked")]
    if missing or result.unexpected_keys:
        sys.exit(f"{weights_path}: missing {missing}, unexpected {result.unexpected_keys}")
    model.eval()
    return model, tensors, metadata


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def rel(path):
    return os.path.relpath(path, REPO)


# --------------------------------------------------------------------------------------------
# Activations.


def seed_input(image_path, width, height):
    img = cv2.imread(image_path)
    if img is None:
        sys.exit(f"cv2.imread could not read {image_path}")
    img = cv2.resize(img, (width, height), interpolation=cv2.INTER_LINEAR)
    x = ToTensor()(img).unsqueeze(0)
    chw = np.ascontiguousarray(img.transpose(2, 0, 1)[None])
    # Promised in the README: the engine gets the same float32 tensor from input.npy by x / 255.
    assert torch.equal(x, torch.from_numpy(chw).float().div(255)), "ToTensor is not float32(u8) / 255"
    return x, chw


def sig7(v):
    return float(f"{v:.7g}")


def run_model(model, x):
    ids = layer_ids(model)
    copies, views, aliases = {}, {}, {}
    handles = []

    def hook_for(layer_id):
        def hook(module, inputs, output):
            # A copy, because the next in-place ReLU would otherwise rewrite a BN output.
            copies[layer_id] = output.detach().clone()
            views[layer_id] = output.detach()
            aliases[layer_id] = output.data_ptr() == inputs[0].data_ptr()

        return hook

    for layer_id in ids:
        handles.append(module_of(model, layer_id).register_forward_hook(hook_for(layer_id)))
    with torch.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Implicit dimension choice for log_softmax")
        out = model(x)
    for h in handles:
        h.remove()
    assert torch.equal(out, F.log_softmax(copies["classifier.5"], dim=1)), "implicit log_softmax dim is not 1"
    overwritten = {k: not torch.equal(views[k], copies[k]) for k in ids}
    return ids, copies, aliases, overwritten, out.detach().clone()


def describe(t):
    a = t.numpy()
    a64 = a.astype(np.float64)
    return {
        "shape": list(a.shape),
        "min": float(a.min()),
        "max": float(a.max()),
        "mean": float(a64.mean()),
        "std": float(a64.std()),
        "zeros": float(np.count_nonzero(a == 0) / a.size),
    }


def write_activations(model, x, chw, out_dir, provenance):
    os.makedirs(os.path.join(out_dir, "channels"), exist_ok=True)
    np.save(os.path.join(out_dir, "input.npy"), chw)
    ids, acts, aliases, overwritten, out = run_model(model, x)
    layers = []
    previous = None
    for layer_id in ids + ["output"]:
        t = out if layer_id == "output" else acts[layer_id]
        entry = {"id": layer_id}
        if layer_id != "output":
            module = module_of(model, layer_id)
            entry["op"] = type(module).__name__
            entry["module"] = repr(module)
        else:
            entry["op"] = "log_softmax"
            entry["module"] = "F.log_softmax(x) (implicit dim, resolves to 1)"
        entry.update(describe(t))
        if layer_id != "output":
            # Facts about torch's memory, for anyone writing hooks: eval-mode Dropout hands back its
            # input tensor itself, and a following ReLU(inplace=True) rewrites a BN output.
            entry["sameTensorAsInput"] = bool(aliases[layer_id])
            if previous is not None and torch.equal(acts[previous], t):
                entry["sameValuesAs"] = previous
            entry["overwrittenInPlaceLater"] = overwritten[layer_id]
        a = t.numpy().astype(np.float32)
        fname = f"channels/{layer_id}.npy"
        if a.ndim == 4:
            means = a[0].astype(np.float64).mean(axis=(1, 2))
            top = int(np.argmax(means))
            entry["channelMeans"] = [sig7(v) for v in means]
            entry["storedChannels"] = [0, top]
            np.save(os.path.join(out_dir, fname), np.ascontiguousarray(np.stack([a[0, 0], a[0, top]])))
        else:
            np.save(os.path.join(out_dir, fname), np.ascontiguousarray(a))
        entry["file"] = fname
        layers.append(entry)
        previous = layer_id
    doc = {
        "what": "activations of the seed's XAI model (eval mode) on one image; see test/reference/README.md",
        **provenance,
        "input": {"file": "input.npy", "dtype": "uint8", "shape": list(chw.shape), "layout": "NCHW, BGR",
                  "toTensor": "float32(input) / 255"},
        "layers": layers,
    }
    # One line per layer: indenting every channel mean would triple the file and bury the diff.
    head = json.dumps({k: v for k, v in doc.items() if k != "layers"}, indent=1)
    lines = ",\n".join("  " + json.dumps(entry, separators=(",", ":")) for entry in layers)
    with open(os.path.join(out_dir, "layers.json"), "w", encoding="utf-8") as f:
        f.write(head[:-2] + ',\n "layers": [\n' + lines + "\n ]\n}\n")
    with open(os.path.join(out_dir, "layers.json"), encoding="utf-8") as f:
        json.load(f)  # the hand-joined text must still be JSON
    return acts, out


def seed_figure(model, x, layer_num, path):
    # The seed's own path: its hook class, a second forward pass, imshow per tile.
    result = LayerActivations(model.features, layer_num)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Implicit dimension choice for log_softmax")
        model(x)
    activations = result.features
    result.remove()
    fig, axes = plt.subplots(4, 4, figsize=(8, 8), dpi=100)
    # The seed follows this with plt.figure(figsize=(12, 8)) and calls subplots_adjust on that new,
    # empty figure, so its grid keeps matplotlib's default size and spacing. The extra figure is
    # left out here; the grid is drawn as the seed's effectively is, only at 8x8 inches.
    for row in range(4):
        for column in range(4):
            axis = axes[row][column]
            axis.get_xaxis().set_ticks([])
            axis.get_yaxis().set_ticks([])
            axis.imshow(activations[0][row * 10 + column])
    fig.savefig(path, dpi=100, metadata={"Software": None})  # no version string: stable bytes
    plt.close(fig)
    return activations


# --------------------------------------------------------------------------------------------
# Resize references, and a check that our reading of OpenCV's INTER_LINEAR (uint8) is exact.


def cv_linear_taps(src_len, dst_len, clamp):
    """Source index and 11-bit fixed-point weights per destination pixel, as OpenCV derives them."""
    scale = 1.0 / (dst_len / src_len)
    index = np.empty(dst_len, np.int64)
    weights = np.empty((dst_len, 2), np.int64)
    one, fixed = np.float32(1), np.float32(2048)
    for d in range(dst_len):
        f = np.float32((d + 0.5) * scale - 0.5)
        s = int(np.floor(f))
        f = np.float32(f - np.float32(s))
        if clamp and s < 0:
            s, f = 0, np.float32(0)
        if clamp and s >= src_len - 1:
            s, f = src_len - 1, np.float32(0)
        index[d] = s
        weights[d] = (int(np.rint(np.float32((one - f) * fixed))), int(np.rint(np.float32(f * fixed))))
    return index, weights


def emulate_cv_linear_u8(img, width, height):
    h, w = img.shape[:2]
    # Columns clamp the tap position at the borders; rows do not, they clamp the row index only.
    xi, xw = cv_linear_taps(w, width, clamp=True)
    yi, yw = cv_linear_taps(h, height, clamp=False)
    src = img.astype(np.int64)
    rows = src[:, xi] * xw[None, :, 0, None] + src[:, np.minimum(xi + 1, w - 1)] * xw[None, :, 1, None]
    r0 = rows[np.clip(yi, 0, h - 1)] >> 4
    r1 = rows[np.clip(yi + 1, 0, h - 1)] >> 4
    out = (((yw[:, 0, None, None] * r0) >> 16) + ((yw[:, 1, None, None] * r1) >> 16) + 2) >> 2
    return np.clip(out, 0, 255).astype(np.uint8)


def write_resize_refs(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    chelsea, astronaut = cv2.imread(CHELSEA), cv2.imread(ASTRONAUT)
    sources = {"chelsea": (CHELSEA, chelsea), "astronaut": (ASTRONAUT, astronaut)}
    plan = []
    for stem in ("chelsea", "astronaut"):
        for size in (100, 224):
            plan.append((stem, None, size, size))
    plan.append(("chelsea", (0, 0, 37, 23), 100, 100))  # upscale of a top-left crop
    plan.append(("chelsea", None, 61, 47))  # downscale by non-integer, unequal factors
    cases = []
    for stem, crop, width, height in plan:
        path, img = sources[stem]
        src = img
        name = f"{stem}_{width}x{height}.npy"
        if crop is not None:
            cx, cy, cw, ch = crop
            src = np.ascontiguousarray(img[cy : cy + ch, cx : cx + cw])
            name = f"{stem}_crop{cx}_{cy}_{cw}x{ch}_{width}x{height}.npy"
        got = cv2.resize(src, (width, height), interpolation=cv2.INTER_LINEAR)
        assert np.array_equal(got, emulate_cv_linear_u8(src, width, height)), f"emulation differs on {name}"
        np.save(os.path.join(out_dir, name), got)
        cases.append({
            "file": name,
            "source": rel(path),
            "sourceSize": {"width": img.shape[1], "height": img.shape[0]},
            "crop": None if crop is None else dict(zip(("x", "y", "width", "height"), crop)),
            "width": width,
            "height": height,
            "interpolation": "cv2.INTER_LINEAR",
            "layout": "HWC, BGR, uint8",
        })
    # Beyond the stored cases: the emulation must hold for arbitrary sizes, up and down.
    rng = np.random.default_rng(0)
    for _ in range(60):
        img = chelsea if rng.random() < 0.5 else astronaut
        w, h = int(rng.integers(1, 700)), int(rng.integers(1, 700))
        assert np.array_equal(cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR),
                              emulate_cv_linear_u8(img, w, h)), f"emulation differs at {w}x{h}"
    with open(os.path.join(out_dir, "cases.json"), "w", encoding="utf-8") as f:
        json.dump({"opencv": cv2.__version__, "cases": cases}, f, indent=1)
        f.write("\n")
    return cases


# --------------------------------------------------------------------------------------------
# torch.onnx.export: the real thing, then a weightless skeleton plus a description of the weights.


def export_onnx(model, x, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the seed's implicit log_softmax dim, tracer notes
        torch.onnx.export(
            model,
            x,
            path,
            opset_version=OPSET,
            input_names=["input"],
            output_names=["output"],
            dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"}, "output": {0: "rows"}},
        )
    return onnx.load(path)


def module_scope(node_name):
    # torch 1.13 names nodes after the module path: /features/features.30/Relu -> features.30
    parts = [p for p in node_name.split("/") if p]
    return parts[-2] if len(parts) >= 2 and "." in parts[-2] else None


def bn_params(state, bn):
    gamma = state[f"{bn}.weight"].double().numpy()
    beta = state[f"{bn}.bias"].double().numpy()
    mean = state[f"{bn}.running_mean"].double().numpy()
    var = state[f"{bn}.running_var"].double().numpy()
    scale = gamma / np.sqrt(var + BN_EPS)
    return scale, beta - mean * scale


def value_roles(model_proto):
    """What each value consumed by a node stands for, in state_dict terms."""
    roles = {}

    def add(value, role):
        roles.setdefault(value, []).append(role)

    bn_nodes = {module_scope(n.name) for n in model_proto.graph.node if n.op_type == "BatchNormalization"}
    for node in model_proto.graph.node:
        scope = module_scope(node.name)
        if node.op_type == "Conv":
            k = int(scope.split(".")[1])
            bn = f"features.{k + 1}"
            if bn in bn_nodes:
                add(node.input[1], {"copy": f"{scope}.weight"})
            else:
                add(node.input[1], {"foldedConvWeight": {"conv": scope, "bn": bn}})
                if len(node.input) > 2:
                    add(node.input[2], {"foldedConvBias": {"conv": scope, "bn": bn}})
        elif node.op_type == "MatMul":
            add(node.input[1], {"copy": f"{scope}.weight", "transpose": [1, 0]})
        elif node.op_type == "Gemm":
            trans_b = next((a.i for a in node.attribute if a.name == "transB"), 0)
            role = {"copy": f"{scope}.weight"}
            if not trans_b:
                role["transpose"] = [1, 0]
            add(node.input[1], role)
            if len(node.input) > 2:
                add(node.input[2], {"copy": f"{scope}.bias"})
        elif node.op_type == "BatchNormalization":
            for value, key in zip(node.input[1:], ("weight", "bias", "running_mean", "running_var")):
                add(value, {"copy": f"{scope}.{key}"})
    return roles


def expected_value(role, state):
    if "copy" in role:
        v = state[role["copy"]].double().numpy()
        return v.transpose(role["transpose"]) if "transpose" in role else v
    if "foldedConvWeight" in role:
        r = role["foldedConvWeight"]
        scale, _ = bn_params(state, r["bn"])
        return state[f"{r['conv']}.weight"].double().numpy() * scale[:, None, None, None]
    r = role["foldedConvBias"]
    _, shift = bn_params(state, r["bn"])  # the seed's convs have no bias of their own
    return shift


def check_role(name, actual, role, state):
    want = expected_value(role, state)
    if tuple(want.shape) != tuple(actual.shape):
        raise AssertionError(f"{name}: shape {actual.shape} but {role} gives {want.shape}")
    diff = float(np.max(np.abs(actual.astype(np.float64) - want))) if want.size else 0.0
    if "copy" in role:
        # A copy must be the same float32 numbers, not merely close ones.
        if not np.array_equal(actual, want.astype(np.float32)):
            raise AssertionError(f"{name}: not a verbatim copy of {role} (max diff {diff})")
    elif not diff < 1e-6:
        raise AssertionError(f"{name}: folding formula off by {diff} for {role}")
    return diff


def describe_export(model_proto, state):
    """initializers.json content; every claimed role is recomputed from the state_dict and checked."""
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in model_proto.graph.initializer}
    roles = value_roles(model_proto)
    # torch 1.13 deduplicates initializers with equal contents and reconnects the extra users
    # through Identity nodes, so one stored tensor can stand for several state_dict entries.
    identity_of = {n.output[0]: n.input[0] for n in model_proto.graph.node if n.op_type == "Identity"
                   and n.input[0] in inits}
    per_init = {name: [] for name in inits}
    for value, value_roles_ in roles.items():
        source = identity_of.get(value, value)
        if source not in inits:
            raise AssertionError(f"{value} is neither an initializer nor an Identity of one")
        for role in value_roles_:
            role = dict(role)
            if source != value:
                role["via"] = value
            per_init[source].append(role)
    worst = 0.0
    entries = []
    for init in model_proto.graph.initializer:
        data = inits[init.name]
        if not per_init[init.name]:
            raise AssertionError(f"initializer {init.name} has no role this script understands")
        for role in per_init[init.name]:
            worst = max(worst, check_role(init.name, data, {k: v for k, v in role.items() if k != "via"}, state))
        flat = data.reshape(-1)
        entries.append({
            "name": init.name,
            "dims": list(init.dims),
            "dataType": np.dtype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[init.data_type]).name,
            "sum": float(flat.astype(np.float64).sum()),
            "first": [float(v) for v in flat[:4]],
            "is": per_init[init.name],
        })
    aliases = [{"output": out, "initializer": src} for out, src in identity_of.items()]
    return entries, aliases, worst


def fold_selftest(state, x):
    """The default BN statistics (1, 0, 0, 1) make folding nearly the identity; re-verify the
    formula on a copy whose BN parameters are all different, so a wrong formula cannot pass."""
    rng = np.random.default_rng(1)
    varied = {}
    for k, v in state.items():
        if ".running_var" in k or (k.endswith(".weight") and v.dim() == 1):
            v = torch.from_numpy(rng.uniform(0.5, 2.0, v.shape).astype(np.float32))
        elif (".running_mean" in k or k.endswith(".bias")) and v.dim() == 1:
            v = torch.from_numpy(rng.normal(0, 0.2, v.shape).astype(np.float32))
        varied[k] = v
    model = XAI()
    model.load_state_dict(varied, strict=False)
    model.eval()
    with tempfile.TemporaryDirectory() as tmp:
        proto = export_onnx(model, x, os.path.join(tmp, "varied.onnx"))
        entries, aliases, worst = describe_export(proto, varied)
    folded = sum(1 for e in entries for r in e["is"] if "foldedConvBias" in r or "foldedConvWeight" in r)
    assert folded == 26, f"expected 13 folded weights and 13 folded biases, found {folded}"
    return worst


def skeleton(model_proto):
    skel = onnx.ModelProto()
    skel.CopyFrom(model_proto)
    for init in skel.graph.initializer:
        for field in ("raw_data", "float_data", "int32_data", "int64_data", "double_data"):
            init.ClearField(field)
    prop = skel.metadata_props.add()
    prop.key = "feature-maps.skeleton"
    prop.value = ("initializer data removed by scripts/make_reference.py (names, dims and types kept); "
                  "test/reference/torch-export/initializers.json describes each one")
    return skel


def attribute_values(node):
    out = {}
    for a in node.attribute:
        v = onnx.helper.get_attribute_value(a)
        if isinstance(v, onnx.TensorProto):
            arr = onnx.numpy_helper.to_array(v)
            v = {"tensor": arr.tolist(), "dtype": arr.dtype.name}
        elif isinstance(v, bytes):
            v = v.decode("utf-8")
        elif isinstance(v, list):
            v = [x.decode("utf-8") if isinstance(x, bytes) else x for x in v]
        out[a.name] = v
    return out


def tensor_table(model_proto, skel, size, ids):
    fixed = onnx.ModelProto()
    fixed.CopyFrom(skel)
    dims = fixed.graph.input[0].type.tensor_type.shape.dim
    for d, v in zip(dims, (1, 3, size[1], size[0])):
        d.Clear()
        d.dim_value = v
    for out in fixed.graph.output:
        out.type.tensor_type.ClearField("shape")
    inferred = onnx.shape_inference.infer_shapes(fixed, strict_mode=True)
    shapes = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.output) + list(inferred.graph.input):
        shapes[vi.name] = [d.dim_value if d.HasField("dim_value") else d.dim_param
                           for d in vi.type.tensor_type.shape.dim]
    for init in model_proto.graph.initializer:
        shapes.setdefault(init.name, list(init.dims))
    nodes = []
    for node in model_proto.graph.node:
        nodes.append({
            "name": node.name,
            "op": node.op_type,
            "module": module_scope(node.name),
            "inputs": list(node.input),
            "outputs": [{"name": o, "shape": shapes.get(o)} for o in node.output],
            "attributes": attribute_values(node),
        })
    # Which export tensor carries each seed layer's output. Folding removes the BN nodes, so a
    # Conv node's output is the value of the BN after it; the conv's own output has no tensor.
    by_module = {}
    for node in model_proto.graph.node:
        if node.op_type not in ("Identity", "Constant"):
            by_module[module_scope(node.name)] = node
    layer_tensor = {}
    previous = None
    for layer_id in ids:
        node = by_module.get(layer_id)
        kind, index = layer_id.split(".")
        prev_conv = by_module.get(f"{kind}.{int(index) - 1}")
        if node is not None:
            value = node.output[0]
            if node.op_type == "Conv" and f"{kind}.{int(index) + 1}" not in by_module:
                value = None  # its value only exists after folding, as the next layer's
        elif prev_conv is not None and prev_conv.op_type == "Conv":
            value = prev_conv.output[0]
        else:
            value = layer_tensor[previous]  # eval-mode Dropout: its input, unchanged
        layer_tensor[layer_id] = value
        previous = layer_id
    layer_tensor["output"] = model_proto.graph.output[0].name
    return {
        "opset": [{"domain": o.domain, "version": o.version} for o in model_proto.opset_import],
        "producer": f"{model_proto.producer_name} {model_proto.producer_version}",
        "irVersion": model_proto.ir_version,
        "inputShape": [1, 3, size[1], size[0]],
        "dynamicInput": [d.dim_param or d.dim_value
                         for d in model_proto.graph.input[0].type.tensor_type.shape.dim],
        "nodes": nodes,
        "layerTensors": layer_tensor,
    }


def write_export(model, x, size, out_dir, provenance, keep_full):
    os.makedirs(out_dir, exist_ok=True)
    state = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    with tempfile.TemporaryDirectory() as tmp:
        full_path = os.path.join(tmp, "xai.onnx")
        proto = export_onnx(model, x, full_path)
        onnx.checker.check_model(proto)
        full_size = os.path.getsize(full_path)
        if keep_full:
            shutil.copyfile(full_path, keep_full)
    entries, aliases, worst = describe_export(proto, state)
    worst_varied = fold_selftest(state, x)
    skel = skeleton(proto)
    onnx.save(skel, os.path.join(out_dir, "xai-skeleton.onnx"))
    doc = {
        "what": "initializers of torch.onnx.export of the seed's model; see test/reference/README.md",
        **provenance,
        "export": {"opset": OPSET, "torch": torch.__version__, "fullFileBytes": full_size,
                   "settings": "defaults (eval mode, do_constant_folding=True) plus input/output names "
                               "and dynamic batch/height/width"},
        "folding": {"weight": "W' = W * gamma / sqrt(running_var + eps), per output channel",
                    "bias": "b' = beta - running_mean * gamma / sqrt(running_var + eps)",
                    "eps": BN_EPS,
                    "maxAbsDiff": worst,
                    "maxAbsDiffWithVariedBatchNorm": worst_varied},
        "initializers": entries,
        "identityAliases": aliases,
    }
    with open(os.path.join(out_dir, "initializers.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    table = tensor_table(proto, skel, size, layer_ids(model))
    with open(os.path.join(out_dir, "tensors.json"), "w", encoding="utf-8") as f:
        json.dump({"what": "nodes of torch.onnx.export of the seed's model, shapes at the input size below",
                   **table}, f, indent=1)
        f.write("\n")
    return proto, entries, aliases, worst, worst_varied, full_size


# --------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description="Regenerates test/reference/ and docs/seed-figure-*.png.")
    parser.add_argument("--weights", help="safetensors state_dict of the seed's model (float32)")
    parser.add_argument("--write-torch-init", metavar="PATH",
                        help="first write torch's own default init (torch.manual_seed(0)) to PATH")
    parser.add_argument("--tag", help="names the activation folder xai-<tag>-<image>; default: the "
                                      "file's __metadata__ tag, else the weights file name")
    parser.add_argument("--image", default=CHELSEA)
    parser.add_argument("--size", type=int, nargs=2, default=[100, 100], metavar=("W", "H"))
    parser.add_argument("--keep-full-onnx", metavar="PATH", help="also keep the full (~60 MB) export there")
    args = parser.parse_args()

    if args.write_torch_init:
        write_torch_init(args.write_torch_init)
    if not args.weights:
        if args.write_torch_init:
            return
        parser.error("--weights is required")

    # One thread: the same numbers on every run, whatever the machine's core count.
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    model, _, metadata = load_model(args.weights)
    tag = args.tag or metadata.get("tag") or os.path.splitext(os.path.basename(args.weights))[0]
    stem = os.path.splitext(os.path.basename(args.image))[0]
    width, height = args.size
    provenance = {
        "weights": {"file": os.path.basename(args.weights), "sha256": sha256(args.weights), "tag": tag,
                    "metadata": metadata},
        "image": {"file": rel(args.image), "sha256": sha256(args.image), "resizedTo": [width, height]},
        "versions": {"torch": torch.__version__, "torchvision": torchvision.__version__, "opencv": cv2.__version__,
                     "numpy": np.__version__, "onnx": onnx.__version__, "matplotlib": matplotlib.__version__},
        "generator": "scripts/make_reference.py",
    }

    x, chw = seed_input(args.image, width, height)
    act_dir = os.path.join(REF, f"xai-{tag}-{stem}")
    acts, out = write_activations(model, x, chw, act_dir, provenance)
    print(f"input {list(x.shape)} -> output {list(out.shape)}; features.0 {list(acts['features.0'].shape)}, "
          f"features.30 {list(acts['features.30'].shape)}")
    print(f"wrote {rel(act_dir)}/ (input.npy, layers.json, channels/*.npy)")

    for layer_num in (0, 30):
        path = os.path.join(REPO, "docs", f"seed-figure-layer{layer_num}.png")
        seen = seed_figure(model, x, layer_num, path)
        # The seed's copy-less hook is safe for these two layers: nothing rewrites them later.
        assert np.array_equal(seen, acts[f"features.{layer_num}"].numpy())
        print(f"wrote {rel(path)}")

    cases = write_resize_refs(os.path.join(REF, "resize"))
    print(f"wrote {len(cases)} resize cases; OpenCV INTER_LINEAR (uint8) emulation matches on them "
          "and on 60 random sizes")

    export_dir = os.path.join(REF, "torch-export")
    proto, entries, aliases, worst, worst_varied, full_size = write_export(
        model, x, (width, height), export_dir, provenance, args.keep_full_onnx)
    folded = [e["name"] for e in entries if any("foldedConvWeight" in r for r in e["is"])]
    print(f"torch.onnx.export opset {OPSET}: {len(proto.graph.node)} nodes, {len(entries)} initializers "
          f"({len(folded)} folded conv weights, {len(aliases)} Identity aliases), full file {full_size} bytes; "
          f"fold check max diff {worst:.3g} (varied BN: {worst_varied:.3g})")
    print(f"wrote {rel(export_dir)}/ (xai-skeleton.onnx, initializers.json, tensors.json)")

    total = 0
    for root in (act_dir, os.path.join(REF, "resize"), export_dir):
        for dirpath, _, files in os.walk(root):
            total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files)
    print(f"reference data written: {total} bytes")


if __name__ == "__main__":
    main()
