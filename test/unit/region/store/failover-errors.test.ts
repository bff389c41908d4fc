import {
  classifyStoreFailure,
  retryAfterSeconds,
  toUnavailable,
} from "../../../../backend/region/store/failover-errors";
import { NoPrimaryError } from "../../../../backend/region/store/primary-locator";
import { ERRORS } from "../../../../sdk/errors";

const pgError = (code: string, message = "x") => Object.assign(new Error(message), { code });

describe("store failures during a failover", () => {
  test.each([
    ["ECONNREFUSED", "connection"],
    ["ECONNRESET", "connection"],
    ["EPIPE", "connection"],
    ["ETIMEDOUT", "connection"],
    ["57P01", "connection"], // admin_shutdown
    ["57P02", "connection"], // crash_shutdown
    ["57P03", "connection"], // cannot_connect_now
    ["08006", "connection"], // connection_failure
    ["08003", "connection"],
    ["25006", "read-only"], // read_only_sql_transaction
    ["40001", "transient"], // serialization_failure
    ["40P01", "transient"], // deadlock_detected
  ])("code %s is %s", (code, kind) => {
    expect(classifyStoreFailure(pgError(code))).toBe(kind);
  });

  test.each([
    "Connection terminated unexpectedly",
    "Connection terminated",
    "timeout exceeded when trying to connect",
    "Client has encountered a connection error and is not queryable",
    "the database system is starting up",
    "the database system is shutting down",
    "Query read timeout",
  ])("node-postgres's codeless %j is a lost connection", (message) => {
    expect(classifyStoreFailure(new Error(message))).toBe("connection");
  });

  test("no primary among the hosts is a lost connection", () => {
    expect(classifyStoreFailure(new NoPrimaryError(["a:1: ECONNREFUSED"]))).toBe("connection");
  });

  test.each([
    ["23505", "unique_violation"],
    ["23503", "foreign_key_violation"],
    ["42P01", "undefined_table"],
    ["SQLITE_CONSTRAINT_UNIQUE", "sqlite"],
  ])("code %s (%s) is not a failover", (code) => {
    expect(classifyStoreFailure(pgError(code))).toBeUndefined();
    expect(toUnavailable(pgError(code))).toBeUndefined();
  });

  test("non-errors are not failovers", () => {
    expect(classifyStoreFailure(undefined)).toBeUndefined();
    expect(classifyStoreFailure("ECONNREFUSED")).toBeUndefined();
    expect(classifyStoreFailure(new TypeError("x is undefined"))).toBeUndefined();
  });

  test("the API answer: 503 UNAVAILABLE, retryable, with a Retry-After", () => {
    const a = toUnavailable(pgError("57P01"));
    expect(a?.error.code).toBe("UNAVAILABLE");
    expect(a?.error.status).toBe(503);
    expect(a?.error.retryable).toBe(ERRORS.UNAVAILABLE.retryable);
    expect(a?.error.retryable).toBe(true);
    expect(a?.retryAfter).toBe(1);
    expect(a?.error.toProblem()).toMatchObject({ status: 503, code: "UNAVAILABLE", retryable: true });
    expect(toUnavailable(pgError("40001"))?.retryAfter).toBe(0);
    expect(retryAfterSeconds("read-only")).toBe(1);
  });
});
