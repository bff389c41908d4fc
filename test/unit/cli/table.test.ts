/** Text output for people: aligned columns, cut long cells, key/value details. */
import { cell, details, StreamingTable, table } from "../../../cli/table";

test("tables align every column on its widest cell; nothing shows as '-'", () => {
  const rows = [
    { id: "mch_1", name: "pe860-01", ip: null as string | null },
    { id: "mch_22", name: "a", ip: "10.20.0.7" },
  ];
  const out = table(rows, [
    { header: "id", value: (r) => r.id },
    { header: "name", value: (r) => r.name },
    { header: "ip", value: (r) => r.ip },
  ]);
  expect(out).toBe("ID      NAME      IP\nmch_1   pe860-01  -\nmch_22  a         10.20.0.7\n");
  expect(table([], [{ header: "id", value: () => 1 }])).toBe("(none)\n");
});

test("cells are one line, lists joined, long text cut", () => {
  expect(cell("two\nlines")).toBe("two lines");
  expect(cell(["a", "b"])).toBe("a,b");
  expect(cell([])).toBe("-");
  expect(cell("x".repeat(50), 10)).toBe(`${"x".repeat(9)}…`);
  expect(cell({ a: 1 })).toBe('{"a":1}');
});

test("details flattens one level and aligns keys", () => {
  expect(details({ id: "m1", power: { type: "ipmi", passwordSet: true }, tags: ["a"] })).toBe(
    "id                 m1\npower.type         ipmi\npower.passwordSet  true\ntags               a\n",
  );
});

test("a streaming table prints its header once, at fixed widths", () => {
  let out = "";
  const t = new StreamingTable<{ a: string; b: string }>(
    [
      { header: "a", value: (r) => r.a, width: 4 },
      { header: "b", value: (r) => r.b, width: 0 },
    ],
    (s) => {
      out += s;
    },
  );
  t.rows([{ a: "1", b: "x" }]);
  t.rows([{ a: "22", b: "y" }]);
  expect(out).toBe("A     B\n1     x\n22    y\n");
});
