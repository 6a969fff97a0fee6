// connect.js: opens the hub page (/link) from a host page, as a modal iframe or inside a given
// container, and reports back through callbacks. Loaded by a <script> tag or by
// @stackone/react-hub's useStackOneHub({connectUrl}), both of which then call window.Connect.start().
//
// The session token never appears in a URL: the iframe announces itself (connecthub:ready) and the
// token is posted to it with the hub's exact origin as target. Messages from the hub are accepted
// only from that iframe's window and the hub's origin. See protocol.ts.
import { MSG_CLOSE, MSG_INIT, MSG_READY, MSG_SUCCESS } from "./protocol";
import type { LinkedAccount } from "./protocol";

interface StartOptions {
  sessionToken: string;
  apiUrl?: string;
  theme?: "light" | "dark";
  styles?: {
    inline?: { containerId: string; width?: string; height?: string };
    options?: { back?: boolean; close?: boolean; bgColor?: string };
  };
  onSuccess?: (account: LinkedAccount) => void;
  onCancel?: () => void;
  onClose?: () => void;
}

interface Handle {
  close(): void;
}

declare global {
  interface Window {
    Connect?: { start(o: StartOptions): Handle; close(): void; version: string };
  }
}

((w: Window) => {
  if (w.Connect && w.Connect.version) return; // loaded twice: keep the first
  // Where this script came from: the hub lives beside it unless apiUrl says otherwise.
  const self = document.currentScript as HTMLScriptElement | null;
  const scriptSrc =
    (self && self.src) ||
    ([...document.querySelectorAll<HTMLScriptElement>("script[src]")].find((s) => /\/connect\.js(\?|#|$)/.test(s.src))?.src ?? "");
  let active: { close(): void } | null = null;

  const call = (fn: ((...a: any[]) => void) | undefined, ...args: unknown[]) => {
    if (typeof fn !== "function") return;
    try {
      fn(...args);
    } catch (e) {
      setTimeout(() => {
        throw e;
      });
    }
  };

  const css = (el: HTMLElement, props: Partial<Record<string, string>>) => {
    for (const [k, v] of Object.entries(props)) el.style.setProperty(k, v ?? "");
  };

  function start(o: StartOptions): Handle {
    if (!o || typeof o.sessionToken !== "string" || !o.sessionToken) throw new Error("Connect.start: sessionToken is required");
    if (location.origin === "null") throw new Error("Connect.start: the host page needs an http(s) origin");
    const base = o.apiUrl ? new URL(o.apiUrl.replace(/\/*$/, "/"), location.href) : scriptSrc ? new URL("./", scriptSrc) : null;
    if (!base) throw new Error("Connect.start: pass apiUrl (the connecthub server's URL)");
    if (active) active.close();

    const inline = o.styles?.inline;
    const ui = o.styles?.options || {};
    const container = inline ? document.getElementById(inline.containerId) : null;
    if (inline && !container) throw new Error(`Connect.start: no element with id "${inline.containerId}"`);

    const url = new URL("link", base);
    const hubOrigin = url.origin;
    url.searchParams.set("embed", "1");
    url.searchParams.set("origin", location.origin);
    if (ui.back === false) url.searchParams.set("back", "0");
    if (!(ui.close ?? !inline)) url.searchParams.set("close", "0");
    if (ui.bgColor) url.searchParams.set("bg", ui.bgColor);
    if (o.theme === "light" || o.theme === "dark") url.searchParams.set("theme", o.theme);

    const iframe = document.createElement("iframe");
    iframe.title = "Connect your account";
    iframe.src = url.href;
    iframe.setAttribute("referrerpolicy", "no-referrer");
    css(iframe, { border: "0", display: "block", background: "transparent", "color-scheme": "normal" });

    let linked = false;
    let open = true;
    const previousFocus = document.activeElement as HTMLElement | null;
    let overlay: HTMLElement | null = null;
    let previousOverflow = "";
    // While the modal is open the rest of the host page is inert: Tab stays in the hub, and screen
    // readers see only the dialog.
    const madeInert: HTMLElement[] = [];

    const onMessage = (e: MessageEvent) => {
      if (e.source !== iframe.contentWindow || e.origin !== hubOrigin) return;
      const d = e.data;
      if (!d || typeof d !== "object") return;
      if (d.type === MSG_READY) {
        iframe.contentWindow!.postMessage({ type: MSG_INIT, token: o.sessionToken }, hubOrigin);
      } else if (d.type === MSG_SUCCESS && d.account && typeof d.account.id === "string") {
        linked = true;
        call(o.onSuccess, { id: d.account.id, provider: String(d.account.provider ?? "") });
      } else if (d.type === MSG_CLOSE) {
        close();
      }
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && overlay) close();
    };

    function close() {
      if (!open) return;
      open = false;
      if (active === handle) active = null;
      w.removeEventListener("message", onMessage);
      document.removeEventListener("keydown", onKey);
      (overlay || iframe).remove();
      if (overlay) {
        for (const el of madeInert) el.inert = false;
        document.documentElement.style.overflow = previousOverflow;
        if (previousFocus && previousFocus.focus) previousFocus.focus();
      }
      if (!linked) call(o.onCancel);
      call(o.onClose);
    }
    const handle = { close };

    w.addEventListener("message", onMessage);
    if (container) {
      css(iframe, { width: inline!.width || "100%", height: inline!.height || "600px" });
      container.append(iframe);
    } else {
      const small = matchMedia("(max-width: 560px), (max-height: 560px)").matches;
      overlay = document.createElement("div");
      overlay.setAttribute("role", "dialog");
      overlay.setAttribute("aria-modal", "true");
      overlay.setAttribute("aria-label", "Connect your account");
      css(overlay, {
        position: "fixed", inset: "0", "z-index": "2147483647", display: "flex", "align-items": "center",
        "justify-content": "center", background: "rgba(12, 14, 18, .55)",
      });
      css(iframe, small
        ? { width: "100%", height: "100%" }
        : { width: "min(520px, calc(100% - 32px))", height: "min(700px, calc(100% - 32px))", "border-radius": "16px",
            "box-shadow": "0 16px 48px rgba(0, 0, 0, .3)" });
      overlay.addEventListener("click", (e) => e.target === overlay && close());
      document.addEventListener("keydown", onKey);
      overlay.append(iframe);
      previousOverflow = document.documentElement.style.overflow;
      document.documentElement.style.overflow = "hidden";
      for (const el of document.body.children) {
        if (el instanceof HTMLElement && !el.inert) {
          el.inert = true;
          madeInert.push(el);
        }
      }
      document.body.append(overlay);
      iframe.addEventListener("load", () => iframe.focus(), { once: true });
    }
    active = handle;
    return handle;
  }

  w.Connect = { start, close: () => active?.close(), version: "1" };
})(window);
