/**
 * A read-ahead queue: keeps up to `depth` batches of an epoch requested ahead of the
 * consumer, so a source's reads (issued to the thread pool) proceed while the training
 * loop computes the current step. Order is preserved; an error surfaces at its batch.
 */
/** Wraps a per-batch loader (batch i of an epoch) as an async iterable with read-ahead. */
export async function* readAhead<T>(
  from: number,
  to: number,
  depth: number,
  load: (i: number) => Promise<T>,
): AsyncGenerator<T> {
  const queue: Promise<T>[] = [];
  let next = from;
  const fill = (): void => {
    while (queue.length < depth && next < to) {
      const p = load(next++);
      p.catch(() => undefined);
      queue.push(p);
    }
  };
  fill();
  while (queue.length > 0) {
    const batch = await queue.shift()!;
    fill();
    yield batch;
  }
}
