/**
 * The `fibrix` package for Pulumi programs on the native provider (`pulumi-resource-fibrix`):
 * the CustomResource classes and functions generated from schema.json (provider/pulumi/sdk/).
 * Each resource carries an alias to the dynamic resource of the same name, so a stack made
 * with `fibrix-metal/pulumi` today moves over without replacing anything.
 *
 *   import * as fibrix from "fibrix-metal/pulumi/native";   // (the export this module becomes)
 *   const m = new fibrix.Machine("pe860-07", { hostname: "pe860-07", rackId, macs, power });
 */
export * from "./sdk";
