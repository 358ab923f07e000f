/**
 * The raw-line conversion worker (a worker_threads script, run from dist/): each message is
 * a PieceJob with its own id; the reply is the PieceOutput with its rows' buffer
 * transferred, or the message of the error that stopped it. Pieces are answered in order.
 */
import { parentPort } from "node:worker_threads";
import { convertPiece } from "./convert-piece.js";
import type { PieceReply, PieceRequest } from "./convert-pool.js";

parentPort!.on("message", (m: PieceRequest) => {
  let reply: PieceReply;
  try {
    reply = { id: m.id, out: convertPiece(m.job) };
  } catch (e) {
    reply = { id: m.id, error: e instanceof Error ? e.message : String(e) };
  }
  parentPort!.postMessage(reply, reply.out === undefined ? [] : [reply.out.rows.buffer as ArrayBuffer]);
});
