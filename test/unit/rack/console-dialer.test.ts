import { consoleRoute } from "../../../backend/rack/console-dialer";

const P = "/var/lib/libvirt/qemu/fibrix-vm-vm_1.console.sock";

test("local libvirt URIs connect to the socket itself", () => {
  for (const uri of ["qemu:///system", "qemu:///system?socket=/tmp/x/libvirt-sock", "qemu+unix:///system"]) {
    expect(consoleRoute(uri, P)).toEqual({ kind: "local", path: P });
  }
});

test("qemu+ssh runs socat on the host over the same ssh, the path quoted for its shell", () => {
  expect(consoleRoute("qemu+ssh://root@10.20.0.5:2222/system?keyfile=/etc/fibrix/id_ed25519", P)).toEqual({
    kind: "ssh",
    argv: [
      "ssh",
      "-T",
      "-o",
      "BatchMode=yes",
      "-p",
      "2222",
      "-i",
      "/etc/fibrix/id_ed25519",
      "--",
      "root@10.20.0.5",
      `socat - 'UNIX-CONNECT:${P}'`,
    ],
  });
  const odd = consoleRoute("qemu+ssh://kvm-1/system", "/srv/it's here.sock");
  expect(odd).toMatchObject({ kind: "ssh" });
  expect((odd as { argv: string[] }).argv.at(-1)).toBe(`socat - 'UNIX-CONNECT:/srv/it'\\''s here.sock'`);
});

test("other transports and unreadable URIs are CONSOLE_UNAVAILABLE", () => {
  for (const uri of ["qemu+tcp://10.0.0.5/system", "qemu+tls://h/system", "not a uri"]) {
    expect(() => consoleRoute(uri, P)).toThrow(expect.objectContaining({ code: "CONSOLE_UNAVAILABLE" }));
  }
  expect(() => consoleRoute("qemu+ssh://h/system", "/a,b.sock")).toThrow(
    expect.objectContaining({ code: "CONSOLE_UNAVAILABLE" }),
  );
});
