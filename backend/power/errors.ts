/**
 * Typed power errors. Like MAAS's power drivers, errors are split into fatal ones (settings,
 * authentication, unsupported operation: retrying cannot help) and transient ones (timeouts,
 * unreachable BMC, busy BMC: the driver base retries these until its deadline).
 *
 * `POWER_FAILURES` is the one table from a protocol failure (a timeout, a completion code of a
 * given command, a refused socket) to an error class and a message for the operator, like the
 * IPMI_ERRORS table of MAAS's ipmi.py.
 */

export type PowerErrorCode =
  | "POWER_AUTHENTICATION"
  | "POWER_UNREACHABLE"
  | "POWER_TIMEOUT"
  | "POWER_UNSUPPORTED"
  | "POWER_BMC_ERROR"
  | "POWER_CONFIGURATION"
  | "POWER_PROTOCOL"
  | "POWER_STATE_MISMATCH"
  | "POWER_ACTION_FAILED";

export class PowerError extends Error {
  readonly code: PowerErrorCode;
  readonly retryable: boolean;

  constructor(code: PowerErrorCode, message: string, retryable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.retryable = retryable;
  }
}

/** Wrong user name or password, or an authentication type the BMC refuses. Never retried. */
export class AuthenticationError extends PowerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("POWER_AUTHENTICATION", message, false, options);
  }
}

/** The network said no (ICMP port unreachable, no route): the BMC may come back. */
export class UnreachableError extends PowerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("POWER_UNREACHABLE", message, true, options);
  }
}

/** No (valid) answer within the time allowed. */
export class PowerTimeoutError extends PowerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("POWER_TIMEOUT", message, true, options);
  }
}

/** The driver or the BMC cannot do this operation at all. */
export class UnsupportedError extends PowerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("POWER_UNSUPPORTED", message, false, options);
  }
}

/** Invalid or missing power parameters; detected without contacting the BMC. */
export class ConfigurationError extends PowerError {
  readonly field: string | undefined;
  constructor(message: string, field?: string) {
    super("POWER_CONFIGURATION", message, false);
    this.field = field;
  }
}

/** A datagram or record that does not parse (bad checksum, truncated, wrong lengths). */
export class ProtocolError extends PowerError {
  constructor(message: string) {
    super("POWER_PROTOCOL", message, true);
  }
}

/** The action was accepted but the machine never reached the requested state. */
export class StateMismatchError extends PowerError {
  constructor(message: string) {
    super("POWER_STATE_MISMATCH", message, true);
  }
}

/** A power tool or hypervisor reported failure (virsh exit status, send error): maybe transient. */
export class PowerActionError extends PowerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("POWER_ACTION_FAILED", message, true, options);
  }
}

/** The BMC answered with a non-zero completion code (IPMI v1.5 spec 5.2). */
export class BmcError extends PowerError {
  readonly completionCode: number;
  readonly netFn: number;
  readonly command: number;
  constructor(message: string, completionCode: number, netFn: number, command: number, retryable: boolean) {
    super("POWER_BMC_ERROR", message, retryable);
    this.completionCode = completionCode;
    this.netFn = netFn;
    this.command = command;
  }
}

/** The failures the IPMI layer can name; each maps to exactly one error class and message. */
export type PowerFailure =
  | "timeout"
  | "refused"
  | "no-auth-type"
  | "invalid-user"
  | "null-user-disabled"
  | "bad-password"
  | "no-session-slot"
  | "privilege-exceeds-limit"
  | "insufficient-privilege"
  | "unsupported-command"
  | "bad-response";

interface FailureSpec {
  make: (message: string) => PowerError;
  message: string;
}

export const POWER_FAILURES: Readonly<Record<PowerFailure, FailureSpec>> = {
  timeout: {
    make: (m) => new PowerTimeoutError(m),
    message: "BMC did not answer in time (wrong address or port, or BMC down)",
  },
  refused: {
    make: (m) => new UnreachableError(m),
    message: "BMC unreachable (ICMP port unreachable: nothing listens on that port)",
  },
  "no-auth-type": {
    make: (m) => new AuthenticationError(m),
    message: "BMC does not offer the requested authentication type",
  },
  "invalid-user": {
    make: (m) => new AuthenticationError(m),
    message: "invalid user name",
  },
  "null-user-disabled": {
    make: (m) => new AuthenticationError(m),
    message: "null user name is not enabled on this BMC",
  },
  "bad-password": {
    make: (m) => new AuthenticationError(m),
    message: "incorrect password (BMC ignored the authenticated Activate Session)",
  },
  "no-session-slot": {
    make: (m) => new BmcError(m, 0x81, 0x06, 0x3a, true),
    message: "BMC has no free session slot",
  },
  "privilege-exceeds-limit": {
    make: (m) => new AuthenticationError(m),
    message: "requested privilege level exceeds the user's or channel's limit",
  },
  "insufficient-privilege": {
    make: (m) => new AuthenticationError(m),
    message: "user lacks the privilege for this command (needs operator or admin)",
  },
  "unsupported-command": {
    make: (m) => new UnsupportedError(m),
    message: "BMC does not support this command",
  },
  "bad-response": {
    make: (m) => new ProtocolError(m),
    message: "malformed response from BMC",
  },
};

/** Build the typed error for a named failure; `detail` names the BMC and the step. */
export function powerFailure(failure: PowerFailure, detail?: string): PowerError {
  const spec = POWER_FAILURES[failure];
  return spec.make(detail ? `${spec.message}: ${detail}` : spec.message);
}

export function isPowerError(e: unknown): e is PowerError {
  return e instanceof PowerError;
}
