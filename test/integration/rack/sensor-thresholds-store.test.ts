/**
 * Sensor thresholds through both stores (migration 0008_sensor_thresholds): a real region on
 * SQLite and on a private PostgreSQL, a lab PE860 BMC on 127.0.0.1 and the rack agent
 * in-process. The agent's health report is stored; GET /machines/:id/health serves each
 * threshold sensor's readable thresholds, in units, and none for discrete sensors. A second
 * report replaces the first (rows are per machine and sensor name).
 */
import pino from "pino";
import { type LabBmcs, startLabBmcs } from "../../../backend/lab/bmc/server";
import { RackAgent } from "../../../backend/rack/agent";
import { defaultDeps } from "../../../backend/rack/executors/deps";
import type { SensorReading } from "../../../sdk/schema/machine";
import { createDatabase, type PostgresInstance, startPostgres } from "../../helpers/postgres";
import { FibrixClient, sensorState } from "../../../sdk";
import { ADMIN_KEY, http, startTestRegion, type TestRegion } from "../../helpers/region";
import { enlistIpmi, makeRack, waitTask } from "./rack-fixtures";

let lab: LabBmcs;
let pg: PostgresInstance;

beforeAll(async () => {
  lab = await startLabBmcs({ count: 1, basePort: 0, user: "root", password: "calvin" });
  pg = await startPostgres();
}, 120_000);

afterAll(async () => {
  await lab?.close();
  await pg?.stop();
});

describe.each(["sqlite", "postgres"] as const)("on %s", (store) => {
  let r: TestRegion;
  let agent: RackAgent;

  beforeAll(async () => {
    r = await startTestRegion(
      store === "postgres"
        ? { databaseUrl: await createDatabase(pg.url, `fibrix_sensors_${process.pid}`) }
        : {},
    );
    const rack = await makeRack(r, `rack-sensors-${store}`);
    agent = new RackAgent({
      region: r.url,
      token: rack.enrollmentToken,
      claimWaitMs: 1_000,
      log: pino({ level: "silent" }),
      deps: defaultDeps(`fxst${store[0]}-`),
    });
    await agent.start();
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await r?.stop();
  });

  const readHealth = async (id: string) => {
    const q = await http(r.api, "POST", `/machines/${id}/power`, { body: { action: "health" } });
    expect((await waitTask(r, q.body.taskId)).status).toBe("done");
    const h = await http(r.api, "GET", `/machines/${id}/health`);
    expect(h.status).toBe(200);
    return new Map<string, SensorReading>(h.body.sensors.map((s: SensorReading) => [s.name, s]));
  };

  test("thresholds are stored and served; the next report replaces them", async () => {
    const id = await enlistIpmi(
      r,
      (await http(r.api, "GET", "/racks")).body.items[0].id,
      "pe860-s1",
      "52:54:00:41:00:01",
      lab.bmcs[0]!.port,
    );
    const first = await readHealth(id);
    expect(first.get("Ambient Temp")!.thresholds).toEqual({
      lowerCritical: 3,
      lowerNonCritical: 8,
      upperNonCritical: 42,
      upperCritical: 47,
    });
    expect(first.get("VBAT")!.thresholds).toEqual({ lowerCritical: 2.496, lowerNonCritical: 2.592 });
    expect(first.get("Intrusion")).not.toHaveProperty("thresholds");
    lab.bmcs[0]!.bmc.sensors.inject("Ambient Temp", "lower-critical");
    const second = await readHealth(id);
    expect(second.size).toBe(first.size);
    expect(second.get("Ambient Temp")).toMatchObject({
      status: "critical",
      thresholds: first.get("Ambient Temp")!.thresholds,
    });
    lab.bmcs[0]!.bmc.sensors.inject("Ambient Temp", "normal");
    // The SDK's typed view is the same document.
    const sdk = await new FibrixClient({ endpoint: r.url, apiKey: ADMIN_KEY }).machines.health(id);
    const ambient = sdk.sensors.find((s) => s.name === "Ambient Temp")!;
    expect(ambient.thresholds?.upperCritical).toBe(47);
    expect(sensorState(ambient)).toMatchObject({ state: "critical", crossed: { key: "lowerCritical" } });
  }, 60_000);

  test("the OpenAPI document describes the thresholds of GET /machines/{id}/health", async () => {
    const doc = (await http(r.api, "GET", "/openapi.json", { key: "" })).body;
    const ok = doc.paths["/api/v1/machines/{id}/health"].get.responses["200"];
    const sensor = (ok.content?.["application/json"]?.schema ?? ok.schema).properties.sensors.items;
    expect(sensor.required).not.toContain("thresholds");
    expect(Object.keys(sensor.properties.thresholds.properties)).toEqual([
      "lowerNonRecoverable",
      "lowerCritical",
      "lowerNonCritical",
      "upperNonCritical",
      "upperCritical",
      "upperNonRecoverable",
    ]);
    expect(sensor.properties.thresholds.properties.upperCritical.type).toBe("number");
  });
});
