/**
 * The HTTP side of `dlrm serve` (fastify): `POST /predict` with JSON rows or raw Criteo TSV
 * lines (text/plain) answers {"scores": [...]} through the dynamic batcher; `GET /health`
 * answers {"status": "ok", ...}; `POST /reload` swaps in new weights between batches. Every
 * client error is a 4xx with {"error": "one line"} (bad JSON, a bad row naming row and
 * field, a body over the limit); the server keeps serving.
 */
import Fastify, { type FastifyInstance } from "fastify";
import type { DynamicBatcher } from "./batcher.js";
import { BadRequest, rowsFromJson, rowsFromText } from "./rows.js";

export interface ServerOptions {
  batcher: DynamicBatcher;
  /** Largest request body in bytes (413 above it). */
  bodyLimit: number;
  /** What GET /health reports besides the status (read per request: a reload changes it). */
  info: () => Record<string, string | number>;
  /** Loads weights file `path` (undefined: the one served first) and swaps it in between batches. */
  reload: (path: string | undefined) => Promise<string>;
}

/** The fastify app (not listening yet). */
export function createServer(opts: ServerOptions): FastifyInstance {
  const app = Fastify({ bodyLimit: opts.bodyLimit, logger: false, return503OnClosing: true });
  app.addContentTypeParser("text/plain", { parseAs: "string" }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    if (err instanceof BadRequest) return reply.code(400).send({ error: err.message });
    const status = err.statusCode ?? 500;
    const message =
      err.code === "FST_ERR_CTP_BODY_TOO_LARGE"
        ? `the body is larger than --body-limit ${opts.bodyLimit} bytes`
        : err.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE"
          ? "send application/json rows or text/plain Criteo TSV lines"
          : status < 500
            ? `malformed request: ${err.message}`
            : `scoring failed: ${err.message}`;
    return reply.code(status).send({ error: message });
  });
  // Once closing, answers end their connection, so that keep-alive clients do not hold the close up.
  let closing = false;
  app.addHook("preClose", (done) => {
    closing = true;
    done();
  });
  app.addHook("onSend", (_req, reply, payload, done) => {
    if (closing) void reply.header("connection", "close");
    done(null, payload);
  });
  app.get("/health", () => ({
    status: "ok",
    ...opts.info(),
    batches: opts.batcher.batches,
    waitingRows: opts.batcher.queuedRows,
  }));
  app.post("/reload", async (req) => {
    const body = (req.body ?? {}) as { model?: unknown };
    if (body.model !== undefined && typeof body.model !== "string")
      throw new BadRequest('expected {"model": "weights.safetensors"} or no body');
    return { status: "reloaded", model: await opts.reload(body.model) };
  });
  app.post("/predict", async (req) => {
    const rows = typeof req.body === "string" ? rowsFromText(req.body) : rowsFromJson(req.body);
    const scores = await opts.batcher.submit(rows);
    return { scores: Array.from(scores) };
  });
  return app;
}
