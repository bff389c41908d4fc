/**
 * Server-sent events (text/event-stream) parsing, pure: fed text chunks as they arrive, it
 * returns the complete messages. Shared by the SDK's `events.stream` and the web console (a
 * browser's EventSource cannot send an Authorization header, so both read the stream by fetch).
 * Follows the WHATWG "event stream interpretation": lines end in LF, CR or CRLF; a blank line
 * dispatches; `:` lines are comments (heartbeats); a message without data is not dispatched.
 */
export interface SseMessage {
  id: string | undefined;
  event: string;
  data: string;
}

export class SseParser {
  private buffer = "";
  private data: string[] = [];
  private event = "";
  private id: string | undefined;
  /** The last `id:` seen: what a reconnect sends as Last-Event-ID. */
  lastEventId: string | undefined;

  push(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const out: SseMessage[] = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buffer);
      // A lone CR at the end may be the first half of CRLF: wait for the next chunk.
      if (!m || (m[0] === "\r" && m.index === this.buffer.length - 1)) break;
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      const msg = this.line(line);
      if (msg) out.push(msg);
    }
    return out;
  }

  private line(line: string): SseMessage | undefined {
    if (line === "") {
      const msg =
        this.data.length > 0
          ? { id: this.id, event: this.event || "message", data: this.data.join("\n") }
          : undefined;
      this.data = [];
      this.event = "";
      return msg;
    }
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
    else if (field === "id" && !value.includes("\0")) {
      this.id = value;
      this.lastEventId = value;
    }
    return undefined;
  }
}

/** One message in the wire form the parser reads. */
export function formatSse(msg: { id?: string | number; event?: string; data: string }): string {
  let s = "";
  if (msg.id !== undefined) s += `id: ${msg.id}\n`;
  if (msg.event) s += `event: ${msg.event}\n`;
  for (const line of msg.data.split(/\r\n|\r|\n/)) s += `data: ${line}\n`;
  return `${s}\n`;
}
