/**
 * Usage arithmetic (backend/region/usage-arithmetic.ts): what each VM status bills, clipping
 * of ledger intervals, UTC buckets, that buckets always add up to the whole period (checked
 * over many generated ledgers), the RFC 4180 export and the period's validation.
 */
import {
  billedRates,
  buckets,
  clipped,
  csvField,
  type Interval,
  parsePeriod,
  parseTime,
  usageCsv,
  usageLines,
} from "../../../backend/region/usage-arithmetic";

const vm = (status: string, hostId: string | null = "mch_0000000000000001") => ({
  status,
  hostId,
  cores: 2,
  memoryMib: 2048,
  diskGib: 20,
});
const H = 3_600_000;
const D = 24 * H;
const T0 = Date.parse("2026-12-01T00:00:00Z");

test("billed rates by status: running bills all, stopped and failed-on-host the disk and addresses, pending changes bill as before", () => {
  expect(billedRates(vm("Running"), 1)).toEqual({
    state: "running",
    cores: 2,
    memoryMiB: 2048,
    diskGiB: 20,
    publicIps: 1,
  });
  expect(billedRates(vm("Stopped"), 1)).toEqual({
    state: "stopped",
    cores: 0,
    memoryMiB: 0,
    diskGiB: 20,
    publicIps: 1,
  });
  expect(billedRates(vm("Failed"), 0)).toEqual({
    state: "stopped",
    cores: 0,
    memoryMiB: 0,
    diskGiB: 20,
    publicIps: 0,
  });
  expect(billedRates(vm("Failed", null), 0)).toBeNull();
  for (const s of ["Creating", "Updating", "Deleting"]) expect(billedRates(vm(s), 0)).toBe("unchanged");
  expect(billedRates(vm("Pending"), 0)).toBeNull();
  expect(billedRates(undefined, 0)).toBeNull();
});

const iv = (startMs: number, endMs: number | null, over: Partial<Interval> = {}): Interval => ({
  tenantId: "ten_0000000000000001",
  vmId: "vm_0000000000000001",
  vmName: "web",
  poolId: "pol_0000000000000001",
  state: "running",
  cores: 2,
  memoryMiB: 1024,
  diskGiB: 10,
  publicIps: 1,
  startMs,
  endMs,
  ...over,
});

test("clipping: inside, across either edge, outside, open until now, and now before the start", () => {
  expect(clipped(iv(T0 + 10_000, T0 + 20_000), T0, T0 + H, T0 + H)).toEqual({
    coreSeconds: 20,
    memoryMiBSeconds: 10_240,
    diskGiBSeconds: 100,
    publicIpSeconds: 10,
  });
  expect(clipped(iv(T0 - 5000, T0 + 5000), T0, T0 + H, T0).coreSeconds).toBe(10);
  expect(clipped(iv(T0 + H - 5000, T0 + H + 5000), T0, T0 + H, T0).coreSeconds).toBe(10);
  expect(clipped(iv(T0 + H, T0 + 2 * H), T0, T0 + H, T0).coreSeconds).toBe(0);
  expect(clipped(iv(T0, null), T0, T0 + H, T0 + 30_000).coreSeconds).toBe(60);
  expect(clipped(iv(T0, null), T0, T0 + H, T0 + 2 * H).coreSeconds).toBe(2 * 3600);
  expect(clipped(iv(T0 + 1000, null), T0, T0 + H, T0).coreSeconds).toBe(0);
});

test("sums are exact in milliseconds: three 100 ms intervals of one core are 0.3 core-seconds, not 0.30000000000000004", () => {
  const ivs = [0, 1, 2].map((k) => iv(T0 + k * 1000, T0 + k * 1000 + 100, { cores: 1 }));
  expect(usageLines(ivs, T0, T0 + H, "hour", T0 + H).totals.coreSeconds).toBe(0.3);
});

test("buckets are UTC hours or days, the first and last clipped to the period", () => {
  expect(buckets(T0, T0 + 2 * H, "hour")).toEqual([
    [T0, T0 + H],
    [T0 + H, T0 + 2 * H],
  ]);
  expect(buckets(T0 + 1800_000, T0 + H + 60_000, "hour")).toEqual([
    [T0 + 1800_000, T0 + H],
    [T0 + H, T0 + H + 60_000],
  ]);
  expect(buckets(T0 + 5 * H, T0 + 2 * D, "day")).toEqual([
    [T0 + 5 * H, T0 + D],
    [T0 + D, T0 + 2 * D],
  ]);
  expect(buckets(T0, T0 + 1, "day")).toEqual([[T0, T0 + 1]]);
});

test("600 generated ledgers: hourly and daily lines each add up to the clipped whole, and totals are the lines' sum", () => {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let run = 0; run < 600; run++) {
    const ivs: Interval[] = [];
    for (let v = 0; v < 1 + rnd(3); v++) {
      let t = T0 + rnd(3 * D);
      for (let k = 0; k < 1 + rnd(4); k++) {
        const len = 1000 * (1 + rnd(20_000));
        const open = k > 0 && rnd(5) === 0;
        ivs.push(
          iv(t, open ? null : t + len, {
            vmId: `vm_000000000000000${v}`,
            cores: rnd(4),
            memoryMiB: 512 * rnd(4),
            diskGiB: 5 + rnd(50),
          }),
        );
        if (open) break;
        t += len;
      }
    }
    const from = T0 + rnd(D);
    const to = from + 1000 * (1 + rnd(3 * 86_400));
    const now = T0 + rnd(5 * D);
    const whole = ivs.reduce((s, x) => s + clipped(x, from, to, now).coreSeconds, 0);
    for (const g of ["hour", "day"] as const) {
      const { lines, totals } = usageLines(ivs, from, to, g, now);
      expect(Math.abs(totals.coreSeconds - whole)).toBeLessThan(1e-6);
      const diskLines = lines.reduce((s, l) => s + l.diskGiBSeconds, 0);
      expect(Math.abs(diskLines - totals.diskGiBSeconds)).toBeLessThan(1e-6);
      for (const l of lines) {
        expect(Date.parse(l.bucketStart)).toBeGreaterThanOrEqual(from);
        expect(Date.parse(l.bucketEnd)).toBeLessThanOrEqual(to);
      }
    }
  }
});

test("CSV: a header row, RFC 4180 quoting, CRLF", () => {
  expect(csvField("plain")).toBe("plain");
  expect(csvField('a,"b"')).toBe('"a,""b"""');
  expect(csvField("two\nlines")).toBe('"two\nlines"');
  expect(csvField(12.5)).toBe("12.5");
  const { lines } = usageLines([iv(T0, T0 + 10_000, { vmName: 'we,b"1' })], T0, T0 + H, "hour", T0);
  expect(usageCsv(lines)).toBe(
    "tenant_id,vm_id,vm_name,pool_id,bucket_start,bucket_end,core_seconds,memory_mib_seconds,disk_gib_seconds,public_ip_seconds\r\n" +
      'ten_0000000000000001,vm_0000000000000001,"we,b""1",pol_0000000000000001,2026-12-01T00:00:00.000Z,2026-12-01T01:00:00.000Z,20,10240,100,10\r\n',
  );
  expect(usageCsv([])).toMatch(/^tenant_id,.*public_ip_seconds\r\n$/);
});

test("times and periods: RFC 3339 with an offset, real days, from before to, bounded ranges", () => {
  expect(parseTime("2026-12-01T00:00:00Z")).toBe(T0);
  expect(parseTime("2026-12-01T01:00:00+01:00")).toBe(T0);
  expect(parseTime("2026-12-01")).toBe(T0);
  for (const bad of [
    "2026-02-30T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-12-01T00:00:00",
    "yesterday",
    "1796083200000",
    "",
  ]) {
    expect([bad, parseTime(bad)]).toEqual([bad, null]);
  }
  expect(parsePeriod({ from: "2026-12-01T00:00:00Z", to: "2026-12-02T00:00:00Z" })).toEqual({
    fromMs: T0,
    toMs: T0 + D,
    granularity: "day",
  });
  const fields = (q: Record<string, string>) => {
    const r = parsePeriod(q);
    return Array.isArray(r) ? r.map((e) => e.field) : [];
  };
  expect(fields({})).toEqual(["query:from", "query:to"]);
  expect(fields({ from: "x", to: "2026-12-01" })).toEqual(["query:from"]);
  expect(fields({ from: "2026-12-01", to: "2026-12-01", granularity: "hour" })).toEqual(["query:from"]);
  expect(fields({ from: "2026-12-02", to: "2026-12-01" })).toEqual(["query:from"]);
  expect(fields({ from: "2026-12-01", to: "2026-12-02", granularity: "week" })).toEqual([
    "query:granularity",
  ]);
  expect(fields({ from: "2026-12-01", to: "2027-01-01", granularity: "hour" })).toEqual([]);
  expect(fields({ from: "2026-12-01", to: "2027-01-02", granularity: "hour" })).toEqual(["query:to"]);
  expect(fields({ from: "2026-01-01", to: "2027-01-03" })).toEqual(["query:to"]);
  const r = parsePeriod({ from: "2026-01-01", to: "2027-01-03" });
  expect(Array.isArray(r) && r[0]!.reason).toMatch(/range too large: at most 366 days/);
});
