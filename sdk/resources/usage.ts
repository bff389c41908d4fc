/** `client.usage`: metered resource-seconds per tenant × VM × hour or day, and the CSV billing export. */
import type { AxiosInstance } from "axios";
import type { UsageReport } from "../schema/quota";

export interface UsagePeriod {
  /** RFC 3339, inclusive. */
  from: string;
  /** RFC 3339, exclusive. */
  to: string;
  /** Operators: one tenant (default: all). Tenant keys: their own only. */
  tenant?: string;
  /** Default day. */
  granularity?: "hour" | "day";
}

export class UsageClient {
  constructor(private readonly http: AxiosInstance) {}

  private params(q: UsagePeriod) {
    return Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined));
  }

  async get(query: UsagePeriod): Promise<UsageReport> {
    return (await this.http.get<UsageReport>("/usage", { params: this.params(query) })).data;
  }

  /** The billing export: RFC 4180 CSV with a header row. */
  async csv(query: UsagePeriod): Promise<string> {
    const res = await this.http.get<string>("/usage", {
      params: { ...this.params(query), format: "csv" },
      responseType: "text",
      transformResponse: (d: unknown) => d,
    });
    return res.data;
  }
}
