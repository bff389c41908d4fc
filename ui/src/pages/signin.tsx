import { useState } from "preact/hooks";
import { ApiError, api, type WhoAmI } from "../api";

/** Sign-in: the key is checked against the region (GET /whoami) before it is kept. */
export function SignIn({ onSignedIn }: { onSignedIn: (key: string, who: WhoAmI) => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const who = await api<WhoAmI>("/whoami", { key: key.trim() });
      onSignedIn(key.trim(), who);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        setError(
          `This API key was not accepted by the region: ${err.message}. Check the key (fbx_…) and try again.`,
        );
      } else setError(`Sign-in failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <h1>fibrix-metal</h1>
      <form onSubmit={submit} aria-describedby="signin-help">
        <label for="apikey">API key</label>
        <input
          id="apikey"
          name="apikey"
          type="password"
          autocomplete="off"
          required
          placeholder="fbx_…"
          value={key}
          onInput={(e) => setKey((e.currentTarget as HTMLInputElement).value)}
        />
        <p id="signin-help" class="help">
          Kept for this browser tab only; signing out forgets it.
        </p>
        {error && (
          <p class="problem" role="alert" id="signin-error">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy || !key.trim()}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
