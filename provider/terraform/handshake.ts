/**
 * go-plugin's side of the plugin handshake (hashicorp/go-plugin `server.go`, `mtls.go`):
 * - refuse to run unless Terraform's magic cookie is in the environment (a user who runs the
 *   binary by hand gets go-plugin's standard message and exit status 1);
 * - agree on protocol 6 (PLUGIN_PROTOCOL_VERSIONS);
 * - AutoMTLS: Terraform puts its client certificate in PLUGIN_CLIENT_CERT; we make our own,
 *   serve gRPC on 127.0.0.1 with TLS that requires exactly that client certificate;
 * - print `CORE-PROTOCOL-VERSION|APP-PROTOCOL-VERSION|NETWORK|ADDR|PROTOCOL|CERT` on stdout,
 *   CERT being our certificate's DER in base64 without padding.
 * Besides tfplugin6.Provider the server carries go-plugin's GRPCController (Shutdown),
 * GRPCStdio, GRPCBroker and the gRPC health service ("plugin" SERVING) that go-plugin pings.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { generateCertificate } from "./certificate";
import { grpcImplementation, type ProviderServer } from "./server";

export const MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE";
export const MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
export const CORE_PROTOCOL_VERSION = 1;
export const APP_PROTOCOL_VERSION = 6;

export const NOT_A_PLUGIN_MESSAGE =
  "This binary is a plugin. These are not meant to be executed directly.\n" +
  "Please execute the program that consumes these plugins, which will\n" +
  "load any plugins automatically\n";

export class HandshakeError extends Error {
  readonly retryable = false;
  constructor(
    readonly code: "NOT_A_PLUGIN" | "PROTOCOL_VERSION" | "LISTEN",
    message: string,
  ) {
    super(message);
    this.name = "HandshakeError";
  }
}

/** The directory of the .proto files, from the sources or from dist/. */
export function protoDir(): string {
  const candidates = [join(__dirname, "proto"), join(__dirname, "../../../provider/terraform/proto")];
  return candidates.find((d) => existsSync(join(d, "tfplugin6.proto"))) ?? candidates[0]!;
}

export function loadProtos(): grpc.GrpcObject {
  const dir = protoDir();
  const def = protoLoader.loadSync(
    ["tfplugin6.proto", "grpc_controller.proto", "grpc_stdio.proto", "grpc_broker.proto"].map((f) =>
      join(dir, f),
    ),
    { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true, includeDirs: [dir] },
  );
  return grpc.loadPackageDefinition(def);
}

function service(pkg: grpc.GrpcObject, path: string): grpc.ServiceDefinition {
  let node: unknown = pkg;
  for (const part of path.split(".")) node = (node as Record<string, unknown>)[part];
  return (node as { service: grpc.ServiceDefinition }).service;
}

/** grpc.health.v1.Health/Check, hand-encoded: the response is `status: SERVING` (field 1 = 1). */
const identity = (b: Buffer) => b;
const HEALTH_SERVICE: grpc.ServiceDefinition = {
  Check: {
    path: "/grpc.health.v1.Health/Check",
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

/** Checks the environment Terraform sets; throws HandshakeError when it is not Terraform. */
export function checkEnvironment(env: NodeJS.ProcessEnv): void {
  if (env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE)
    throw new HandshakeError("NOT_A_PLUGIN", NOT_A_PLUGIN_MESSAGE);
  const versions = env.PLUGIN_PROTOCOL_VERSIONS;
  if (
    versions &&
    !versions
      .split(",")
      .map((v) => v.trim())
      .includes(String(APP_PROTOCOL_VERSION))
  ) {
    throw new HandshakeError(
      "PROTOCOL_VERSION",
      `this provider speaks plugin protocol ${APP_PROTOCOL_VERSION}; Terraform offered ${versions}`,
    );
  }
}

export interface RunningPlugin {
  server: grpc.Server;
  port: number;
  /** The handshake line printed on stdout (without the newline). */
  line: string;
  /**
   * Stops serving: streams end, and calls in flight (an apply whose wait StopProvider just
   * aborted) finish and answer first, so Terraform still records what was created.
   */
  shutdown(): Promise<void>;
}

function bind(server: grpc.Server, creds: grpc.ServerCredentials, port: number): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, creds, (err, p) => (err ? reject(err) : resolve(p))),
  );
}

/** Serves the provider and prints the handshake line; `onShutdown` runs on GRPCController.Shutdown. */
export async function servePlugin(
  provider: ProviderServer,
  env: NodeJS.ProcessEnv,
  write: (line: string) => void,
  onShutdown: () => void,
): Promise<RunningPlugin> {
  checkEnvironment(env);
  const pkg = loadProtos();
  const server = new grpc.Server();
  const streams = new Set<
    grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>
  >();
  server.addService(service(pkg, "tfplugin6.Provider"), grpcImplementation(provider));
  server.addService(service(pkg, "plugin.GRPCController"), {
    Shutdown: (_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      cb(null, {});
      setImmediate(onShutdown);
    },
  });
  // Our logs go to stderr, which Terraform already captures; the stdio stream just stays open.
  server.addService(service(pkg, "plugin.GRPCStdio"), {
    StreamStdio: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      streams.add(call);
      call.on("cancelled", () => streams.delete(call));
    },
  });
  // No plugin-to-core callbacks: the broker stream is accepted and left idle.
  server.addService(service(pkg, "plugin.GRPCBroker"), {
    StartStream: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
      streams.add(call);
      call.on("data", () => {});
      call.on("end", () => {
        streams.delete(call);
        call.end();
      });
    },
  });
  server.addService(HEALTH_SERVICE, {
    Check: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) =>
      cb(null, Buffer.from([0x08, 0x01])),
  });

  const clientCert = env.PLUGIN_CLIENT_CERT;
  let creds = grpc.ServerCredentials.createInsecure();
  let certField = "";
  if (clientCert) {
    const cert = generateCertificate();
    creds = grpc.ServerCredentials.createSsl(
      Buffer.from(clientCert),
      [{ private_key: Buffer.from(cert.keyPem), cert_chain: Buffer.from(cert.certPem) }],
      true,
    );
    certField = cert.der.toString("base64").replace(/=+$/, "");
  }

  const min = Number(env.PLUGIN_MIN_PORT ?? 0);
  const max = Number(env.PLUGIN_MAX_PORT ?? 0);
  let port = 0;
  if (min > 0 && max >= min) {
    for (let p = min; p <= max && port === 0; p++) port = await bind(server, creds, p).catch(() => 0);
    if (port === 0) throw new HandshakeError("LISTEN", `no free port in ${min}-${max}`);
  } else {
    port = await bind(server, creds, 0).catch((e: Error) => {
      throw new HandshakeError("LISTEN", `cannot listen on 127.0.0.1: ${e.message}`);
    });
  }
  const line = `${CORE_PROTOCOL_VERSION}|${APP_PROTOCOL_VERSION}|tcp|127.0.0.1:${port}|grpc|${certField}`;
  write(`${line}\n`);
  return {
    server,
    port,
    line,
    shutdown: () =>
      new Promise<void>((resolve) => {
        for (const s of streams) s.end();
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 15_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
