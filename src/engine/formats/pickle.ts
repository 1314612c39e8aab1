import { FeatureMapsError } from "../../shared/errors";

// A pickle is a program: the standard unpickler imports any module and calls any function a file
// names. This reader runs only the opcodes a protocol-2 pickle of a state_dict uses (the set
// PyTorch's own weights-only unpickler accepts, less the ones a state_dict never needs). A global
// is checked against the caller's allowlist the moment it is named, before anything could call it,
// and nothing it names is ever looked up in JavaScript: a call goes to the caller's handler by name.
// Nothing recurses, and the stack, marks, memo and object count are capped, so a hostile pickle
// ends with an error after at most one pass over its bytes.

/** A Python tuple (lists are arrays, dicts are Maps). */
export class PickleTuple {
  constructor(readonly items: readonly unknown[]) {}
}

/** A global the allowlist let through; only a REDUCE or the caller's persistent ids use it. */
export class PickleGlobal {
  constructor(readonly name: string) {}
}

export type DictKey = string | number | bigint | boolean | null;

export interface PickleRules {
  /** Every global ("module.name") the pickle may name; any other is refused by name. */
  readonly globals: ReadonlySet<string>;
  /** REDUCE of an allowed global. */
  call(name: string, args: readonly unknown[]): unknown;
  /** BINPERSID: what the file's other records hold (storages). */
  persistent(id: unknown): unknown;
  /** BUILD: whether `state` may be applied to `target` (the reader keeps no attributes). */
  build(target: unknown, state: unknown): boolean;
}

export const PICKLE_LIMITS = {
  /** Open MARKs at once; a state_dict nests a handful. */
  marks: 64,
  stack: 1 << 20,
  memo: 1 << 20,
  /** Values made in all, each at least one opcode byte. */
  objects: 1 << 24,
  /** GLOBAL's module and name lines. */
  line: 256,
} as const;

// Opcodes refused by name, so a message says what the pickle tried rather than a byte value.
const REFUSED_OPCODES: Readonly<Record<number, string>> = {
  0x69: "INST",
  0x6f: "OBJ",
  0x81: "NEWOBJ",
  0x92: "NEWOBJ_EX",
  0x82: "EXT1",
  0x83: "EXT2",
  0x84: "EXT4",
  0x93: "STACK_GLOBAL",
  0x50: "PERSID",
  0x8b: "LONG4",
  0x64: "DICT",
  0x6c: "LIST",
  0x49: "INT",
  0x4c: "LONG",
  0x53: "STRING",
  0x56: "UNICODE",
  0x46: "FLOAT",
};

function describe(v: unknown): string {
  if (v === null) return "None";
  if (Array.isArray(v)) return "a list";
  if (v instanceof Map) return "a dict";
  if (v instanceof PickleTuple) return "a tuple";
  if (v instanceof PickleGlobal) return v.name;
  if (typeof v === "object") return v.constructor.name;
  return `a ${typeof v}`;
}

function isDictKey(v: unknown): v is DictKey {
  return v === null || ["string", "number", "bigint", "boolean"].includes(typeof v);
}

class Machine {
  private at = 0;
  private readonly stack: unknown[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, unknown>();
  private made = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly rules: PickleRules,
    private readonly what: string,
  ) {}

  fail(why: string): never {
    throw new FeatureMapsError("WEIGHTS_INVALID", `${this.what}: ${why}`);
  }

  private take(n: number): Uint8Array {
    if (n > this.bytes.byteLength - this.at) this.fail(`${n} bytes asked for at byte ${this.at} run past the end of the pickle (${this.bytes.byteLength} bytes)`);
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  private u8(): number {
    return this.take(1)[0];
  }

  private u32(): number {
    const b = this.take(4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  }

  private line(): string {
    const end = this.bytes.subarray(this.at, this.at + PICKLE_LIMITS.line + 1).indexOf(0x0a);
    if (end < 0) this.fail(`a GLOBAL at byte ${this.at} has no line end within ${PICKLE_LIMITS.line} bytes`);
    const text = new TextDecoder("latin1").decode(this.take(end));
    this.at++;
    if (!/^[\w.]+$/.test(text)) this.fail(`a GLOBAL names ${JSON.stringify(text)}, not a Python name`);
    return text;
  }

  private push(v: unknown): void {
    if (this.stack.length >= PICKLE_LIMITS.stack) this.fail(`more than ${PICKLE_LIMITS.stack} values on the stack`);
    if (++this.made > PICKLE_LIMITS.objects) this.fail(`more than ${PICKLE_LIMITS.objects} values`);
    this.stack.push(v);
  }

  private pop(): unknown {
    if (this.stack.length <= (this.marks.at(-1) ?? 0)) this.fail(`an opcode at byte ${this.at - 1} takes a value from an empty stack`);
    return this.stack.pop();
  }

  private top(): unknown {
    if (this.stack.length <= (this.marks.at(-1) ?? 0)) this.fail(`an opcode at byte ${this.at - 1} needs a value on an empty stack`);
    return this.stack[this.stack.length - 1];
  }

  private popMark(): unknown[] {
    const mark = this.marks.pop();
    if (mark === undefined) this.fail(`an opcode at byte ${this.at - 1} needs a MARK`);
    return this.stack.splice(mark);
  }

  private put(index: number): void {
    if (!this.memo.has(index) && this.memo.size >= PICKLE_LIMITS.memo) this.fail(`more than ${PICKLE_LIMITS.memo} memo entries`);
    this.memo.set(index, this.top());
  }

  private get(index: number): void {
    if (!this.memo.has(index)) this.fail(`memo entry ${index} is read before it is written`);
    this.push(this.memo.get(index));
  }

  private setItems(items: readonly unknown[]): void {
    if (items.length % 2 !== 0) this.fail("SETITEMS with a key and no value");
    const dict = this.top();
    if (!(dict instanceof Map)) this.fail(`SETITEM on ${describe(dict)}, not a dict`);
    for (let i = 0; i + 1 < items.length; i += 2) {
      if (!isDictKey(items[i])) this.fail(`a dict key is ${describe(items[i])}`);
      dict.set(items[i], items[i + 1]);
    }
  }

  private append(items: readonly unknown[]): void {
    const list = this.top();
    if (!Array.isArray(list)) this.fail(`APPEND to ${describe(list)}, not a list`);
    for (const item of items) list.push(item);
  }

  private global(): void {
    const name = `${this.line()}.${this.line()}`;
    if (!this.rules.globals.has(name)) {
      this.fail(`refused: the pickle names the global ${name}, which a state_dict does not use (only tensors, storages and OrderedDict are read; nothing in the file is run)`);
    }
    this.push(new PickleGlobal(name));
  }

  private reduce(): void {
    const args = this.pop();
    const fn = this.pop();
    if (!(fn instanceof PickleGlobal)) this.fail(`refused: REDUCE calls ${describe(fn)}, not an allowed global`);
    if (!(args instanceof PickleTuple)) this.fail(`REDUCE of ${fn.name} with ${describe(args)}, not a tuple of arguments`);
    this.push(this.rules.call(fn.name, args.items));
  }

  private integer(n: number): void {
    const b = this.take(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (n > 0 && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    this.push(Number.isSafeInteger(Number(v)) ? Number(v) : v);
  }

  private string(length: number, encoding: "utf-8" | "latin1"): void {
    try {
      this.push(new TextDecoder(encoding, { fatal: true }).decode(this.take(length)));
    } catch (e) {
      if (e instanceof FeatureMapsError) throw e;
      this.fail(`a string at byte ${this.at - length} is not valid ${encoding}`);
    }
  }

  private mark(): void {
    if (this.marks.length >= PICKLE_LIMITS.marks) this.fail(`MARKs nest more than ${PICKLE_LIMITS.marks} deep`);
    this.marks.push(this.stack.length);
  }

  private smallTuple(size: number): void {
    const items = Array.from({ length: size }, () => this.pop()).reverse();
    this.push(new PickleTuple(items));
  }

  private binfloat(): void {
    const b = this.take(8);
    this.push(new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, false));
  }

  private build(): void {
    const state = this.pop();
    const target = this.top();
    if (!this.rules.build(target, state)) this.fail(`refused: BUILD on ${describe(target)}`);
  }

  // Every opcode this reader runs; STOP ends the run.
  private readonly opcodes: ReadonlyMap<number, () => void> = new Map<number, () => void>([
    [0x80, () => this.u8() > 5 && this.fail("pickle protocol is newer than 5")], // PROTO
    [0x28, () => this.mark()], // MARK
    [0x7d, () => this.push(new Map<DictKey, unknown>())], // EMPTY_DICT
    [0x5d, () => this.push([])], // EMPTY_LIST
    [0x29, () => this.push(new PickleTuple([]))], // EMPTY_TUPLE
    [0x74, () => this.push(new PickleTuple(this.popMark()))], // TUPLE
    [0x85, () => this.smallTuple(1)], // TUPLE1
    [0x86, () => this.smallTuple(2)], // TUPLE2
    [0x87, () => this.smallTuple(3)], // TUPLE3
    [0x4e, () => this.push(null)], // NONE
    [0x88, () => this.push(true)], // NEWTRUE
    [0x89, () => this.push(false)], // NEWFALSE
    [0x4a, () => this.integer(4)], // BININT
    [0x4b, () => this.push(this.u8())], // BININT1
    [0x4d, () => this.push(this.u8() | (this.u8() << 8))], // BININT2
    [0x8a, () => this.integer(this.u8())], // LONG1
    [0x47, () => this.binfloat()], // BINFLOAT, big-endian
    [0x58, () => this.string(this.u32(), "utf-8")], // BINUNICODE
    [0x55, () => this.string(this.u8(), "latin1")], // SHORT_BINSTRING (a Python 2 str)
    [0x71, () => this.put(this.u8())], // BINPUT
    [0x72, () => this.put(this.u32())], // LONG_BINPUT
    [0x68, () => this.get(this.u8())], // BINGET
    [0x6a, () => this.get(this.u32())], // LONG_BINGET
    [0x61, () => this.append([this.pop()])], // APPEND
    [0x65, () => this.append(this.popMark())], // APPENDS
    [0x73, () => this.setItems([this.pop(), this.pop()].reverse())], // SETITEM
    [0x75, () => this.setItems(this.popMark())], // SETITEMS
    [0x63, () => this.global()], // GLOBAL
    [0x52, () => this.reduce()], // REDUCE
    [0x62, () => this.build()], // BUILD
    [0x51, () => this.push(this.rules.persistent(this.pop()))], // BINPERSID
  ]);

  run(): unknown {
    // Each opcode consumes at least one byte, so the loop ends within the pickle's length.
    for (let op = this.u8(); op !== 0x2e; op = this.u8()) {
      const run = this.opcodes.get(op);
      if (!run) this.fail(`refused: opcode ${REFUSED_OPCODES[op] ?? `0x${op.toString(16).padStart(2, "0")}`} at byte ${this.at - 1} is not one a state_dict uses`);
      run();
    }
    return this.pop();
  }
}

/** The value a pickle describes, built only from the opcodes and globals `rules` allow. */
export function unpickle(bytes: Uint8Array, rules: PickleRules, what: string): unknown {
  return new Machine(bytes, rules, what).run();
}
