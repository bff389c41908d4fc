/**
 * iPXE scripts the rack's HTTP boot server hands each machine (pure). The decision (what the
 * machine should boot) is made by the boot services; this module only writes the script, after
 * checking that nothing it embeds can break out of an iPXE command line (iPXE splits on
 * whitespace and expands `${...}`, see https://ipxe.org/scripting).
 */
import { BootError } from "./boot-error";

export type BootDecision =
  | {
      kind: "ephemeral";
      /** What the ephemeral environment does: report hardware, or write an image. */
      mode: "commission" | "deploy";
      /** Base URL of the rack boot server (kernel, initrd, images, reports). */
      baseUrl: string;
      machineId: string;
      token: string;
      /** Deploy: name of the image under /images/. */
      image?: string;
      /** Extra kernel arguments (e.g. console=ttyS0 for a lab VM's serial log). */
      kernelArgs?: readonly string[];
    }
  | { kind: "local" }
  /** The DHCP boot file URL carries no MAC: ask again, naming the booting NIC (iPXE expands it). */
  | { kind: "identify"; baseUrl: string }
  | { kind: "exit"; reason: string };

const WORD = /^[A-Za-z0-9._:/=,@%+-]+$/;

function word(what: string, v: string): string {
  if (!WORD.test(v) || v.includes("${")) {
    throw new BootError("BOOT_BAD_CONFIG", `unsafe ${what} for an iPXE script: ${JSON.stringify(v)}`);
  }
  return v;
}

/** The kernel command line the ephemeral environment's /init reads (`fibrix.*` words). */
export function ephemeralKernelArgs(d: Extract<BootDecision, { kind: "ephemeral" }>): string[] {
  const base = word("base URL", d.baseUrl.replace(/\/+$/, ""));
  const args = [
    "initrd=initrd",
    `fibrix.mode=${d.mode}`,
    `fibrix.report=${base}/report/${word("machine id", d.machineId)}`,
    `fibrix.token=${word("token", d.token)}`,
  ];
  if (d.mode === "deploy") {
    if (!d.image) throw new BootError("BOOT_BAD_CONFIG", "a deploy boot needs an image");
    args.push(`fibrix.image=${base}/images/${word("image name", d.image)}`);
  }
  for (const a of d.kernelArgs ?? []) args.push(word("kernel argument", a));
  return args;
}

export function ipxeScript(d: BootDecision): string {
  switch (d.kind) {
    case "ephemeral": {
      const base = word("base URL", d.baseUrl.replace(/\/+$/, ""));
      return [
        "#!ipxe",
        `echo fibrix: ${d.mode} environment for ${word("machine id", d.machineId)}`,
        `kernel ${base}/kernel ${ephemeralKernelArgs(d).join(" ")}`,
        `initrd ${base}/initrd`,
        "boot",
        "",
      ].join("\n");
    }
    case "identify":
      return [
        "#!ipxe",
        `chain ${word("base URL", d.baseUrl.replace(/\/+$/, ""))}/boot.ipxe?mac=\${net0/mac}`,
        "",
      ].join("\n");
    case "local":
      // Boot the first hard disk; when it is not bootable fall back to the firmware's next device.
      return [
        "#!ipxe",
        "echo fibrix: booting from local disk",
        "sanboot --no-describe --drive 0x80 || exit",
        "",
      ].join("\n");
    case "exit":
      return ["#!ipxe", `echo fibrix: ${word("reason", d.reason.replace(/ /g, "_"))}`, "exit", ""].join("\n");
  }
}
