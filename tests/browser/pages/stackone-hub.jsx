// A host page with StackOne's own React hub (@stackone/hub) pointed at our server with baseUrl.
import React from "react";
import { createRoot } from "react-dom/client";
import { StackOneHub } from "@stackone/hub";

const params = new URLSearchParams(location.search);
window.__events = [];

function App() {
  return (
    <main>
      <h1>StackOne hub host</h1>
      <StackOneHub
        token={params.get("token")}
        baseUrl={params.get("base")}
        accountId={params.get("account") || undefined}
        height="640px"
        onSuccess={(account) => window.__events.push(["success", account])}
        onClose={() => window.__events.push(["close"])}
      />
    </main>
  );
}

createRoot(document.getElementById("root")).render(<App />);
