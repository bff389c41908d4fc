/**
 * The fibrix-metal web console: a Preact single-page app served by the region at /. It holds
 * nothing but the signed-in key (sessionStorage) and calls the same REST API as every client,
 * so a tenant key sees exactly what the API lets it see. Operator pages are offered when
 * GET /whoami says the key is an operator's; the API still refuses them to anyone else.
 */
import { Component, type ComponentChildren, render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, api, type WhoAmI } from "./api";
import { ProblemBox } from "./components/problem";
import { onLiveState, startLive, stopLive } from "./live";
import { MachinePage } from "./pages/machine";
import { Machines } from "./pages/machines";
import { ApiKeys, Images, Networks, Pools, Racks, Tenants, Vms } from "./pages/lists";
import { Overview } from "./pages/overview";
import { SignIn } from "./pages/signin";
import { VmPage } from "./pages/vm";
import { navigate, onLinkClick, useLocation } from "./router";
import { clearKey, storedKey, storeKey } from "./session";
import "./styles.css";

const NAV: { href: string; label: string; operator: boolean }[] = [
  { href: "/", label: "Overview", operator: false },
  { href: "/machines", label: "Machines", operator: true },
  { href: "/vms", label: "VMs", operator: false },
  { href: "/networks", label: "Networks", operator: false },
  { href: "/pools", label: "Pools", operator: false },
  { href: "/images", label: "Images", operator: false },
  { href: "/racks", label: "Racks", operator: true },
  { href: "/tenants", label: "Tenants", operator: true },
  { href: "/apikeys", label: "API keys", operator: true },
];

function Page({ path, who }: { path: string; who: WhoAmI }) {
  const m = path.match(/^\/machines\/([\w-]+)$/);
  if (m) return <MachinePage id={m[1]!} />;
  const v = path.match(/^\/vms\/([\w-]+)$/);
  if (v) return <VmPage id={v[1]!} />;
  switch (path) {
    case "/":
      return <Overview who={who} />;
    case "/machines":
      return <Machines />;
    case "/vms":
      return <Vms />;
    case "/networks":
      return <Networks />;
    case "/pools":
      return <Pools />;
    case "/images":
      return <Images />;
    case "/racks":
      return <Racks />;
    case "/tenants":
      return <Tenants />;
    case "/apikeys":
      return <ApiKeys />;
    default:
      return (
        <main id="main">
          <h1 id="page-title">Not found</h1>
          <p>
            There is no console page at <code>{path}</code>. <a href="/">Overview</a>
          </p>
        </main>
      );
  }
}

/** A page that throws while rendering shows what went wrong, never a blank page. */
class PageBoundary extends Component<{ path: string; children: ComponentChildren }, { error: unknown }> {
  override state = { error: null as unknown };
  override componentDidCatch(error: unknown) {
    this.setState({ error });
  }
  override componentDidUpdate(prev: { path: string }) {
    if (prev.path !== this.props.path && this.state.error) this.setState({ error: null });
  }
  render() {
    if (!this.state.error) return this.props.children;
    return (
      <main id="main">
        <h1 id="page-title">This page failed</h1>
        <ProblemBox error={this.state.error} context="The console could not show this page" />
        <p>
          <a href="/">Overview</a>
        </p>
      </main>
    );
  }
}

function LiveBadge() {
  const [s, setS] = useState("off");
  useEffect(() => onLiveState(setS), []);
  return (
    <span class={`live live-${s}`} id="live-state" data-state={s} role="status">
      {s === "live" ? "● live" : s === "off" ? "" : "○ reconnecting"}
    </span>
  );
}

function App() {
  const { path } = useLocation();
  const [who, setWho] = useState<WhoAmI | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [checking, setChecking] = useState(storedKey() !== null);
  useEffect(() => {
    if (!storedKey()) return;
    api<WhoAmI>("/whoami")
      .then((w) => {
        setWho(w);
        startLive();
      })
      .catch((e) => {
        if (e instanceof ApiError && e.status === 401) clearKey();
        setError(e);
      })
      .finally(() => setChecking(false));
  }, []);
  const signOut = () => {
    stopLive();
    clearKey();
    setWho(null);
    navigate("/");
  };
  if (checking) return <p class="muted pad">Signing in…</p>;
  if (!who) {
    return (
      <>
        {error ? <ProblemBox error={error} context="Your session ended" /> : null}
        <SignIn
          onSignedIn={(key, w) => {
            storeKey(key);
            setError(null);
            setWho(w);
            startLive();
          }}
        />
      </>
    );
  }
  const admin = who.kind === "admin";
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a href="/" class="brand">
          fibrix-metal
        </a>
        <nav aria-label="main">
          <ul>
            {NAV.filter((n) => admin || !n.operator).map((n) => (
              <li key={n.href}>
                <a
                  href={n.href}
                  aria-current={
                    (n.href === "/" ? path === "/" : path.startsWith(n.href)) ? "page" : undefined
                  }
                >
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <LiveBadge />
          <span id="whoami" data-kind={who.kind}>
            {who.name} ({admin ? "operator" : "tenant"})
          </span>
          <button type="button" onClick={signOut} id="signout">
            Sign out
          </button>
        </div>
      </header>
      <PageBoundary path={path}>
        <Page path={path} who={who} />
      </PageBoundary>
    </div>
  );
}

document.addEventListener("click", onLinkClick);
render(<App />, document.getElementById("app")!);
