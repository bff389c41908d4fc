/**
 * `fibrix-metal/pulumi`: the Pulumi resources of a fibrix region — Region, Rack, Machine,
 * VirtualMachine, Pool — and the functions getRegions, getPools, getImages, on the native
 * provider `pulumi-resource-fibrix` (provider/pulumi/README.md: install, config, import).
 * The classes are generated from schema.json (provider/pulumi/sdk/); each carries an alias to
 * the dynamic resource of the same name that earlier versions made, so such stacks move over
 * without replacing anything.
 *
 *   import * as fibrix from "fibrix-metal/pulumi";
 *   const vm = new fibrix.VirtualMachine("web-1", { name: "web-1", poolId, image: "ubuntu-24.04",
 *     cores: 1, memoryMiB: 1024, diskGiB: 20 }, { customTimeouts: { create: "20m" } });
 *   export const fqdn = vm.fqdn;
 *
 * Settings: `pulumi config set fibrix:endpoint http://region:5240` and
 * `pulumi config set --secret fibrix:apiKey fbx_…` (or FIBRIX_ENDPOINT / FIBRIX_API_KEY).
 */
export * from "./sdk";
