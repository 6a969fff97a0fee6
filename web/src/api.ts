// The hub API client: same-origin, relative URLs (the page works under a path prefix too), the
// session token in the x-hub-session-token header, JSON in and out.

export class ApiError extends Error {
  constructor(
    public status: number,
    message: string,
    public providerResponse?: string,
  ) {
    super(message);
  }
}

export interface Settings {
  enabled_features: string[];
  existing_account_id?: string;
  categories?: string[];
  provider?: string;
  expires_at?: string;
  project_id?: string;
  allowed_origins?: string[];
}

export interface Integration {
  active: boolean;
  name: string;
  provider: string;
  type: string;
  integration_id: string;
  logo_url: string;
}

export interface Field {
  key: string;
  label: string;
  type?: "text" | "password" | "number" | "select" | "text_area";
  required?: boolean;
  secret?: boolean;
  readOnly?: boolean;
  placeholder?: string;
  description?: string;
  options?: { label: string; value: string }[];
  validation?: { type: string; pattern: string; error?: string };
  value?: string;
}

export interface ConnectorConfig {
  key: string;
  name: string;
  category?: string;
  configFields?: Field[];
  assets?: { icon?: string };
  support?: { link?: string; description?: string };
}

export interface AccountData {
  provider: string;
  integrationId: string;
  setupInformation?: Record<string, string>;
  secrets?: Record<string, string>;
}

export interface Linked {
  id: string;
  provider: string;
}

export function createClient(token: string) {
  return async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; data: T }> {
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers: body === undefined
          ? { "x-hub-session-token": token }
          : { "x-hub-session-token": token, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
        signal: AbortSignal.timeout(60_000),
      });
    } catch {
      throw new ApiError(0, "We could not reach the server. Check your connection and try again.");
    }
    let data: any = null;
    try {
      data = await res.json();
    } catch {
      /* not JSON */
    }
    if (!res.ok) {
      const msg = data && typeof data.message === "string" && data.message ? data.message : `Something went wrong (HTTP ${res.status}). Try again.`;
      const pr = data && data.provider_response != null ? String(data.provider_response) : undefined;
      throw new ApiError(res.status, msg, pr);
    }
    if (data === null) throw new ApiError(res.status, "The server sent an unexpected answer. Try again.");
    return { status: res.status, data: data as T };
  };
}
