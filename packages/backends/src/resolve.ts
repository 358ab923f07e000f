/**
 * Backend selection: by name, or `auto` (the first registered backend that can start
 * on this machine). Every backend passed over is reported with its reason, so the CLI
 * can say which backend it picked and why the others were not.
 */
import type { Backend, BackendFactory, BackendOptions } from "@dlrm/core";
import { BACKENDS } from "./registry.js";

/** What `resolveBackend` picked, and one note per backend passed over ("wasm: <reason>"). */
export interface ResolvedBackend {
  factory: BackendFactory;
  fallbackNotes: string[];
}

/** What `openBackend` created, with the notes of every backend passed over. */
export interface OpenedBackend {
  backend: Backend;
  fallbackNotes: string[];
}

/** A backend that was asked for by name cannot be used; the message says why. */
export class BackendUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackendUnavailableError";
  }
}

function findFactory(name: string, registry: readonly BackendFactory[]): BackendFactory {
  const factory = registry.find((f) => f.name === name);
  if (factory === undefined) {
    const known = ["auto", ...registry.map((f) => f.name)].join(", ");
    throw new BackendUnavailableError(`unknown backend "${name}" (known: ${known})`);
  }
  return factory;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Picks a backend factory. A name returns that backend, or throws a
 * BackendUnavailableError with its reason when it cannot start here; "auto" returns
 * the first available one in registry order, with a note for each one skipped.
 */
export async function resolveBackend(
  name: string,
  registry: readonly BackendFactory[] = BACKENDS,
): Promise<ResolvedBackend> {
  if (name !== "auto") {
    const factory = findFactory(name, registry);
    const reason = await factory.unavailableReason();
    if (reason !== undefined) throw new BackendUnavailableError(`backend "${name}" is not available: ${reason}`);
    return { factory, fallbackNotes: [] };
  }
  const fallbackNotes: string[] = [];
  for (const factory of registry) {
    const reason = await factory.unavailableReason();
    if (reason === undefined) return { factory, fallbackNotes };
    fallbackNotes.push(`${factory.name}: ${reason}`);
  }
  throw new BackendUnavailableError(`no backend is available (${fallbackNotes.join("; ")})`);
}

/**
 * Resolves and creates a backend. With "auto", a backend whose `create` fails is passed
 * over like an unavailable one (its error becomes a note); a named backend's failure
 * is thrown as a BackendUnavailableError.
 */
export async function openBackend(
  name: string,
  options: BackendOptions = {},
  registry: readonly BackendFactory[] = BACKENDS,
): Promise<OpenedBackend> {
  if (name !== "auto") {
    const { factory } = await resolveBackend(name, registry);
    try {
      return { backend: await factory.create(options), fallbackNotes: [] };
    } catch (err) {
      throw new BackendUnavailableError(`backend "${name}" failed to start: ${describe(err)}`);
    }
  }
  const notes: string[] = [];
  for (const factory of registry) {
    const reason = await factory.unavailableReason();
    if (reason !== undefined) {
      notes.push(`${factory.name}: ${reason}`);
      continue;
    }
    try {
      return { backend: await factory.create(options), fallbackNotes: notes };
    } catch (err) {
      notes.push(`${factory.name}: failed to start: ${describe(err)}`);
    }
  }
  throw new BackendUnavailableError(`no backend could start (${notes.join("; ")})`);
}
