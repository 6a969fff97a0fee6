// A host page built with @stackone/react-hub: useStackOneHub({connectUrl}) loads our /connect.js and
// calls Connect.start. The test sets window.__token and reads window.__events.
import React from "react";
import { createRoot } from "react-dom/client";
import { useStackOneHub } from "@stackone/react-hub";

const params = new URLSearchParams(location.search);
window.__events = [];
const log = (...e) => window.__events.push(e);

function App() {
  const { startConnect } = useStackOneHub({ connectUrl: params.get("connect") });
  return (
    <main>
      <h1>React host app</h1>
      <button
        type="button"
        onClick={() =>
          startConnect({
            sessionToken: window.__token,
            onSuccess: (account) => log("success", account),
            onCancel: () => log("cancel"),
            onClose: () => log("close"),
          })
        }
      >
        Connect your HR system
      </button>
    </main>
  );
}

createRoot(document.getElementById("root")).render(<App />);
