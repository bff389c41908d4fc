/**
 * The serializable face of a resource's hooks. Pulumi stores a dynamic provider in the state as
 * the text of its functions (runtime/closure/serializeClosure), and the provider process
 * rebuilds it with require-from-string. So what gets serialized here is tiny and captures only
 * strings: each method `require`s the module that holds the real hooks, at run time, in the
 * provider process. The hooks then import the SDK normally, and no client, schema or secret is
 * ever written into the state.
 *
 * The module is looked up first by the absolute path it had when the program ran (same machine:
 * `pulumi up`), then through the package export (`fibrix-metal/pulumi`), so a `pulumi destroy`
 * on another CI runner, where the old path does not exist, still finds it.
 */
import type * as pulumi from "@pulumi/pulumi";

/** What each resource file implements; `configure` is shared (provider-config.ts). */
export interface ResourceHooks<I, O> {
  check(olds: Partial<I>, news: Partial<I>): Promise<pulumi.dynamic.CheckResult<I>>;
  diff(id: string, olds: O, news: I): Promise<pulumi.dynamic.DiffResult>;
  create(inputs: I): Promise<pulumi.dynamic.CreateResult<O>>;
  /** `inputs`: what refresh and import record as the inputs, so the next diff sees drift. */
  read(id: string, props?: Partial<O>): Promise<{ id: string; props: O; inputs: Partial<I> }>;
  update(id: string, olds: O, news: I): Promise<pulumi.dynamic.UpdateResult<O>>;
  delete(id: string, props: O): Promise<void>;
}

/** The module shape the shim expects: named hooks plus the shared configure. */
interface HookModule {
  configure(config: pulumi.dynamic.Config | undefined): void;
  [name: string]: unknown;
}

/** `modulePath`: absolute path without extension; `exportName`: the hooks object in it. */
export function hookedProvider(
  modulePath: string,
  exportName: string,
  packagePath = "fibrix-metal/pulumi",
): pulumi.dynamic.ResourceProvider {
  // Everything below is serialized: reference only these strings, `require` and locals.
  const load = (): { mod: HookModule; hooks: Record<string, (...a: unknown[]) => Promise<unknown>> } => {
    let mod: HookModule;
    try {
      mod = require(modulePath) as HookModule;
    } catch (first) {
      try {
        mod = require(packagePath) as HookModule;
      } catch {
        throw new Error(
          `fibrix provider: cannot load ${modulePath} (${String(first)}) nor ${packagePath}; install fibrix-metal in the program's directory`,
        );
      }
    }
    const hooks = mod[exportName] as Record<string, (...a: unknown[]) => Promise<unknown>> | undefined;
    if (!hooks) throw new Error(`fibrix provider: ${exportName} not found in ${modulePath}`);
    return { mod, hooks };
  };
  return {
    async configure(req: pulumi.dynamic.ConfigureRequest) {
      load().mod.configure(req.config);
    },
    check(olds: unknown, news: unknown) {
      return load().hooks.check!(olds, news) as Promise<pulumi.dynamic.CheckResult>;
    },
    diff(id: string, olds: unknown, news: unknown) {
      return load().hooks.diff!(id, olds, news) as Promise<pulumi.dynamic.DiffResult>;
    },
    create(inputs: unknown) {
      return load().hooks.create!(inputs) as Promise<pulumi.dynamic.CreateResult>;
    },
    read(id: string, props?: unknown) {
      return load().hooks.read!(id, props) as Promise<pulumi.dynamic.ReadResult>;
    },
    update(id: string, olds: unknown, news: unknown) {
      return load().hooks.update!(id, olds, news) as Promise<pulumi.dynamic.UpdateResult>;
    },
    delete(id: string, props: unknown) {
      return load().hooks.delete!(id, props) as Promise<void>;
    },
  };
}
