import { ProtocolError } from "../errors";

/**
 * A bounds-checked cursor over a received buffer. Every read past the end throws a
 * ProtocolError, so decoders of untrusted datagrams never index out of range or return
 * `undefined` bytes. IPMI multi-byte fields are little-endian (spec 13.6: "LS byte first").
 */
export class ByteReader {
  private pos: number;

  constructor(
    private readonly buf: Uint8Array,
    private readonly what: string,
    start = 0,
  ) {
    this.pos = start;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new ProtocolError(
        `${this.what}: truncated (need ${n} byte(s) at offset ${this.pos}, have ${this.buf.length - this.pos})`,
      );
    }
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u16le(): number {
    this.need(2);
    const v = this.buf[this.pos]! | (this.buf[this.pos + 1]! << 8);
    this.pos += 2;
    return v;
  }

  u32le(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    const v = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
    this.pos += 4;
    return v;
  }

  u32be(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    const v = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
    this.pos += 4;
    return v;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  /** Everything left (possibly empty). */
  rest(): Buffer {
    return this.bytes(this.remaining);
  }

  /** Optional trailing byte: returns undefined when the sender omitted it. */
  optionalU8(): number | undefined {
    return this.remaining > 0 ? this.u8() : undefined;
  }
}

/** Little-endian 32-bit field as 4 bytes (IPMI session id, sequence numbers). */
export function u32le(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0, 0);
  return b;
}

export function u16le(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v & 0xffff, 0);
  return b;
}

/** Range check for encoders: a programming error in our own request is a RangeError. */
export function checkByte(name: string, v: number, max = 0xff): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${name} out of range 0..${max}: ${v}`);
  return v;
}
