/** The one error type of the rack's boot services: a code for callers, and whether a retry can help. */
export type BootErrorCode =
  | "BOOT_BAD_CONFIG"
  | "BOOT_DNSMASQ_FAILED"
  | "BOOT_HTTP_FAILED"
  | "BOOT_ENV_BUILD_FAILED"
  | "BOOT_KERNEL_MISSING"
  | "BOOT_IMAGE_NOT_FOUND"
  | "BOOT_BAD_REPORT"
  | "BOOT_REPORT_UNEXPECTED"
  | "BOOT_REPORT_FORBIDDEN"
  | "BOOT_REPORT_TIMEOUT"
  | "BOOT_ABORTED"
  | "BOOT_SUPERSEDED";

export class BootError extends Error {
  constructor(
    readonly code: BootErrorCode,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = "BootError";
  }
}
