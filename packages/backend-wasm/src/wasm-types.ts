/**
 * The slice of the WebAssembly JS API this package uses, declared globally because
 * @types/node 20 does not declare it and the DOM lib would pull in browser globals.
 * Matches the standard API (Module, Instance, shared Memory, compile, validate).
 */
declare global {
  // A global declaration merges into the built-in WebAssembly namespace only as a namespace.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace WebAssembly {
    interface MemoryDescriptor {
      initial: number;
      maximum?: number;
      shared?: boolean;
    }
    class Memory {
      constructor(descriptor: MemoryDescriptor);
      readonly buffer: ArrayBuffer | SharedArrayBuffer;
      grow(delta: number): number;
    }
    class Module {
      constructor(bytes: ArrayBufferView | ArrayBuffer);
    }
    class Instance {
      constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
      readonly exports: Record<string, unknown>;
    }
    function compile(bytes: ArrayBufferView | ArrayBuffer): Promise<Module>;
    function validate(bytes: ArrayBufferView | ArrayBuffer): boolean;
  }
}

export {};
