/** The boot HTTP server over real HTTP on 127.0.0.1: scripts per MAC, files, report posting. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BootHttpServer } from "../../../backend/rack/boot/http-server";
import { BootServices } from "../../../backend/rack/boot/services";

const dir = mkdtempSync(join(tmpdir(), "fibrix-boot-http-"));
writeFileSync(join(dir, "kernel"), Buffer.alloc(100_000, 1));
writeFileSync(join(dir, "initrd"), "initrd-bytes");
writeFileSync(join(dir, "tiny"), Buffer.alloc(3 * 1024 * 1024, 7));
const services = new BootServices({
  baseUrl: "http://10.77.0.1:8080",
  kernelPath: join(dir, "kernel"),
  initrdPath: join(dir, "initrd"),
  imagesDir: dir,
});
const server = new BootHttpServer(services);
let base: string;

beforeAll(async () => {
  const addr = await server.listen({ host: "127.0.0.1", port: 0 });
  base = `http://${addr}`;
});
afterAll(async () => {
  services.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test("scripts: identify, then the environment for an expected MAC", async () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: iPXE settings syntax, not a JS template
  expect(await (await fetch(`${base}/boot.ipxe`)).text()).toContain("boot.ipxe?mac=${net0/mac}");
  const p = services.expect({ machineId: "m1", mode: "commission", macs: ["52:54:00:00:00:01"] });
  const s = await (await fetch(`${base}/boot.ipxe?mac=52:54:00:00:00:01`)).text();
  expect(s).toContain(`fibrix.token=${p.token}`);
  expect(s).toContain("kernel http://10.77.0.1:8080/kernel ");
  p.close();
});

test("files: kernel, initrd and images are streamed with their length; unknown ones are 404", async () => {
  const k = await fetch(`${base}/kernel`);
  expect(k.headers.get("content-length")).toBe("100000");
  expect((await k.arrayBuffer()).byteLength).toBe(100_000);
  expect(await (await fetch(`${base}/initrd`)).text()).toBe("initrd-bytes");
  expect((await (await fetch(`${base}/images/tiny`)).arrayBuffer()).byteLength).toBe(3 * 1024 * 1024);
  expect((await fetch(`${base}/images/..%2Fkernel`)).status).toBe(404);
  expect((await fetch(`${base}/nope`)).status).toBe(404);
});

test("reports: token checked, JSON validated, delivered to the waiting executor", async () => {
  const p = services.expect({ machineId: "m2", mode: "commission", macs: ["52:54:00:00:00:02"] });
  const waiting = p.wait("commission", { timeoutMs: 10_000 });
  const post = (body: string, token = p.token, kind = "commission", id = "m2") =>
    fetch(`${base}/report/${id}/${kind}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-fibrix-token": token },
      body,
    });
  expect((await post("{}", "bad")).status).toBe(400); // malformed before the token is looked at
  expect((await post('{"kind":"commission","cores":2}', "bad")).status).toBe(403);
  expect((await post('{"kind":"commission","cores":2}', p.token, "commission", "other")).status).toBe(409);
  expect((await post("not json")).status).toBe(400);
  expect((await post('{"kind":"commission","cores":2}', p.token, "weird")).status).toBe(404);
  expect((await post(JSON.stringify({ kind: "commission", cpuModel: "x".repeat(2_000_000) }))).status).toBe(
    413,
  );
  expect(
    (await post('{"kind":"commission","cores":2,"nics":[{"name":"eth0","mac":"52:54:00:00:00:02"}]}')).status,
  ).toBe(200);
  await expect(waiting).resolves.toMatchObject({ kind: "commission", cores: 2 });
  expect(server.stats.reports).toBe(1);
  p.close();
});
