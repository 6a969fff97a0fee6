// A webhook receiver on 127.0.0.1 that verifies every delivery with the `standardwebhooks` library
// (the same check a customer's backend would run) and records what arrived.
import http from "node:http";
import { Webhook } from "standardwebhooks";

export async function startReceiver() {
  const state = {
    secrets: [],          // accepted secrets (whsec_...); a delivery must verify with one of them
    failFirst: new Map(),  // path -> number of attempts to answer 503 before accepting
    attempts: [],          // every request: {path, id, status, verifiedWith}
    events: [],            // verified and accepted deliveries: {path, id, payload, headers}
  };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = {
        "webhook-id": req.headers["webhook-id"],
        "webhook-timestamp": req.headers["webhook-timestamp"],
        "webhook-signature": req.headers["webhook-signature"],
      };
      let verifiedWith = null;
      for (const s of state.secrets) {
        try {
          new Webhook(s).verify(body, headers);
          verifiedWith = s;
          break;
        } catch {}
      }
      const path = req.url;
      const left = state.failFirst.get(path) ?? 0;
      let status = verifiedWith ? 204 : 401;
      if (verifiedWith && left > 0) {
        state.failFirst.set(path, left - 1);
        status = 503;
      }
      state.attempts.push({ path, id: headers["webhook-id"], status, verifiedWith, signature: headers["webhook-signature"] });
      if (status === 204) state.events.push({ path, id: headers["webhook-id"], payload: JSON.parse(body), headers });
      res.writeHead(status, { "content-type": "text/plain" });
      res.end(status === 204 ? "" : "no");
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    state,
    async waitFor(pred, { timeoutMs = 15000, what = "webhook deliveries" } = {}) {
      const deadline = Date.now() + timeoutMs;
      while (!pred(state)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(state.attempts)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => new Promise((r) => server.close(r)),
  };
}
