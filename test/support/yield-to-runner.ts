import { beforeEach } from "vitest";

// Many tests run the CLI with spawnSync, which blocks this worker's event loop. Vitest's worker talks
// to the main process over IPC with a 60 s RPC timeout; on a loaded machine a file of blocking tests
// can cross it ("Timeout calling onTaskUpdate", vitest-dev/vitest#8164). One turn of the event loop
// before each test lets pending IPC through, so only a single test would have to block for 60 s.
beforeEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
