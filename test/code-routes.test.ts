import { describe, expect, it } from "vitest";
import { hintWindows } from "../src/sources/code/hints.js";
import { parseCode } from "../src/sources/code/index.js";
import { concretePath } from "../src/sources/probe/retrieve.js";

// The routes document `scan --url` hands to the probe, read from the syntax tree: decorators and
// app/router calls, with whether an auth dependency or middleware guards each route.

async function routesOf(path: string, text: string) {
  const { docs } = await parseCode([{ path, text, gitIgnored: false }], [], { routes: true });
  return (docs[0]?.facts.routes ?? []).map(
    (r) => `${r.method} ${r.path} ${r.guarded ? "guarded" : "open"} @${r.line}`,
  );
}

const cases: Array<[string, string, string, string[]]> = [
  [
    "FastAPI: a Depends() parameter guards a route; a prefix comes from APIRouter",
    "app/main.py",
    [
      "from fastapi import APIRouter, Depends, FastAPI",
      "app = FastAPI()",
      'router = APIRouter(prefix="/api")',
      '@app.get("/health")',
      "def health(): ...",
      '@router.post("/generate")',
      "async def generate(req: Req, api_key: str = Depends(verify_api_key)): ...",
      '@router.post("/images/{image_id}/upscale")',
      "async def upscale(image_id: int): ...",
      '# @app.post("/commented")',
      '"""@app.post("/docstring")"""',
    ].join("\n"),
    ["GET /health open @4", "POST /api/generate guarded @6", "POST /api/images/{image_id}/upscale open @8"],
  ],
  [
    "FastAPI: router-wide dependencies guard every route of that router",
    "app/admin.py",
    [
      "router = APIRouter(dependencies=[Depends(require_admin_key)])",
      '@router.delete("/users/{uid}")',
      "def drop(uid: str): ...",
    ].join("\n"),
    ["DELETE /users/{uid} guarded @2"],
  ],
  [
    "Flask: methods= picks the method; @login_required guards",
    "app.py",
    [
      "app = Flask(__name__)",
      '@app.route("/chat", methods=["POST"])',
      "def chat(): ...",
      '@app.route("/settings")',
      "@login_required",
      "def settings(): ...",
    ].join("\n"),
    ["POST /chat open @2", "GET /settings guarded @4"],
  ],
  [
    "Express: middleware between path and handler, and app.use(auth) before later routes",
    "server.js",
    [
      "const app = express();",
      "app.get('/health', (req, res) => res.send('ok'));",
      "app.post('/api/chat', requireAuth, chat);",
      "app.get('/api/models', listModels);",
      "app.use(authenticateApiKey);",
      "app.post('/api/generate', generate);",
      "res.get('Content-Type');",
    ].join("\n"),
    [
      "GET /health open @2",
      "POST /api/chat guarded @3",
      "GET /api/models open @4",
      "POST /api/generate guarded @6",
    ],
  ],
  [
    "names that merely start with auth guard nothing; a path that leaves the origin is not a route",
    "app.py",
    [
      "from fastapi import FastAPI",
      "app = FastAPI()",
      'app.include_router(auth_router, prefix="/auth")',
      '@app.get("/authors/{author_id}")',
      "def author(author_id: int, author: str = ''): ...",
      '@app.get("//evil.example/admin")',
      "def evil(): ...",
    ].join("\n"),
    ["GET /authors/{author_id} open @4"],
  ],
  [
    "Express: app.use(authRouter) mounts routes, it guards nothing",
    "server.js",
    ["app.use(authRouter);", "app.get('/api/stats', stats);", "app.get('/\\\\evil.example/x', h);"].join(
      "\n",
    ),
    ["GET /api/stats open @2"],
  ],
  [
    "Fastify: a preHandler hook guards; a route without one is open",
    "src/server.ts",
    [
      "fastify.post('/v1/complete', { preHandler: fastify.auth([verifyJwt]) }, complete);",
      "fastify.get('/v1/usage', usage);",
    ].join("\n"),
    ["POST /v1/complete guarded @1", "GET /v1/usage open @2"],
  ],
];

describe("declared routes", () => {
  it.each(cases)("%s", async (_name, path, text, want) => {
    expect(await routesOf(path, text)).toEqual(want);
  });

  it.each([
    ["/items/{item_id}", "/items/1"],
    ["/users/:id/posts/:post?", "/users/1/posts/1"],
    ["/post/<int:post_id>", "/post/1"],
    ["/files/*", "/files/1"],
    ["/api/generate", "/api/generate"],
  ])("the probe requests %s as %s", (declared, concrete) => {
    expect(concretePath(declared)).toBe(concrete);
  });

  it("reads route files only when asked (a scan without --url does not parse them)", async () => {
    const text = 'app.post("/api/generate", generate);\n';
    const off = await parseCode([{ path: "a.js", text, gitIgnored: false }], []);
    expect(off.stats.parsed).toBe(0);
  });
});

describe("large files are parsed around their hints only", () => {
  it("a route decorator's window takes the decorated function (its auth dependency) too; lone CRs count as line ends", async () => {
    const text = [
      filler(1500).replace(/\n/g, "\r"),
      '@app.post("/admin/reset")',
      "async def reset(key: str = Depends(verify_api_key)):",
      "    return {}",
      "",
    ].join("\r");
    const lines = text.split(/\r\n|\r|\n/);
    const { docs } = await parseCode([{ path: "big.py", text, gitIgnored: false }], [], { routes: true });
    expect(docs[0]?.facts.routes.map((r) => [r.path, r.guarded, lines[r.line - 1]])).toEqual([
      ["/admin/reset", true, '@app.post("/admin/reset")'],
    ]);
  });

  const filler = (n: number) =>
    Array.from(
      { length: n },
      (_, i) => `def helper_${i}(x):\n    """Doc for ${i}."""\n    return x * ${i}\n`,
    ).join("\n");

  it("keeps every fact, at its real line, with its enclosing context (main guard, decorators)", async () => {
    const head = filler(1500);
    const middle = [
      "def check(api_key):",
      "    if api_key != API_KEY:",
      "        raise PermissionError()",
      "",
    ].join("\n");
    const tail = ['if __name__ == "__main__":', '    uvicorn.run(app, host="0.0.0.0")', ""].join("\n");
    const text = `${head}\n${middle}\n${filler(1500)}\n${tail}`;
    expect(text.length).toBeGreaterThan(64 * 1024);
    const lines = text.split("\n");
    const { docs, stats } = await parseCode([{ path: "big.py", text, gitIgnored: false }], []);
    expect(stats.parsed).toBe(1);
    const facts = docs[0]?.facts;
    const secretCompares = facts?.compares.filter((c) => c.left === "api_key");
    expect(secretCompares?.map((c) => [c.line, lines[c.line - 1]?.trim()])).toEqual([
      [lines.indexOf("    if api_key != API_KEY:") + 1, "if api_key != API_KEY:"],
    ]);
    const run = facts?.calls.find((c) => c.callee === "uvicorn.run");
    expect(run?.inMain).toBe(true);
    expect(lines[(run?.line ?? 0) - 1]).toBe('    uvicorn.run(app, host="0.0.0.0")');
  });
});

describe("hint windows stay linear", () => {
  it("a long line full of key keywords without a key (`task-`, `disk-`) is checked once, not once per keyword", () => {
    // Before: the line was tested for a whole key at each `sk-` on it (a 1 MB line: about 15 minutes).
    const text = `app.listen(3000)\n${"x = 1\n".repeat(20)}${"a disk-x ".repeat(112_000)}\n`;
    expect(text.length).toBeGreaterThan(1_000_000);
    expect(hintWindows(text, false)?.map((w) => w.startLine)).toEqual([1]);
    expect(hintWindows(text, false, true)).toEqual([]);
  });
});

describe("files read only for their key-shaped literals", () => {
  it("parse the statement around the key, never a docstring or template line as code", async () => {
    const key = ["sk", "live", "51Hx9aQ2rT8vLp3ZqW7nB4cDzz"].join("_");
    const text = [
      '"""Billing helpers.',
      "",
      "Usage:",
      `stripe.api_key = "${key}"`,
      '"""',
      "import stripe",
      "",
      "def charge(amount):",
      `    client = stripe.StripeClient("${key}")`,
      "    return client.charges.create(amount=amount)",
      "",
    ].join("\n");
    const { docs } = await parseCode([{ path: "billing.py", text, gitIgnored: false }], []);
    expect(docs[0]?.facts.literals.map((l) => l.line)).toEqual([9]);
  });

  it("a JS block comment or a line of a template literal at column 0 is not code", async () => {
    const key = ["sk", "proj", "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"].join("-");
    const text = [
      "/*",
      `const old = "${key}";`,
      "*/",
      "const help = `",
      `openai.apiKey = "${key}"`,
      "`;",
      `export const client = new OpenAI({ apiKey: "${key}" });`,
      "",
    ].join("\n");
    const { docs } = await parseCode([{ path: "client.js", text, gitIgnored: false }], []);
    // A template literal that quotes code is not a key literal, and the comment never counts.
    expect(docs[0]?.facts.literals.map((l) => l.line)).toEqual([7]);
  });
});
