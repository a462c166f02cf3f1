import { z } from "zod";
import { SEVERITIES } from "./types.js";
import { parseValidatedYaml } from "./yaml-file.js";

// `.secaudit.yaml`, validated strictly: an unknown key is an error with its line, never ignored.
// Loaded only when a config file exists, so a plain scan does not pay for zod.

export const configSchema = z.strictObject({
  /** Paths to leave out of the scan, in .gitignore syntax, relative to the scanned root. */
  ignore: z.array(z.string().min(1)).optional(),
  /** Per rule id: "off", or a severity that re-rates its findings. */
  rules: z.record(z.string(), z.enum(["off", ...SEVERITIES])).optional(),
  /** Files larger than this many bytes are skipped (and listed as skipped). */
  maxFileBytes: z.number().int().positive().optional(),
  /** Findings accepted on purpose, by fingerprint, with why and until when. */
  accept: z
    .array(
      z.strictObject({
        fingerprint: z.string().regex(/^[0-9a-f]{16}$/, "a 16-hex-digit fingerprint from a report"),
        reason: z.string().min(3, "say why this finding is accepted"),
        expires: z.iso.date().optional(),
        /** Optional, for the reader: the rule the fingerprint belongs to. */
        rule: z.string().optional(),
      }),
    )
    .optional(),
  probe: z
    .strictObject({
      /** Requests in the rate-limit burst (at most 100). */
      burst: z.number().int().min(1).max(100).optional(),
      /** More paths to check for exposure. */
      extraPaths: z.array(z.string().startsWith("/")).optional(),
      /** Header name -> environment variable holding its value (never the value itself). */
      headersFromEnv: z.record(z.string(), z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).optional(),
    })
    .optional(),
});

export function parseConfig(text: string, file: string): z.infer<typeof configSchema> {
  return parseValidatedYaml(text, file, configSchema);
}
