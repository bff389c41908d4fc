import { ephemeralKernelArgs, ipxeScript } from "../../../backend/rack/boot/ipxe-scripts";

const base = {
  kind: "ephemeral" as const,
  baseUrl: "http://10.77.0.1:8080/",
  machineId: "mch_0123",
  token: "ab12",
  kernelArgs: ["console=ttyS0"],
};

test("commission: kernel with the report URL and token, initrd, boot", () => {
  expect(ipxeScript({ ...base, mode: "commission" })).toBe(
    [
      "#!ipxe",
      "echo fibrix: commission environment for mch_0123",
      "kernel http://10.77.0.1:8080/kernel initrd=initrd fibrix.mode=commission fibrix.report=http://10.77.0.1:8080/report/mch_0123 fibrix.token=ab12 console=ttyS0",
      "initrd http://10.77.0.1:8080/initrd",
      "boot",
      "",
    ].join("\n"),
  );
});

test("deploy carries the image URL; without an image it is refused", () => {
  expect(ephemeralKernelArgs({ ...base, mode: "deploy", image: "ubuntu-22.04" })).toContain(
    "fibrix.image=http://10.77.0.1:8080/images/ubuntu-22.04",
  );
  expect(() => ipxeScript({ ...base, mode: "deploy" })).toThrow(
    expect.objectContaining({ code: "BOOT_BAD_CONFIG" }),
  );
});

test("local boots the first disk and falls back to the firmware; exit leaves to the firmware", () => {
  expect(ipxeScript({ kind: "local" })).toContain("sanboot --no-describe --drive 0x80 || exit\n");
  const exit = ipxeScript({ kind: "exit", reason: "unknown MAC" });
  expect(exit).toMatch(/^#!ipxe\necho fibrix: unknown_MAC\nexit\n$/);
});

test("identify asks again with the booting NIC's MAC, expanded by iPXE", () => {
  expect(ipxeScript({ kind: "identify", baseUrl: "http://10.77.0.1:8080" })).toBe(
    // biome-ignore lint/suspicious/noTemplateCurlyInString: iPXE settings syntax, not a JS template
    "#!ipxe\nchain http://10.77.0.1:8080/boot.ipxe?mac=${net0/mac}\n",
  );
});

test.each([
  ["token with a space", { token: "a b" }],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: iPXE settings syntax, not a JS template
  ["token with an iPXE expansion", { token: "${net0/ip}" }],
  ["machine id with a newline", { machineId: "m\nshell" }],
  ["kernel argument with a space", { kernelArgs: ["a b"] }],
  ["base URL with a quote", { baseUrl: 'http://x"/' }],
])("a %s is refused", (_w, over) => {
  expect(() => ipxeScript({ ...base, mode: "commission", ...over })).toThrow(
    expect.objectContaining({ code: "BOOT_BAD_CONFIG" }),
  );
});
