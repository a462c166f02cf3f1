// biome-ignore-all lint/suspicious/noTemplateCurlyInString: nginx `${var}` syntax is the input under test

import { describe, expect, it } from "vitest";
import { loadRules } from "../src/engine/loader.js";
import { runRules } from "../src/engine/runner.js";
import type { SkippedFile, Subject } from "../src/engine/types.js";
import { PREDICATES } from "../src/predicates/index.js";
import { projectSubjects } from "../src/sources/all.js";
import {
  includeMatches,
  isNginxCandidate,
  isPublicServerName,
  originPatternVerdict,
} from "../src/sources/nginx.js";
import { parseNginx, walkDirectives } from "../src/sources/nginx-config.js";
import { ALNUM, seeded } from "./support/fake.js";
import { memoryProject } from "./support/memory-project.js";

// The nginx source, table style on real parsing: the tokenizer's view of a file (block paths,
// arguments, positions), the reasons a malformed file is skipped, which paths are nginx, and the
// subjects' fields that rules read.

/** `line:column context name args` for every directive, the way rules see the block path. */
function outline(text: string): string[] | string {
  const parsed = parseNginx(text);
  if (!Array.isArray(parsed)) return `${parsed.line}: ${parsed.message}`;
  return [...walkDirectives(parsed)].map(
    ({ directive: d, ancestors }) =>
      `${d.line}:${d.column} ${ancestors.map((a) => a.name).join(">") || "-"} ${[d.name, ...d.args].join("|")}`,
  );
}

describe("nginx tokenizer", () => {
  it.each([
    [
      "nested blocks give the block path",
      "events {}\nhttp {\n  server {\n    location /api/ {\n      proxy_pass http://127.0.0.1:8000;\n    }\n  }\n}\n",
      [
        "1:1 - events",
        "2:1 - http",
        "3:3 http server",
        "4:5 http>server location|/api/",
        "5:7 http>server>location proxy_pass|http://127.0.0.1:8000",
      ],
    ],
    [
      "quotes are removed, escapes resolved, regex backslashes kept",
      `add_header X-A "a \\"b\\" c";\nadd_header 'X-B' 'it\\'s';\nlocation ~* \\.(env|git)$ { deny all; }\n`,
      [
        '1:1 - add_header|X-A|a "b" c',
        "2:1 - add_header|X-B|it's",
        "3:1 - location|~*|\\.(env|git)$",
        "3:28 location deny|all",
      ],
    ],
    [
      "comments: whole lines, after a directive, and # inside a word is not one",
      "# server_tokens on;\nserver_tokens off; # was on\nadd_header X-Id a#b;\n",
      ["2:1 - server_tokens|off", "3:1 - add_header|X-Id|a#b"],
    ],
    [
      "if conditions split like nginx: a quoted word followed by )",
      "if ($request_method = 'OPTIONS') { return 204; }\n",
      ["1:1 - if|($request_method|=|OPTIONS|)", "1:36 if return|204"],
    ],
    [
      "${var} keeps its braces, a string may span lines, CRLF and a BOM are fine",
      '\uFEFFset $x "${host}:8000";\r\nreturn 200 "one\ntwo";\r\nlisten 80;\n',
      ["1:1 - set|$x|${host}:8000", "2:1 - return|200|one\ntwo", "4:1 - listen|80"],
    ],
    [
      "several directives on one line, block close on the same line",
      "server { listen 80; server_name a.example.com; }\n",
      ["1:1 - server", "1:10 server listen|80", "1:21 server server_name|a.example.com"],
    ],
    ["an empty file", "", []],
  ])("%s", (_name, text, want) => {
    expect(outline(text)).toEqual(want);
  });

  it.each([
    ["a missing ; at the end of the file", "events {}\nhttp {\n}\nuser nginx\n", "4: unexpected end of file"],
    [
      "a missing ; before }",
      "server {\n  listen 80\n}\n",
      '3: unexpected "}": the "listen" directive on line 2',
    ],
    [
      "an unclosed block",
      "http {\n  server {\n    listen 80;\n  }\n",
      '1: unexpected end of file: the "http" block',
    ],
    ["one } too many", "server { listen 80; }\n}\n", '2: unexpected "}" (no block is open)'],
    [
      "an unterminated double-quoted string",
      'listen 80;\nadd_header X "abc;\n}\n',
      "2: unterminated double-quoted string",
    ],
    ["an unterminated single-quoted string", "add_header X 'abc;\n", "1: unterminated single-quoted string"],
    ["a stray ;", "listen 80;;\n", '1: unexpected ";"'],
    ["a { without a name", "{ listen 80; }\n", '1: unexpected "{"'],
    [
      "text glued to a closing quote",
      'add_header X "a"b;\n',
      '1: unexpected "b" right after a quoted string',
    ],
    ["an unterminated ${", "set $a ${host;\n", '1: unterminated "${" variable'],
  ])("%s is a syntax error with its line", (_name, text, want) => {
    const got = outline(text);
    expect(typeof got).toBe("string");
    expect(got).toContain(want);
  });
});

describe("nginx files in a project", () => {
  async function scan(files: Record<string, string>) {
    const skipped: SkippedFile[] = [];
    const { subjects } = await projectSubjects(memoryProject(files), skipped);
    return { subjects: subjects.filter((s) => s.kind.startsWith("nginx-")), skipped };
  }

  it.each([
    ["nginx.conf", true],
    ["deploy/nginx.conf", true],
    ["nginx/conf.d/app.conf", true],
    ["docker/nginx/snippets/headers.conf", true],
    ["conf.d/default.conf", true],
    ["etc/sites-available/default", true],
    ["sites-enabled/app.conf", true],
    ["http.d/app.conf", true],
    ["app.nginx", true],
    ["deploy/app.nginx.conf", true],
    ["sites-available/README.md", false],
    ["config/app.conf", false],
    ["nginx/Dockerfile", false],
    ["nginx/nginx.conf.template", false],
  ])("%s is a candidate: %s", (path, want) => {
    expect(isNginxCandidate(path, path.slice(path.lastIndexOf("/") + 1))).toBe(want);
  });

  it("skips a malformed file with the line and what is wrong, and scans the rest", async () => {
    const { subjects, skipped } = await scan({
      "nginx/conf.d/broken.conf": 'server {\n  listen 80;\n  add_header X-A "oops;\n}\n',
      "nginx/conf.d/missing-semicolon.conf": "server {\n  listen 80;\n  server_name a.example.com\n}\n",
      "nginx/conf.d/unbalanced.conf": "server {\n  listen 80;\n",
      "nginx/conf.d/ok.conf": "server { listen 80; server_name ok.example.com; }\n",
    });
    expect(skipped).toEqual([
      {
        path: "nginx/conf.d/broken.conf",
        reason: "nginx syntax error at line 3: unterminated double-quoted string",
      },
      {
        path: "nginx/conf.d/missing-semicolon.conf",
        reason:
          'nginx syntax error at line 4: unexpected "}": the "server_name" directive on line 3 is missing its ";"',
      },
      {
        path: "nginx/conf.d/unbalanced.conf",
        reason:
          'nginx syntax error at line 1: unexpected end of file: the "server" block opened here has no closing "}"',
      },
    ]);
    expect(subjects.filter((s) => s.kind === "nginx-server").map((s) => s.fields.file)).toEqual([
      "nginx/conf.d/ok.conf",
    ]);
  });

  it("is silent about a .conf that is not nginx (supervisord, redis, Apache)", async () => {
    const { subjects, skipped } = await scan({
      "conf.d/supervisord.conf": "[program:api]\ncommand=uvicorn app:app --host 127.0.0.1\n",
      "conf.d/redis.conf": "bind 127.0.0.1\nport 6379\nrequirepass ${REDIS_PASSWORD}\n",
      "conf.d/ssl.conf": "<VirtualHost *:443>\n  SSLProtocol all -SSLv3\n</VirtualHost>\n",
      "deploy/supervisor/conf.d/worker.conf":
        "; the worker\n[program:worker]\ncommand=python -m app.worker\nautostart=true\n",
    });
    expect(skipped).toEqual([]);
    expect(subjects).toEqual([]);
  });

  it("an nginx snippet of ssl_* lines is nginx", async () => {
    const { subjects } = await scan({
      "nginx/snippets/ssl-params.conf": "ssl_session_timeout 1d;\nssl_session_cache shared:SSL:10m;\n",
    });
    expect(subjects.map((s) => s.fields.name)).toEqual(["ssl_session_timeout", "ssl_session_cache"]);
  });

  it("a file named nginx.conf is always nginx, so its errors are reported", async () => {
    const { skipped } = await scan({ "nginx.conf": "[program:x]\n" });
    expect(skipped.map((s) => s.reason)).toEqual([
      'nginx syntax error at line 1: unexpected end of file: the "[program:x]" directive is missing its ";"',
    ]);
  });

  const fieldsOf = (subjects: Subject[], kind: string, name?: string) =>
    subjects
      .filter((s) => s.kind === kind && (name === undefined || s.fields.name === name))
      .map((s) => s.fields);

  it("gives directives their context, location and server", async () => {
    const { subjects } = await scan({
      "nginx/nginx.conf":
        "events {}\nhttp {\n  server {\n    listen 443 ssl;\n    server_name app.example.com;\n    location /files/ {\n      autoindex on;\n    }\n  }\n  upstream app { server 127.0.0.1:8000; }\n}\n",
    });
    expect(fieldsOf(subjects, "nginx-directive", "autoindex")).toEqual([
      expect.objectContaining({
        args: "on",
        "arg.0": "on",
        context: "http>server>location",
        block: "location",
        location: "/files/",
        server: "app.example.com",
        "server.tls": true,
        "server.public": true,
      }),
    ]);
    // An upstream's `server` entry is a directive, not a server block.
    expect(fieldsOf(subjects, "nginx-server").map((f) => f.server)).toEqual(["app.example.com"]);
  });

  it("describes servers: ports, TLS, redirect, public name and the headers in effect", async () => {
    const { subjects } = await scan({
      "nginx/conf.d/app.conf": [
        "server {",
        "  listen 80;",
        "  listen [::]:80;",
        "  server_name app.example.com www.app.example.com;",
        "  location /.well-known/acme-challenge/ { root /var/www/certbot; }",
        "  location / { return 301 https://$host$request_uri; }",
        "}",
        "server {",
        "  listen 443 ssl;",
        "  listen 443 quic;",
        "  listen 127.0.0.1:8080;",
        "  server_name app.example.com;",
        "  add_header X-Content-Type-Options nosniff;",
        "  location /api/ { add_header Cache-Control no-store; }",
        "}",
        "server { listen 80 default_server; server_name _; return 444; }",
        "",
      ].join("\n"),
    });
    expect(fieldsOf(subjects, "nginx-server")).toEqual([
      expect.objectContaining({
        serverNames: ["app.example.com", "www.app.example.com"],
        ports: ["80"],
        plainPorts: ["80", "80"],
        tls: false,
        redirectsToHttps: true,
        public: true,
      }),
      expect.objectContaining({
        ports: ["443", "8080"],
        plainPorts: [],
        tlsPorts: ["443", "443"],
        tls: true,
        redirectsToHttps: false,
        headers: ["x-content-type-options"],
        missingHeaders: [
          "Strict-Transport-Security",
          "X-Frame-Options or CSP frame-ancestors",
          "X-Content-Type-Options",
        ],
        "missingHeaders.detail":
          "Strict-Transport-Security, X-Frame-Options or CSP frame-ancestors; X-Content-Type-Options in location /api/ (its add_header drops the inherited ones)",
      }),
      expect.objectContaining({ server: "_", public: false, defaultServer: true, return: "444" }),
    ]);
  });

  it.each([
    ["app.example.com", true],
    ["*.example.com", true],
    [".example.com", true],
    ["203.0.113.7", true],
    ["~^(www\\.)?example\\.com$", true],
    ["_", false],
    ["", false],
    ["localhost", false],
    ["127.0.0.1", false],
    ["10.0.0.5", false],
    ["192.168.1.20", false],
    ["nas.local", false],
    ["grafana.internal", false],
    ["myserver", false],
    ["$hostname", false],
    ["myapp.test", false],
    ["*.docker.internal", false],
  ])("server_name %j is public: %s", (name, want) => {
    expect(isPublicServerName(name)).toBe(want);
  });

  it.each([
    ["/etc/nginx/conf.d/*.conf", "nginx/conf.d/app.conf", true],
    ["conf.d/*.conf", "deploy/conf.d/app.conf", true],
    ["/etc/nginx/sites-enabled/*", "nginx/sites-available/app", true],
    ["snippets/headers.conf", "nginx/snippets/headers.conf", true],
    ["/etc/nginx/conf.d/*.conf", "nginx/snippets/app.conf", false],
    ["/etc/nginx/mime.types", "nginx/conf.d/app.conf", false],
  ])("include %s matches %s: %s", (pattern, path, want) => {
    expect(includeMatches(pattern, path)).toBe(want);
  });

  it.each([
    ["^https://app\\.example\\.com$", "allowlist"],
    ["(^https://(app|admin)\\.example\\.com$)", "allowlist"],
    ["^https://app\\.example\\.com", "unanchored"],
    ["example\\.com", "unanchored"],
    [".*", "any"],
    ["^https?://", "any"],
  ])("origin pattern %s is %s", (pattern, want) => {
    expect(originPatternVerdict(pattern, true)).toBe(want);
  });

  it("never lets a credential written in a config reach a report", async () => {
    const token = `sk-proj-${seeded(48, ALNUM, 91)}`;
    const apiKey = seeded(32, ALNUM, 92);
    const files = {
      "nginx/conf.d/app.conf": [
        "server {",
        "  listen 80;",
        "  server_name app.example.com;",
        `  location / { autoindex on; proxy_set_header Authorization "Bearer ${token}"; proxy_pass https://llm.example.net; }`,
        `  location /b/ { autoindex on; proxy_set_header X-Api-Key ${apiKey}; }`,
        "}",
        "",
      ].join("\n"),
    };
    const { subjects } = await projectSubjects(memoryProject(files), []);
    const carrying = subjects.filter((s) => JSON.stringify(s.fields).includes(token));
    expect(carrying.length).toBeGreaterThan(0);
    for (const s of carrying) expect(s.secrets).toContain(token);
    const rules = await loadRules([], PREDICATES);
    const { findings } = runRules(rules, subjects, PREDICATES);
    expect(findings.map((f) => f.ruleId)).toContain("nginx-autoindex-on");
    const report = JSON.stringify(findings);
    expect(report).not.toContain(token);
    expect(report).not.toContain(apiKey);
  });
});
