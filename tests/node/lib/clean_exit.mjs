// A server run ends cleanly: exit code 0 and no sanitizer report. Under scripts/sanitize.sh the server
// is an ASan/UBSan build whose reports may land in files (log_path) rather than in its output, so both
// are read.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";

export const SANITIZER_REPORT = /ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer/;

/** Server output plus any report file the sanitizers wrote for its pid (scripts/sanitize.sh sets log_path). */
export async function sanitizerText(logs, pid) {
  let text = logs;
  for (const v of [process.env.ASAN_OPTIONS, process.env.UBSAN_OPTIONS]) {
    const m = /(?:^|:)log_path=([^:]+)/.exec(v ?? "");
    if (!m) continue;
    try { text += "\n" + await readFile(`${m[1]}.${pid}`, "utf8"); } catch { /* no report */ }
  }
  return text;
}

/** Asserts a clean exit: code 0 and no sanitizer report (in the logs or in a log_path file). */
export async function assertCleanExit(exited, logs, pid, what = "server") {
  const text = await sanitizerText(logs, pid);
  assert.doesNotMatch(text, SANITIZER_REPORT, `${what}: sanitizer report:\n${text.slice(-4000)}`);
  assert.equal(exited.signal, null, `${what} died by signal ${exited.signal}:\n${logs.slice(-3000)}`);
  assert.equal(exited.code, 0, `${what} exit code ${exited.code}:\n${logs.slice(-3000)}`);
}

/**
 * SIGTERM and wait up to `ms` for the exit before the harness's stop() (which allows 5 s): under
 * ASan, LeakSanitizer's exit-time scan (and symbolizing any report) can take longer on a busy machine.
 */
export async function stopGracefully(server, ms = 60_000) {
  const c = server.child;
  if (c.exitCode === null && c.signalCode === null) {
    const exit = new Promise((r) => c.once("exit", r));
    c.kill("SIGTERM");
    let timer;
    await Promise.race([exit, new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  }
  return server.stop();
}
