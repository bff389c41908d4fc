/** Cached list bodies: reused only for exactly the same ids, versions and cursor; bounded in bytes. */
import { ListCache } from "../../../backend/region/list-cache";

const rows = (...v: [string, number][]) => v.map(([id, version]) => ({ id, version }));
const body = (s: string) => Buffer.from(s);

test("a body is reused only while the ids, versions and next cursor are unchanged", () => {
  const c = new ListCache();
  c.put("q", rows(["a", 1], ["b", 1]), null, body("one"));
  expect(c.get("q", rows(["a", 1], ["b", 1]), null)?.toString()).toBe("one");
  expect(c.get("other", rows(["a", 1], ["b", 1]), null)).toBeUndefined();
  expect(c.get("q", rows(["a", 1], ["b", 2]), null)).toBeUndefined();
  expect(c.get("q", rows(["a", 1], ["c", 1]), null)).toBeUndefined();
  expect(c.get("q", rows(["a", 1]), null)).toBeUndefined();
  expect(c.get("q", rows(["a", 1], ["b", 1], ["c", 1]), null)).toBeUndefined();
  expect(c.get("q", rows(["a", 1], ["b", 1]), "b")).toBeUndefined();
  c.put("q", rows(["a", 1], ["b", 2]), null, body("two"));
  expect(c.get("q", rows(["a", 1], ["b", 2]), null)?.toString()).toBe("two");
  expect(c.get("q", rows(["a", 1], ["b", 1]), null)).toBeUndefined();
});

test("the oldest bodies go first once the byte budget is spent; an oversized body is not kept", () => {
  const c = new ListCache(10);
  const k = rows(["a", 1]);
  c.put("1", k, null, body("xxxx"));
  c.put("2", k, null, body("yyyy"));
  c.put("3", k, null, body("zzzz"));
  expect(c.get("1", k, null)).toBeUndefined();
  expect(c.get("2", k, null)?.toString()).toBe("yyyy");
  expect(c.get("3", k, null)?.toString()).toBe("zzzz");
  c.put("big", k, null, body("b".repeat(11)));
  expect(c.get("big", k, null)).toBeUndefined();
  expect(c.get("3", k, null)?.toString()).toBe("zzzz");
});
