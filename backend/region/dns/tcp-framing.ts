/**
 * DNS over TCP framing (RFC 1035 §4.2.2, RFC 7766 §8): every message is preceded by its
 * length as a two-byte big-endian integer. Pure: the reader only buffers bytes it is given.
 */

/** Prefixes one message with its two-byte length. */
export function frame(message: Buffer): Buffer {
  if (message.length > 0xffff)
    throw new RangeError(`DNS message of ${message.length} bytes cannot be framed`);
  const out = Buffer.allocUnsafe(message.length + 2);
  out.writeUInt16BE(message.length, 0);
  message.copy(out, 2);
  return out;
}

/** Splits a TCP byte stream back into messages, however the stream was cut into chunks. */
export class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  /** Adds a chunk and returns every message now complete, in order. */
  push(chunk: Buffer): Buffer[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const messages: Buffer[] = [];
    let offset = 0;
    while (this.buffered.length - offset >= 2) {
      const length = this.buffered.readUInt16BE(offset);
      if (this.buffered.length - offset - 2 < length) break;
      messages.push(this.buffered.subarray(offset + 2, offset + 2 + length));
      offset += 2 + length;
    }
    this.buffered = this.buffered.subarray(offset);
    return messages;
  }

  /** Bytes received but not yet part of a complete message. */
  get pending(): number {
    return this.buffered.length;
  }
}
