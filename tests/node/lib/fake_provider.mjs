// A tiny stand-in for BambooHR's credential check, for black-box tests of the hub.
//
// BambooHR's check (catalog/providers.json, "bamboohr".verify) is
//   GET {base}/meta/fields   Authorization: Basic base64(<api_key>:x)   Accept: application/json
// This server listens on 127.0.0.1 (random port) and answers 200 `[]` when the Basic credentials are
// one of the accepted keys with password "x", and 401 {"error":"Invalid API key"} otherwise (also for
// any other path or method, which then also counts as a rejection). Every request is recorded.
//
// Point connecthub at it with
//   connecthub integration enable --project P --provider bamboohr --set base_url=<fake.url>
// and start the server with env CONNECTHUB_VERIFY_ALLOW_PRIVATE=1 (loopback is private).

import nodeHttp from "node:http";
import { once } from "node:events";

/**
 * Start the fake provider.
 * @param {{acceptKey?: string|string[], password?: string}} opts
 *   acceptKey: the API key(s) it accepts; password: the Basic password it expects ("x").
 * @returns {Promise<{url, port, requests, accepted, accept(key), reject(key), clear(), stop()}>}
 *   requests: [{method, path, headers (lowercase), authorization, apiKey, password, body, status, at}]
 */
export async function startFakeProvider({ acceptKey = [], password = "x" } = {}) {
  const accepted = new Set(Array.isArray(acceptKey) ? acceptKey : [acceptKey]);
  const requests = [];

  const server = nodeHttp.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const auth = req.headers.authorization ?? "";
      let apiKey;
      let pass;
      const m = /^Basic\s+([A-Za-z0-9+/=]+)$/.exec(auth);
      if (m) {
        const decoded = Buffer.from(m[1], "base64").toString("utf8");
        const colon = decoded.indexOf(":");
        if (colon >= 0) {
          apiKey = decoded.slice(0, colon);
          pass = decoded.slice(colon + 1);
        }
      }
      const path = (req.url ?? "").split("?")[0];
      const ok = req.method === "GET" && path === "/meta/fields" && pass === password && accepted.has(apiKey);
      const status = ok ? 200 : 401;
      requests.push({
        method: req.method, path: req.url, headers: { ...req.headers }, authorization: auth,
        apiKey, password: pass, body, status, at: Date.now(),
      });
      const payload = ok ? "[]" : JSON.stringify({ error: "Invalid API key" });
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(payload) });
      res.end(payload);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    accepted,
    /** Accept one more key. */
    accept(key) { accepted.add(key); },
    /** Stop accepting a key. */
    reject(key) { accepted.delete(key); },
    /** Forget the recorded requests. */
    clear() { requests.length = 0; },
    async stop() {
      server.closeAllConnections?.();
      await new Promise((r) => server.close(() => r()));
    },
  };
}
