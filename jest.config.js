/** Unit tests are pure and fast; integration/e2e tests start real peers (ipmi_sim, libvirtd,
 * PostgreSQL, dnsmasq) and so get long timeouts. Type checking is done once by `tsc`, so
 * ts-jest only transpiles (isolatedModules in tsconfig.json) to keep the suite fast on 2 cores. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  // The run owns its daemons (a private libvirtd): made on first use, stopped at the end.
  globalSetup: "<rootDir>/test/helpers/run-setup.ts",
  globalTeardown: "<rootDir>/test/helpers/run-teardown.ts",
  testTimeout: 60000,
  maxWorkers: 2,
  verbose: false,
};
