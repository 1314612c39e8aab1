import * as path from "path";
import type { Tensor } from "../model/weights";
import { FeatureMapsError } from "../../shared/errors";
import { dataView, DTYPE_WIDTHS, type FloatDtype, floatElement, isFloatDtype, type TensorDtype } from "./dtypes";
import { PickleGlobal, type PickleRules, PickleTuple, unpickle } from "./pickle";
import { withZip, type ZipReader } from "./zipArchive";
import { READ_LIMITS } from "./files";

// torch.save's format since PyTorch 1.6: a zip holding `<archive>/data.pkl`, a pickle of the saved
// object in which every tensor's storage is a persistent id ('storage', <torch.XStorage>, key,
// location, numel), and the storages themselves as raw little-endian records `<archive>/data/<key>`.

/** The storage classes a persistent id may name, and their element types. */
const STORAGE_CLASSES: Readonly<Record<string, TensorDtype>> = {
  "torch.FloatStorage": "F32",
  "torch.DoubleStorage": "F64",
  "torch.HalfStorage": "F16",
  "torch.BFloat16Storage": "BF16",
  "torch.LongStorage": "I64",
  "torch.IntStorage": "I32",
  "torch.ShortStorage": "I16",
  "torch.CharStorage": "I8",
  "torch.ByteStorage": "U8",
  "torch.BoolStorage": "BOOL",
};

const ORDERED_DICT = "collections.OrderedDict";
const REBUILD_TENSOR = "torch._utils._rebuild_tensor_v2";
const REBUILD_PARAMETER = "torch._utils._rebuild_parameter";
const REBUILD_PARAMETER_WITH_STATE = "torch._utils._rebuild_parameter_with_state";

const GLOBALS: ReadonlySet<string> = new Set([ORDERED_DICT, REBUILD_TENSOR, REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE, ...Object.keys(STORAGE_CLASSES)]);

/** Wrappers whose modules prefix every key: DataParallel/DistributedDataParallel, torch.compile. */
export const WRAPPER_PREFIXES = ["module.", "_orig_mod."] as const;

/** A state_dict's pickle: thousands of tensors take a few MB. Also what the host reads of a checkpoint. */
const MAX_PICKLE_BYTES = 32 * 1024 * 1024;

class StorageRef {
  constructor(
    readonly key: string,
    readonly dtype: TensorDtype,
  ) {}
}

class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {}
}

export interface CheckpointEntry {
  readonly dtype: TensorDtype;
  readonly shape: readonly number[];
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function counts(v: unknown): number[] | undefined {
  return v instanceof PickleTuple && v.items.every(isCount) ? (v.items as number[]) : undefined;
}

function checkpointRules(what: string): PickleRules {
  const fail = (why: string): never => {
    throw new FeatureMapsError("WEIGHTS_INVALID", `${what}: ${why}`);
  };
  const storages = new Map<string, StorageRef>();
  const tensorOf = (v: unknown, fn: string): TensorRef => (v instanceof TensorRef ? v : fail(`${fn} of something that is not a tensor`));
  return {
    globals: GLOBALS,
    call(name, args) {
      switch (name) {
        case ORDERED_DICT: {
          const pairs = args.length === 0 ? [] : args[0];
          if (args.length > 1 || !Array.isArray(pairs)) return fail(`${name} with arguments it does not take`);
          return new Map(pairs.map((p) => (p instanceof PickleTuple && p.items.length === 2 && typeof p.items[0] === "string" ? [p.items[0], p.items[1]] : fail(`${name} of a pair that is not (name, value)`))));
        }
        case REBUILD_TENSOR: {
          const [storage, offset, shape, stride] = [args[0], args[1], counts(args[2]), counts(args[3])];
          if (args.length < 6 || args.length > 7 || !(storage instanceof StorageRef) || !isCount(offset) || !shape || !stride || shape.length !== stride.length) {
            return fail(`${name} with arguments that are not (storage, offset, size, stride, ...)`);
          }
          if (!Number.isSafeInteger(shape.reduce((a, b) => a * b, 1))) return fail(`a tensor of size [${shape.join(", ")}] has more elements than any file holds`);
          return new TensorRef(storage, offset, shape, stride);
        }
        case REBUILD_PARAMETER:
        case REBUILD_PARAMETER_WITH_STATE:
          return tensorOf(args[0], name);
        default:
          return fail(`refused: ${name} cannot be called`);
      }
    },
    persistent(id) {
      const [kind, type, key, location, numel] = id instanceof PickleTuple ? id.items : [];
      if (kind !== "storage" || !(type instanceof PickleGlobal) || typeof key !== "string" || typeof location !== "string" || !isCount(numel)) {
        return fail("a persistent id is not ('storage', type, key, location, numel)");
      }
      const dtype = STORAGE_CLASSES[type.name] ?? fail(`refused: ${type.name} is not a storage type`);
      if (!/^\w{1,64}$/.test(key)) return fail(`storage key ${JSON.stringify(key.slice(0, 80))} is not a record name`);
      const storage = storages.get(key) ?? new StorageRef(key, dtype);
      if (storage.dtype !== dtype) return fail(`storage ${key} is read as two element types`);
      storages.set(key, storage);
      return storage;
    },
    build(target, state) {
      // A state_dict's OrderedDict carries `_metadata` (module versions), a tensor its Python
      // attributes: neither matters to the weights, so both are dropped.
      return (target instanceof Map && (state instanceof Map || state === null)) || target instanceof TensorRef;
    },
  };
}

function isTensorDict(v: unknown): v is Map<string, TensorRef> {
  return v instanceof Map && v.size > 0 && [...v].every(([k, t]) => typeof k === "string" && t instanceof TensorRef);
}

/** The state_dict inside what was saved: the object itself, or the one dict of tensors it holds (or `key`'s). */
function stateDictOf(root: unknown, key: string | undefined, name: string): Map<string, TensorRef> {
  const fail = (why: string): never => {
    throw new FeatureMapsError("WEIGHTS_INVALID", `${name}: ${why}`);
  };
  if (!(root instanceof Map)) return fail("holds no state_dict (what was saved is not a dict)");
  if (key !== undefined) {
    if (!root.has(key)) return fail(`has no entry "${key}"; its entries are ${[...root.keys()].map(String).join(", ")}`);
    const picked = root.get(key);
    return isTensorDict(picked) ? picked : fail(`"${key}" is not a state_dict (a dict of tensors)`);
  }
  if (isTensorDict(root)) return root;
  const candidates = [...root].filter(([, v]) => isTensorDict(v)).map(([k]) => String(k));
  if (candidates.length === 1) return root.get(candidates[0]) as Map<string, TensorRef>;
  if (candidates.length === 0) return fail(`holds no state_dict (a dict of tensors); its entries are ${[...root.keys()].map(String).join(", ")}`);
  return fail(`holds several state_dicts (${candidates.join(", ")}): choose one with --weights-key or the config's weights.key`);
}

/** Drops a wrapper's prefix when every key has it (a DataParallel model saved whole: `module.features.0.weight`). */
function withoutWrapperPrefixes<T>(dict: ReadonlyMap<string, T>): Map<string, T> {
  let entries = [...dict];
  for (let changed = true; changed; ) {
    changed = false;
    for (const prefix of WRAPPER_PREFIXES) {
      if (entries.every(([k]) => k.startsWith(prefix) && k.length > prefix.length)) {
        entries = entries.map(([k, v]) => [k.slice(prefix.length), v]);
        changed = true;
      }
    }
  }
  return new Map(entries);
}

/** The elements [first, last] of the storage a tensor reads; last is -1 for an empty tensor. */
function extent(t: TensorRef): number {
  if (t.shape.some((d) => d === 0)) return -1;
  return t.shape.reduce((end, d, i) => end + (d - 1) * t.stride[i], t.offset);
}

interface Archive {
  readonly prefix: string;
  readonly tensors: Map<string, TensorRef>;
}

async function readArchive(zip: ZipReader, name: string, key: string | undefined): Promise<Archive> {
  const pickles = [...zip.sizes.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length !== 1) throw new FeatureMapsError("WEIGHTS_INVALID", `${name}: a zip without one <archive>/data.pkl is not a torch.save checkpoint`);
  const prefix = pickles[0].slice(0, -"data.pkl".length);
  const order = zip.sizes.has(`${prefix}byteorder`) ? new TextDecoder().decode(await zip.read(`${prefix}byteorder`, 16)) : "little";
  if (order !== "little") throw new FeatureMapsError("WEIGHTS_INVALID", `${name}: saved with ${order}-endian storages; load and save it again on a little-endian machine`);
  const root = unpickle(await zip.read(pickles[0], MAX_PICKLE_BYTES), checkpointRules(`${name}: data.pkl`), `${name}: data.pkl`);
  const tensors = withoutWrapperPrefixes(stateDictOf(root, key, name));
  for (const [k, t] of tensors) {
    const bytes = zip.sizes.get(`${prefix}data/${t.storage.key}`);
    if (bytes === undefined) throw new FeatureMapsError("WEIGHTS_INVALID", `${name}: ${k}: its storage ${t.storage.key} is not in the archive`);
    const needed = (extent(t) + 1) * DTYPE_WIDTHS[t.storage.dtype];
    if (needed > bytes) {
      throw new FeatureMapsError("WEIGHTS_INVALID", `${name}: ${k}: size [${t.shape.join(", ")}] at offset ${t.offset} needs ${needed} bytes of storage ${t.storage.key}, which has ${bytes}`);
    }
  }
  return { prefix, tensors };
}

/** Every tensor's type and shape, from the archive's directory and pickle only: no storage is read. */
export async function readCheckpointEntries(file: string, key?: string): Promise<Map<string, CheckpointEntry>> {
  const name = path.basename(file);
  return withZip(file, async (zip) => {
    const { tensors } = await readArchive(zip, name, key);
    return new Map([...tensors].map(([k, t]) => [k, { dtype: t.storage.dtype, shape: t.shape }]));
  }, true);
}

/** Whether `t` lies in its storage in C order without gaps (a dimension of size 1 may have any stride). */
function contiguous(t: TensorRef): boolean {
  let expected = 1;
  for (let d = t.shape.length - 1; d >= 0; d--) {
    if (t.shape[d] !== 1 && t.stride[d] !== expected) return false;
    expected *= t.shape[d];
  }
  return true;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** `t`'s elements in C order, following its strides through the storage. */
function copyOut(t: TensorRef, dtype: FloatDtype, storage: Uint8Array): Float32Array {
  const count = t.shape.reduce((a, b) => a * b, 1);
  // What torch.save writes for a state_dict: float32 parameters in order. torch.save aligns each
  // storage to 64 bytes, so the tensor is a view of the bytes read, not a copy; the weights are
  // read-only from here on.
  if (dtype === "F32" && LITTLE_ENDIAN && contiguous(t)) {
    const start = storage.byteOffset + t.offset * 4;
    if (start % 4 === 0) return new Float32Array(storage.buffer, start, count);
    const out = new Float32Array(count);
    new Uint8Array(out.buffer).set(storage.subarray(t.offset * 4, (t.offset + count) * 4));
    return out;
  }
  const view = dataView(storage);
  const out = new Float32Array(count);
  const index = t.shape.map(() => 0);
  let at = t.offset;
  for (let i = 0; i < out.length; i++) {
    out[i] = floatElement(view, dtype, at);
    for (let d = t.shape.length - 1; d >= 0; d--) {
      at += t.stride[d];
      if (++index[d] < t.shape[d]) break;
      at -= t.stride[d] * t.shape[d];
      index[d] = 0;
    }
  }
  return out;
}

/** A checkpoint's floating-point tensors as float32; integer and bool ones are left out, as safetensors' are. */
export async function loadCheckpoint(file: string, key?: string): Promise<Map<string, Tensor>> {
  const name = path.basename(file);
  return withZip(file, async (zip) => {
    const { prefix, tensors } = await readArchive(zip, name, key);
    const floats = [...tensors].filter((e): e is [string, TensorRef] => isFloatDtype(e[1].storage.dtype));
    // Views share storage, so the float32 copies could outgrow the file many times over; a real
    // state_dict (float16 doubled, a few tied weights) stays well within this.
    const stored = [...zip.sizes].filter(([n]) => n.startsWith(`${prefix}data/`)).reduce((sum, [, size]) => sum + size, 0);
    const output = floats.reduce((sum, [, t]) => sum + 4 * t.shape.reduce((a, b) => a * b, 1), 0);
    if (output > 4 * stored + 64 * 1024 * 1024 || output > 2 * READ_LIMITS.weights) {
      throw new FeatureMapsError("WEIGHTS_INVALID", `${name}: its tensors would take ${output} bytes as float32, far more than the ${stored} bytes it stores`);
    }
    const storages = new Map<string, Uint8Array>();
    const out = new Map<string, Tensor>();
    for (const [k, t] of floats) {
      const record = `${prefix}data/${t.storage.key}`;
      let bytes = storages.get(record);
      if (!bytes) {
        bytes = await zip.read(record, READ_LIMITS.weights);
        storages.set(record, bytes);
      }
      out.set(k, { shape: t.shape, data: copyOut(t, t.storage.dtype as FloatDtype, bytes) });
    }
    return out;
  });
}
