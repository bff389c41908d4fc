/**
 * The abort signal of the engine operation a hook runs in (Cancel, Ctrl-C in `pulumi up`), for
 * the hooks' waits: the plugin (native/main.ts) installs the source, the hooks pass the signal
 * to the SDK's waiters, which then end at once instead of polling on to their deadline.
 */
let source: () => AbortSignal | undefined = () => undefined;

export function operationSignal(): AbortSignal | undefined {
  return source();
}

/** The plugin's operation registry answers here; returns the previous source. */
export function setOperationSignalSource(next: () => AbortSignal | undefined): () => AbortSignal | undefined {
  const prev = source;
  source = next;
  return prev;
}
