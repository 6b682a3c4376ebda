// Usage: (cd /tmp/mcp-ts && npm i @modelcontextprotocol/sdk@1.32.2) && node scripts/mcp-ts-session.mjs [ai-memory binary] [mcp flags, e.g. --tools core]
//
// An agent's session through the official TypeScript SDK client against
// `ai-memory mcp` on a fresh database: list the tools with their
// descriptions, call recall, store, search, update and link as a model would
// from the compact schemas, and check that an invalid call is refused with
// a clear message. Exits non-zero when any step goes wrong. Evidence run by
// hand, not in CI. MCP_TS_DIR names where the SDK is installed (/tmp/mcp-ts).
import { createRequire } from "node:module";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const sdkDir = process.env.MCP_TS_DIR ?? "/tmp/mcp-ts";
const require = createRequire(path.join(sdkDir, "package.json"));
const { Client } = require("@modelcontextprotocol/sdk/client/index.js");
const { StdioClientTransport } = require("@modelcontextprotocol/sdk/client/stdio.js");
const sdkVersion = JSON.parse(readFileSync(path.join(sdkDir, "node_modules/@modelcontextprotocol/sdk/package.json"))).version;

const [bin = "ai-memory", ...mcpFlags] = process.argv.slice(2);
const dir = mkdtempSync(path.join(tmpdir(), "mcp-ts-"));
const transport = new StdioClientTransport({
  command: bin,
  args: ["--db", path.join(dir, "session.db"), "mcp", "--agent-id", "ts-session", ...mcpFlags],
  stderr: "inherit",
});
const client = new Client({ name: "mcp-ts-session", version: "1" });

// call runs a tool and returns its JSON result; an error result is fatal
// unless expected.
async function call(name, args, { expectError = false } = {}) {
  const res = await client.callTool({ name, arguments: args });
  const text = res.content.map((c) => c.text).join("");
  if (Boolean(res.isError) !== expectError) {
    throw new Error(`${name}(${JSON.stringify(args)}): isError=${res.isError}: ${text}`);
  }
  return expectError ? text : JSON.parse(text);
}

try {
  await client.connect(transport);
  const info = client.getServerVersion();
  console.log(`connected: ${info.name} ${info.version} via @modelcontextprotocol/sdk ${sdkVersion}`);

  const tools = [];
  let cursor;
  do {
    const page = await client.listTools(cursor ? { cursor } : {});
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);
  console.log(`\n${tools.length} tools:`);
  for (const t of tools) console.log(`- ${t.name}: ${t.description}`);

  console.log("\ncalls:");
  const a = await call("memory_store", {
    title: "Retry policy",
    content: "Retry HTTP 503 from the billing API with exponential backoff, at most 5 attempts.",
    namespace: "proj/billing",
    tags: ["http", "retry"],
    priority: 8,
  });
  console.log(`memory_store  -> status=${a.status} id=${a.id} created=${a.created}`);
  const b = await call("memory_store", {
    title: "Circuit breaker",
    content: "Open the billing circuit after 5 consecutive failures; half-open after 30 s.",
    namespace: "proj/billing",
    tier: "long",
  });
  console.log(`memory_store  -> status=${b.status} id=${b.id} tier=${b.memory.tier}`);

  const rec = await call("memory_recall", { context: "how should I handle billing API failures", namespace: "proj/billing", limit: 5 });
  console.log(`memory_recall -> ${rec.count} memories: ${rec.memories.map((m) => m.title).join(", ")}`);
  if (rec.count < 1) throw new Error("recall found nothing");

  const srch = await call("memory_search", { query: "backoff", tags: ["retry"] });
  console.log(`memory_search -> ${srch.count} result(s): ${srch.results.map((r) => r.memory.title).join(", ")}`);
  if (srch.count !== 1 || srch.results[0].memory.id !== a.id) throw new Error("search did not find the retry policy");

  const upd = await call("memory_update", { id: a.id, priority: 9, tags: ["http", "retry", "billing"] });
  console.log(`memory_update -> priority=${upd.memory.priority} tags=${upd.memory.tags.join(",")}`);
  if (upd.memory.priority !== 9) throw new Error("update did not apply");

  const link = await call("memory_link", { source_id: b.id, target_id: a.id, relation: "related_to" });
  console.log(`memory_link   -> ${link.link.source_id} ${link.link.relation} ${link.link.target_id}`);

  const refused = await call("memory_recall", { context: "billing", limit: 500 }, { expectError: true });
  console.log(`invalid call  -> isError: ${refused}`);
  const refused2 = await call("memory_link", { source_id: b.id, target_id: a.id, relation: "likes" }, { expectError: true });
  console.log(`invalid call  -> isError: ${refused2}`);
  console.log("\nsession OK");
} catch (err) {
  console.error(`session FAILED: ${err.message}`);
  process.exitCode = 1;
} finally {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
}
