import { ALNUM, seeded } from "../fake.js";
// What the test apps serve: an "AI wrapper" front page, its bundle, and the fake secrets planted in
// the insecure variants. Every key is fake (made from a seeded generator at load time, so no key-shaped
// literal sits in the source for a scanner to trip on) but has the real provider format.

/** The fake secrets the insecure variants leak, so tests can assert on exact values. */
export const FAKE = {
  /** Stripe secret key planted in the insecure /assets/app.js (sk_live_ + 24 alnum). */
  stripeSecret: `sk_${"live"}_${seeded(24, ALNUM, 101)}`,
  /** Stripe publishable key: public by design, in every variant's bundle (not a finding). */
  stripePublishable: `pk_${"live"}_${seeded(34, ALNUM, 102)}`,
  /** OpenAI project key in the served /.env. */
  openaiKey: `sk-${"proj"}-${seeded(48, `${ALNUM}_-`, 103)}`,
  /** Other lines of the served /.env. */
  databaseUrl: `postgres://app:${seeded(20, ALNUM, 104)}@db:5432/app`,
  sessionSecret: seeded(40, ALNUM, 105),
} as const;

/** API keys the hardened variants accept (the admin key is the only one allowed on /admin/*). */
export const API_KEY = "test-key-123456";
export const ADMIN_API_KEY = "admin-key-654321";
/** The single origin the hardened CORS policies allow. */
export const ALLOWED_ORIGIN = "https://app.example.com";

/** The text of the .env the insecure apps serve at /.env. */
export const ENV_FILE = [
  "# production settings",
  "NODE_ENV=production",
  `OPENAI_API_KEY=${FAKE.openaiKey}`,
  `DATABASE_URL=${FAKE.databaseUrl}`,
  `SESSION_SECRET=${FAKE.sessionSecret}`,
  "",
].join("\n");

/** The git HEAD the insecure Express app serves at /.git/HEAD. */
export const GIT_HEAD = "ref: refs/heads/main\n";

export function indexHtml(title = "Dreamy Vision"): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title}</title>
    <script type="module" crossorigin src="/assets/app.js"></script>
  </head>
  <body>
    <div id="root"></div>
  </body>
</html>
`;
}

/** A minified-looking Vite bundle. The insecure one inlines the Stripe secret key too. */
export function appBundle(leakSecret: boolean): string {
  const env = leakSecret
    ? `{VITE_API_URL:"/api",VITE_STRIPE_PUBLISHABLE_KEY:"${FAKE.stripePublishable}",VITE_STRIPE_SECRET_KEY:"${FAKE.stripeSecret}"}`
    : `{VITE_API_URL:"/api",VITE_STRIPE_PUBLISHABLE_KEY:"${FAKE.stripePublishable}"}`;
  return `(function(){"use strict";const e=${env};function t(n){return fetch(e.VITE_API_URL+"/generate",{method:"POST",headers:{"Content-Type":"application/json"},body:JSON.stringify({prompt:n})}).then(r=>r.json())}window.__app={env:e,generate:t};document.getElementById("root").textContent="ready"})();
`;
}

export const MODELS = {
  object: "list",
  data: [
    { id: "gpt-4o-mini", object: "model", owned_by: "openai" },
    { id: "llava:13b", object: "model", owned_by: "ollama" },
  ],
};

export function generation(prompt: unknown): Record<string, unknown> {
  return {
    id: "gen_0001",
    model: "gpt-4o-mini",
    prompt: typeof prompt === "string" ? prompt : "a dreamy landscape",
    output: "A soft, dreamy landscape at dusk.",
    usage: { prompt_tokens: 12, completion_tokens: 9 },
  };
}

export const ADMIN_STATS = {
  users: 1342,
  requests_today: 98211,
  spend_usd: 412.77,
  top_user: "alice@example.com",
};
