/**
 * The HTTP side of `dlrm bench --serve`: a `dlrm serve` child process on 127.0.0.1 (any free
 * port), and one autocannon load against its POST /predict at a number of concurrent
 * clients, bounded in requests and in seconds; requests/s and latency percentiles out.
 */
import { spawn, type ChildProcess } from "node:child_process";
import autocannon from "autocannon";

/** A started `dlrm serve`. */
export interface ServeProcess {
  url: string;
  /** Where it scores, from its "listening on" line ("backend gaudi native (host CPU)", "quantized on the host"). */
  where: string;
  child: ChildProcess;
  /** Everything it wrote to stderr so far. */
  log(): string;
  /** SIGTERM, then its exit code. */
  stop(): Promise<number | null>;
}

/** Starts `node MAIN serve ...args --port 0 --host 127.0.0.1` in `cwd` and waits for its "listening on" line. */
export function startServe(main: string, cwd: string, args: readonly string[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, [main, "serve", ...args, "--port", "0", "--host", "127.0.0.1"], {
    cwd,
    env: { ...process.env, DLRM_DEBUG: "" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error(`bench --serve: dlrm serve did not start in 60 s: ${log.trim()}`));
    }, 60_000);
    child.stderr!.on("data", (d: Buffer) => {
      log += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+) \(.*, ([^,]*)\)\n/.exec(log);
      if (m === null) return;
      clearTimeout(timer);
      resolve({
        url: m[1]!,
        where: m[2]!,
        child,
        log: () => log,
        stop: () => {
          child.kill("SIGTERM");
          return exited;
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`bench --serve: dlrm serve exited with ${code}: ${log.trim()}`));
    });
  });
}

/** One load level's figures. */
export interface LoadResult {
  connections: number;
  /** Requests answered 2xx. */
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  rowsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Socket errors, timeouts and non-2xx answers. */
  failed: number;
}

/**
 * `connections` clients POST `bodies` (TSV, `rowsPerBody` rows each, in turn) to `url`/predict
 * until `maxRequests` are sent or `maxSeconds` pass, whichever is first.
 */
export function runLoad(
  url: string,
  bodies: readonly string[],
  rowsPerBody: number,
  connections: number,
  maxRequests: number,
  maxSeconds: number,
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const instance = autocannon(
      {
        url: `${url}/predict`,
        connections,
        amount: maxRequests,
        timeout: 30,
        // Samples every 100 ms (default 1 s): the run ends within 100 ms of its last answer.
        sampleInt: 100,
        requests: bodies.map((body) => ({
          method: "POST" as const,
          path: "/predict",
          headers: { "content-type": "text/plain" },
          body,
        })),
      },
      (err, r) => {
        clearTimeout(timer);
        if (err !== null && err !== undefined) return reject(err as Error);
        const seconds = (performance.now() - started) / 1000;
        const ok = r["2xx"];
        resolve({
          connections,
          requests: ok,
          seconds,
          requestsPerSecond: ok / seconds,
          rowsPerSecond: (ok * rowsPerBody) / seconds,
          p50Ms: r.latency.p50,
          p99Ms: r.latency.p99,
          failed: r.errors + r.timeouts + r.non2xx,
        });
      },
    );
    const timer = setTimeout(() => instance.stop(), maxSeconds * 1000);
  });
}
