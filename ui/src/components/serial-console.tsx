/**
 * A VM's serial console in the page: an xterm.js terminal on the region's console WebSocket
 * (GET /api/v1/vms/:id/console, sdk/console.ts). A browser cannot set the Authorization header
 * on a WebSocket, so the signed-in key travels as a subprotocol (consoleProtocols), never in
 * the URL. A refused upgrade shows no status to the page, so the page asks the same URL with a
 * plain GET, which runs the same checks and answers the region's problem+json (426 when they
 * pass: the refusal came from the rack, whose reason is the VM's last console-failed event).
 */
import type { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { CONSOLE_CLOSE, CONSOLE_ESCAPE, consoleProtocols, consoleUrl } from "../../../sdk/console";
import type { Event } from "../../../sdk/schema/tenant";
import { ApiError, api } from "../api";
import { type ConsoleState, closeMessage, stateLabel } from "../console-session";
import { storedKey } from "../session";
import { ProblemBox } from "./problem";

/** Why the upgrade was refused, as the region says it. */
async function whyRefused(vmId: string): Promise<unknown> {
  try {
    await api(`/vms/${vmId}/console`);
    return new ApiError(0, { detail: "the region refused the console without saying why" });
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 426) return e;
  }
  const events = await api<{ items: Event[] }>(`/events?object=${vmId}&order=desc&limit=20`).catch(() => ({
    items: [] as Event[],
  }));
  const failed = events.items.find((e) => e.kind === "console-failed");
  return new ApiError(0, {
    detail: failed?.reason ?? "the region asked the VM's rack, which did not open the console",
  });
}

export function SerialConsole({ vmId, vmName }: { vmId: string; vmName: string }) {
  const box = useRef<HTMLElement>(null);
  const connectButton = useRef<HTMLButtonElement>(null);
  const term = useRef<Terminal | null>(null);
  const sock = useRef<WebSocket | null>(null);
  const [state, setState] = useState<ConsoleState>({ kind: "idle" });
  const [problem, setProblem] = useState<unknown>(null);
  const [ready, setReady] = useState(false);
  const refocus = useRef(false);

  const disconnect = () => sock.current?.close(CONSOLE_CLOSE.NORMAL, "disconnected");

  useEffect(() => {
    let gone = false;
    let cleanup = () => {};
    // xterm.js is most of the bundle: loaded (from the region, as its own chunk) by this page only.
    void Promise.all([import("@xterm/xterm"), import("@xterm/addon-fit")]).then(([xterm, addon]) => {
      if (gone || !box.current) return;
      const t = new xterm.Terminal({ cursorBlink: true, fontSize: 14, rows: 24, scrollback: 2000 });
      const fit = new addon.FitAddon();
      t.loadAddon(fit);
      t.open(box.current);
      fit.fit();
      const encoder = new TextEncoder();
      t.onData((d) => {
        // Ctrl-], the escape of telnet and `virsh console`: the keyboard's way out of the terminal.
        if (d === String.fromCharCode(CONSOLE_ESCAPE)) return disconnect();
        const ws = sock.current;
        if (ws?.readyState === WebSocket.OPEN) ws.send(encoder.encode(d));
      });
      const resized = new ResizeObserver(() => fit.fit());
      resized.observe(box.current);
      term.current = t;
      setReady(true);
      cleanup = () => {
        resized.disconnect();
        t.dispose();
        term.current = null;
      };
    });
    return () => {
      gone = true;
      sock.current?.close(CONSOLE_CLOSE.NORMAL, "left the page");
      sock.current = null;
      cleanup();
    };
  }, [vmId]);

  const connect = () => {
    const key = storedKey();
    if (!key || sock.current) return;
    setProblem(null);
    setState({ kind: "connecting" });
    const ws = new WebSocket(consoleUrl(location.origin, vmId), consoleProtocols(key));
    ws.binaryType = "arraybuffer";
    sock.current = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      setState({ kind: "connected", since: Date.now() });
      term.current?.write("\r\n\x1b[2m-- connected to the serial console --\x1b[0m\r\n");
      term.current?.focus();
    };
    ws.onmessage = (m: MessageEvent<ArrayBuffer | string>) => {
      term.current?.write(typeof m.data === "string" ? m.data : new Uint8Array(m.data));
    };
    ws.onclose = (e) => {
      if (sock.current === ws) sock.current = null;
      if (!opened) {
        setState({ kind: "refused" });
        void whyRefused(vmId).then(setProblem);
      } else {
        const message = closeMessage(e.code, e.reason);
        term.current?.write(`\r\n\x1b[2m-- ${message} --\x1b[0m\r\n`);
        setState({ kind: "closed", code: e.code, message });
      }
      // The keyboard's place after a session: back on Connect (enabled once this state renders).
      refocus.current = true;
    };
  };

  const busy = state.kind === "connecting" || state.kind === "connected";
  // Before paint, in the same commit that enables the button.
  useLayoutEffect(() => {
    if (!refocus.current || busy) return;
    refocus.current = false;
    connectButton.current?.focus();
  }, [state, busy]);
  return (
    <div class="serial-console">
      <div class="buttons">
        <button
          type="button"
          ref={connectButton}
          id="console-connect"
          onClick={connect}
          disabled={busy || !ready}
        >
          Connect
        </button>
        <button type="button" id="console-disconnect" onClick={disconnect} disabled={!busy}>
          Disconnect
        </button>
        <span
          id="console-state"
          role="status"
          data-state={state.kind}
          class={`console-state cs-${state.kind}`}
        >
          {stateLabel(state)}
        </span>
      </div>
      <ProblemBox error={problem} context="The console was refused" />
      {/* xterm.js focuses its own input on a click; Tab then goes to the guest (Ctrl-] leaves). */}
      <section ref={box} class="terminal" id="console-terminal" aria-label={`Serial console of ${vmName}`} />
    </div>
  );
}
