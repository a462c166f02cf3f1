import { describe, expect, it } from "vitest";
import type { SkippedFile, Subject } from "../src/engine/types.js";
import { projectSubjects } from "../src/sources/all.js";
import {
  isCloudflaredCandidate,
  type OriginService,
  parseOriginService,
  publishedOrigin,
} from "../src/sources/cloudflared.js";
import { parseCompose } from "../src/sources/compose.js";
import { memoryProject } from "./support/memory-project.js";

// The cloudflared source with real parsing (yaml's Document API) through the same project loader
// the CLI uses.

async function scan(files: Record<string, string>) {
  const skipped: SkippedFile[] = [];
  const { subjects } = await projectSubjects(memoryProject(files), skipped);
  return { subjects, skipped };
}
const ofKind = (subjects: readonly Subject[], kind: string) => subjects.filter((s) => s.kind === kind);

describe("candidates", () => {
  it.each([
    ["cloudflared/config.yml", true],
    [".cloudflared/config.yaml", true],
    ["deploy/cloudflare/config.yml", true],
    ["tunnel/config.yml", true],
    ["cloudflared/config.example.yml", true],
    ["cloudflared-config.yml", true],
    ["infra/home-tunnel.yaml", true],
    ["config.yml", false],
    ["app/config.yml", false],
    ["cloudflared/credentials.json", false],
    ["docker-compose.tunnel.yml", false],
  ])("%s -> %s", (p, want) => {
    expect(isCloudflaredCandidate(p, p.slice(p.lastIndexOf("/") + 1))).toBe(want);
  });
});

describe("parseOriginService", () => {
  it.each([
    ["http://localhost:8000", { scheme: "http", host: "localhost", port: "8000" }],
    ["https://app:8443/", { scheme: "https", host: "app", port: "8443" }],
    ["http://127.0.0.1", { scheme: "http", host: "127.0.0.1", port: "80" }],
    ["https://[::1]", { scheme: "https", host: "::1", port: "443" }],
    ["ssh://localhost:22", { scheme: "ssh", host: "localhost", port: "22" }],
    ["tcp://db:5432", { scheme: "tcp", host: "db", port: "5432" }],
    ["http_status:404", { scheme: "http_status", host: "", port: "" }],
    ["unix:/run/app.sock", { scheme: "unix", host: "", port: "" }],
    ["hello_world", { scheme: "hello_world", host: "", port: "" }],
  ])("%s", (service, want) => {
    expect(parseOriginService(service)).toEqual(want);
  });
});

describe("tunnel-ingress subjects", () => {
  const config = [
    "tunnel: 6ff42ae2-765d-4adf-8112-31c55c1551ef", // 1
    "credentials-file: /etc/cloudflared/creds.json", // 2
    "originRequest:", // 3
    "  connectTimeout: 30s", // 4
    "  noTLSVerify: true", // 5
    "ingress:", // 6
    "  - hostname: app.example.com", // 7
    "    service: https://localhost:8443", // 8
    "  - hostname: api.example.com", // 9
    "    path: ^/v1/", // 10
    "    originRequest:", // 11
    "      noTLSVerify: false", // 12
    "    service: http://api:8000", // 13
    "  - service: http_status:404", // 14
    "",
  ].join("\n");

  it("one per ingress rule, at its service line, with noTLSVerify as in effect", async () => {
    const { subjects } = await scan({ "cloudflared/config.yml": config });
    const got = ofKind(subjects, "tunnel-ingress").map((s) => ({
      line: s.location.line,
      route: s.fields.route,
      scheme: s.fields["service.scheme"],
      port: s.fields["service.port"],
      noTLSVerify: s.fields.noTLSVerify,
      from: s.fields["noTLSVerify.from"],
      catchAll: s.fields.catchAll,
    }));
    expect(got).toEqual([
      {
        line: 8,
        route: "app.example.com",
        scheme: "https",
        port: "8443",
        noTLSVerify: true,
        from: "top-level",
        catchAll: false,
      },
      {
        line: 13,
        route: "api.example.com (path ^/v1/)",
        scheme: "http",
        port: "8000",
        noTLSVerify: false,
        from: "ingress",
        catchAll: false,
      },
      {
        line: 14,
        route: "the catch-all rule",
        scheme: "http_status",
        port: "",
        noTLSVerify: true,
        from: "top-level",
        catchAll: true,
      },
    ]);
  });

  it("one origin-request subject per level where originRequest is written, at its noTLSVerify line", async () => {
    const { subjects } = await scan({ "cloudflared/config.yml": config });
    const got = ofKind(subjects, "tunnel-origin-request").map((s) => ({
      line: s.location.line,
      level: s.fields.level,
      noTLSVerify: s.fields.noTLSVerify,
      affectedRules: s.fields.affectedRules,
      affectsHttps: s.fields.affectsHttps,
    }));
    expect(got).toEqual([
      // The api rule overrides the default, so the top level reaches the https app and the catch-all.
      { line: 5, level: "top-level", noTLSVerify: "true", affectedRules: 2, affectsHttps: true },
      { line: 12, level: "ingress", noTLSVerify: "false", affectedRules: 1, affectsHttps: false },
    ]);
  });

  it("the legacy url form is one catch-all origin", async () => {
    const { subjects } = await scan({ "tunnel.yml": "tunnel: home\n\nurl: http://localhost:3000\n" });
    const ingress = ofKind(subjects, "tunnel-ingress");
    expect(ingress.map((s) => [s.location.line, s.fields.service, s.fields.catchAll])).toEqual([
      [3, "http://localhost:3000", true],
    ]);
  });

  it.each([
    [
      "invalid YAML",
      "cloudflared/config.yml",
      "tunnel: x\ningress:\n  - service: [http://a\n",
      /^invalid YAML at line \d+: /,
    ],
    [
      "a tab-indented mapping",
      "tunnel/config.yml",
      "tunnel: x\ningress:\n\t- service: http://a\n",
      /^invalid YAML at line 3: /,
    ],
  ])("%s is skipped with a reason", async (_name, file, text, reason) => {
    const { subjects, skipped } = await scan({ [file]: text });
    expect(ofKind(subjects, "tunnel-ingress")).toEqual([]);
    expect(skipped.map((s) => s.path)).toEqual([file]);
    expect(skipped[0]?.reason).toMatch(reason);
  });

  it.each([
    ["a workflow named like a tunnel", ".github/workflows/tunnel.yml", "on: push\njobs: {}\n"],
    ["an app config in a tunnel directory", "tunnel/config.yml", "log_level: debug\nport: 8080\n"],
    ["a multi-document k8s manifest", "k8s/cloudflared.yaml", "kind: ConfigMap\n---\nkind: Deployment\n"],
    ["an empty file", "cloudflared/config.yml", ""],
  ])("%s is not a tunnel config: silent", async (_name, file, text) => {
    const { subjects, skipped } = await scan({ [file]: text });
    expect(ofKind(subjects, "tunnel-ingress")).toEqual([]);
    expect(skipped).toEqual([]);
  });
});

describe("publishedOrigin: is the origin also reachable on every host interface?", () => {
  const compose = (yaml: string, file = "docker-compose.yml") => {
    const doc = parseCompose(file, yaml, new Map(), false);
    if (typeof doc === "string") throw new Error(doc);
    return doc;
  };
  const origin = (host: string, port: string): OriginService => ({ scheme: "http", host, port });
  const app = (ports: string) => compose(`services:\n  app:\n    build: .\n    ports:\n${ports}`);
  it.each([
    [
      "localhost, published on all",
      origin("localhost", "8000"),
      [app('      - "8000:8000"\n')],
      "docker-compose.yml:5",
    ],
    [
      "127.0.0.1, published on loopback",
      origin("127.0.0.1", "8000"),
      [app('      - "127.0.0.1:8000:8000"\n')],
      undefined,
    ],
    [
      "localhost, a range",
      origin("localhost", "8005"),
      [app('      - "8000-8010:8000-8010"\n')],
      "docker-compose.yml:5",
    ],
    ["localhost, another port", origin("localhost", "8000"), [app('      - "8080:8000"\n')], undefined],
    [
      "service name, container port published",
      origin("app", "8000"),
      [app('      - "8080:8000"\n')],
      "docker-compose.yml:5",
    ],
    [
      "service name, random host port",
      origin("app", "8000"),
      [app('      - "8000"\n')],
      "docker-compose.yml:5",
    ],
    ["service name, loopback", origin("app", "8000"), [app('      - "127.0.0.1:8080:8000"\n')], undefined],
    ["another service's name", origin("web", "8000"), [app('      - "8000:8000"\n')], undefined],
    ["a UDP port", origin("localhost", "8000"), [app('      - "8000:8000/udp"\n')], undefined],
    ["a LAN host is not judged", origin("192.168.1.20", "8000"), [app('      - "8000:8000"\n')], undefined],
    [
      "a test compose file",
      origin("localhost", "8000"),
      [compose('services:\n  app:\n    image: a:1\n    ports: ["8000:8000"]\n', "tests/docker-compose.yml")],
      undefined,
    ],
  ])("%s", (_name, o, files, want) => {
    expect(publishedOrigin(o, files)?.where).toBe(want);
  });

  it("reaches the ingress subject and its message fields", async () => {
    const { subjects } = await scan({
      "docker-compose.yml": 'services:\n  app:\n    build: .\n    ports:\n      - "8000:8000"\n',
      "cloudflared/config.yml":
        "tunnel: t\ningress:\n  - hostname: a.example.com\n    service: http://localhost:8000\n  - service: http_status:404\n",
    });
    expect(ofKind(subjects, "tunnel-ingress")[0]?.fields).toMatchObject({
      "origin.exposed": true,
      "origin.publishedAt": "docker-compose.yml:5",
      "origin.composeService": "app",
      "origin.publishedSpec": "8000:8000",
    });
  });
});
