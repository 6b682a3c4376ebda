// Usage: (cd /tmp/mcp-ts && npm i @modelcontextprotocol/sdk@1.32.2) && node scripts/mcp-ts-original-args.mjs [ai-memory binary]
//
// A session written for the original ai-memory, through the official
// TypeScript SDK client, against `ai-memory mcp` with no --agent-id: a
// memory with the original's UUID id is imported first (its JSON export
// format), then tools/list must answer every tool in one page, and calls
// use only the original's argument names and shapes (UUID ids, tags as a
// string, id_a/id_b, target_agent_id/payload, events/namespace_filter/
// agent_filter, offset, format, agent_id on decisions). Writes are stamped
// with the client's name. Exits non-zero when any step goes wrong. Evidence
// run by hand, not in CI. MCP_TS_DIR names where the SDK is installed.
import { createRequire } from "node:module";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const sdkDir = process.env.MCP_TS_DIR ?? "/tmp/mcp-ts";
const require = createRequire(path.join(sdkDir, "package.json"));
const { Client } = require("@modelcontextprotocol/sdk/client/index.js");
const { StdioClientTransport } = require("@modelcontextprotocol/sdk/client/stdio.js");

const [bin = "ai-memory"] = process.argv.slice(2);
const dir = mkdtempSync(path.join(tmpdir(), "mcp-ts-orig-"));
const db = path.join(dir, "session.db");
const env = { PATH: process.env.PATH, HOME: dir };

const uuid = "3f2b8c1e-9d4a-4e6b-8f10-2a3b4c5d6e7f";
const exported = {
  count: 1,
  exported_at: "2026-05-07T10:00:00.123456789+00:00",
  links: [],
  memories: [{
    id: uuid, tier: "long", namespace: "ops", title: "deploys are not allowed on friday", content: "never deploy on friday",
    tags: ["deploy"], priority: 5, confidence: 1.0, source: "claude", access_count: 0,
    created_at: "2026-05-01T08:00:00.123456789+00:00", updated_at: "2026-05-01T08:00:00.123456789+00:00",
    metadata: { agent_id: "claude-code" },
  }],
};
const imp = spawnSync(bin, ["--db", db, "import", "-"], { input: JSON.stringify(exported), env, encoding: "utf8" });
if (imp.status !== 0) throw new Error(`import: ${imp.stderr}`);
console.log(`import of the original's export -> ${imp.stdout.trim()}`);

const transport = new StdioClientTransport({ command: bin, args: ["--db", db, "mcp"], env, stderr: "inherit" });
const client = new Client({ name: "claude-desktop", version: "1" });

async function call(name, args, { expectError = false } = {}) {
  const res = await client.callTool({ name, arguments: args });
  const text = res.content.map((c) => c.text).join("");
  if (Boolean(res.isError) !== expectError) throw new Error(`${name}(${JSON.stringify(args)}): isError=${res.isError}: ${text}`);
  return { text, out: res.structuredContent };
}

let calls = 0;
async function ok(name, args, check) {
  const r = await call(name, args);
  calls++;
  const why = check(r.out, r.text);
  if (why) throw new Error(`${name}: ${why}: ${r.text.slice(0, 300)}`);
  console.log(`${name.padEnd(28)} ${JSON.stringify(args)}`);
  return r.out;
}

try {
  await client.connect(transport);
  const page = await client.listTools({});
  console.log(`tools/list -> ${page.tools.length} tools in one page, nextCursor=${page.nextCursor ?? "(none)"}`);
  if (page.tools.length < 36 || page.nextCursor) throw new Error("tools/list is not one page of 36+ tools");

  const st = await ok("memory_store", { title: "deploys are allowed on friday", content: "always deploy on friday", tier: "long",
    namespace: "ops", tags: ["deploy"], priority: 7, confidence: 0.9, source: "claude", scope: "team" },
  (o) => (o.memory.agent_id !== "ai:claude-desktop" ? `agent ${o.memory.agent_id}` : ""));
  const id = st.id;
  await ok("memory_recall", { context: "deploy friday", namespace: "ops", tags: "deploy", since: "2026-01-01T00:00:00Z",
    limit: 5, format: "toon" }, (o, t) => (!t.startsWith("count:2|") ? "not TOON with 2 rows" : ""));
  await ok("memory_search", { query: "friday", namespace: "ops", tier: "long", limit: 10, agent_id: "claude-code", as_agent: "planner" },
    (o) => (o.count !== 1 || o.results[0].memory.id !== uuid ? "did not find the imported memory by its author" : ""));
  await ok("memory_list", { namespace: "ops", tier: "long", limit: 20, format: "toon_compact" },
    (o, t) => (!t.includes(`\n${uuid}|`) ? "imported UUID not listed" : ""));
  await ok("memory_get", { id: uuid.slice(0, 8) }, (o) => (o.memory.id !== uuid ? "prefix did not resolve" : ""));
  await ok("memory_update", { id: uuid, priority: 9 }, (o) => (o.memory.priority !== 9 ? "not updated" : ""));
  await ok("memory_link", { source_id: id, target_id: uuid, relation: "contradicts" }, () => "");
  await ok("memory_detect_contradiction", { id_a: id, id_b: uuid }, (o) => (o.contradictions.length !== 1 ? "no contradiction" : ""));
  await ok("memory_notify", { target_agent_id: "planner", title: "heads up", payload: "friday freeze", priority: 8 },
    (o) => (o.to !== "planner" ? `to ${o.to}` : ""));
  await ok("memory_inbox", { agent_id: "planner", unread_only: true, limit: 10 }, (o) => (o.count !== 1 ? `${o.count} messages` : ""));
  const sub = await ok("memory_subscribe", { url: "http://127.0.0.1:9/hook", events: "memory_store,memory_delete",
    namespace_filter: "ops", agent_filter: "planner" }, (o) => (o.namespace !== "ops" || o.events.length !== 2 ? "filters lost" : ""));
  await ok("memory_unsubscribe", { id: sub.id }, () => "");
  await ok("memory_forget", { namespace: "ops", pattern: "always" }, (o) => (o.matched !== 1 ? `${o.matched} forgotten` : ""));
  await ok("memory_archive_list", { namespace: "ops", limit: 10, offset: 0 }, (o) => (o.count !== 1 ? `${o.count} archived` : ""));
  await ok("memory_archive_restore", { id }, () => "");
  await ok("memory_promote", { id, agent_id: "lead" }, () => "");
  await ok("memory_delete", { id: uuid, agent_id: "lead" }, () => "");
  await ok("memory_session_start", { namespace: "ops", limit: 5, format: "toon" },
    (o, t) => (!t.includes("mode:session_start") ? "not TOON" : ""));
  console.log(`\n${calls} calls with the original's argument names, all succeeded; session OK`);
} catch (err) {
  console.error(`session FAILED: ${err.message}`);
  process.exitCode = 1;
} finally {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
}
