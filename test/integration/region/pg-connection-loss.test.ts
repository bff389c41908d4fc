/**
 * HA store: PostgreSQL kills the region's connections (a restart, a failover, an operator's
 * pg_terminate_backend). The region must not crash on the idle connections' errors, and the
 * next requests must be served on fresh connections.
 */
import { Client } from "pg";
import { createDatabase, type PostgresInstance, startPostgres } from "../../helpers/postgres";
import { http, startTestRegion, type TestRegion } from "../../helpers/region";

let pg: PostgresInstance;
let r: TestRegion;
let dbUrl: string;

beforeAll(async () => {
  pg = await startPostgres();
  dbUrl = await createDatabase(pg.url, `fibrix_loss_${process.pid}`);
  r = await startTestRegion({ databaseUrl: dbUrl });
}, 120_000);

afterAll(async () => {
  await r?.stop();
  await pg?.stop();
});

test("every region connection terminated: the region keeps serving", async () => {
  const created = await http(r.api, "POST", "/regions", {
    body: { name: "girona", dnsDomain: "girona.fibrix.example" },
  });
  expect(created.status).toBe(201);
  // Several idle connections in the pool.
  await Promise.all(Array.from({ length: 5 }, () => http(r.api, "GET", "/regions")));

  const admin = new Client({ connectionString: pg.url });
  await admin.connect();
  const killed = await admin.query(
    "select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
    [new URL(dbUrl).pathname.slice(1)],
  );
  await admin.end();
  expect(killed.rowCount).toBeGreaterThan(0);
  await new Promise((res) => setTimeout(res, 300)); // the 'error' events arrive

  const after = await http(r.api, "GET", `/regions/${created.body.id}`);
  expect(after.status).toBe(200);
  expect(after.body.name).toBe("girona");
  const write = await http(r.api, "POST", "/regions", {
    body: { name: "figueres", dnsDomain: "figueres.fibrix.example" },
  });
  expect(write.status).toBe(201);
});
