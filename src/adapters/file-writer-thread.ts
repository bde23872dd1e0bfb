/**
 * Where the local store's writes run: on a worker thread of their own when
 * many come at once, in place otherwise.
 *
 * Why: creating one certificate's objects takes about 20 system calls (a
 * temporary file written, hard-linked into place and unlinked per PEM file,
 * folders made, an empty inventory entry), ~450 µs on the ext4 disk of the
 * machine in BENCHMARKS.md. A batch of devices done on the main thread left
 * the second CPU idle while the first signed the next certificate; handed to
 * the thread, they overlap with signing. But a message to the thread and its
 * answer cost ~70 µs of the main thread's time there (a cross-thread wake-up
 * in a VM): single requests, writing a few objects per turn, do them in place.
 * Writes are gathered per event-loop turn and the turn's count decides.
 *
 * Both places run `objectWriter` below, unchanged: the same exclusive, atomic
 * create-only semantics the store documents (on the file system, so the two
 * may write side by side). The thread's source is that function's own text
 * (`new Worker(source, { eval: true })`), so the bundles need no second file;
 * the function therefore uses nothing from outside its body, not even a
 * constant.
 *
 * One thread per process, shared by every store in it (the local server
 * loads each function's bundle, each with its own copy of this module), held
 * on `globalThis`, started by the first hand-over; it keeps the process alive
 * only while it has writes to answer, and a thread that dies fails its
 * pending writes and is replaced by the next hand-over.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import type { Worker } from "node:worker_threads";

/** One object to create: absolute paths chosen by the store. */
export interface WriteRequest {
  /** Where the object goes. */
  path: string;
  /** Its body; empty for an inventory entry (created in place with O_EXCL). */
  body: string;
  /** A fresh temporary file name for a body (unique per store and write), in `temporaryFolder`. */
  temporaryPath: string;
  temporaryFolder: string;
}

/** The outcome: created, or the name was taken (nothing written). */
export type WriteOutcome = "created" | "exists";

/** A failed write, as the thread reports it (an Error does not cross threads whole). */
export class FileWriteError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = "FileWriteError";
  }
}

interface Answer {
  id: number;
  outcome?: WriteOutcome;
  error?: { message: string; code?: string };
}

/**
 * The writes themselves: returns a function that performs a list of writes
 * and answers each. Self-contained on purpose (see the header): it is also
 * the thread's source text, given the worker's CommonJS `require` as `load`
 * (a literal `require(...)` here would be rewritten by esbuild into a helper
 * that exists only in the bundle's own scope).
 */
function objectWriter(load: (id: string) => unknown): (requests: (WriteRequest & { id: number })[]) => Answer[] {
  const fs = load("node:fs") as typeof import("node:fs");
  const { dirname } = load("node:path") as typeof import("node:path");
  const fileMode = 0o600; // files are private to the user running the server (CA keys among them)
  const maxKnownFolders = 256; // enough for the certificates being written at once
  // Folders known to exist, oldest first; forgotten when a write into one fails with ENOENT
  // (a concurrent delete removes emptied folders), then made again and the write retried.
  const knownFolders = new Set<string>();

  const removeQuietly = (path: string): void => {
    try {
      fs.unlinkSync(path);
    } catch {
      // already gone (or never created)
    }
  };

  const writeTemporary = (request: WriteRequest): void => {
    try {
      try {
        fs.writeFileSync(request.temporaryPath, request.body, { mode: fileMode, flag: "wx" });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        // First write, or the temporary folder was removed behind our back: make it, once.
        fs.mkdirSync(request.temporaryFolder, { recursive: true });
        fs.writeFileSync(request.temporaryPath, request.body, { mode: fileMode, flag: "wx" });
      }
    } catch (error) {
      removeQuietly(request.temporaryPath); // a write that failed half-way leaves no partial file
      throw error;
    }
  };

  /** Creates `path` with `create`, making its folder unless known; "exists" on EEXIST. */
  const place = (path: string, create: (path: string) => void): WriteOutcome => {
    const folder = dirname(path);
    for (let made = 0; ; ) {
      if (!knownFolders.has(folder)) {
        fs.mkdirSync(folder, { recursive: true });
        made += 1;
        knownFolders.add(folder);
        if (knownFolders.size > maxKnownFolders) {
          const oldest = knownFolders.values().next().value;
          if (oldest !== undefined) knownFolders.delete(oldest);
        }
      }
      try {
        create(path);
        return "created";
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EEXIST") return "exists";
        knownFolders.delete(folder);
        if (code === "ENOENT" && made < 2) continue;
        throw error;
      }
    }
  };

  const write = (request: WriteRequest): WriteOutcome => {
    if (request.body === "") {
      return place(request.path, (target) => fs.closeSync(fs.openSync(target, "wx", fileMode)));
    }
    writeTemporary(request);
    try {
      return place(request.path, (target) => fs.linkSync(request.temporaryPath, target));
    } finally {
      removeQuietly(request.temporaryPath);
    }
  };

  return (requests) =>
    requests.map((request): Answer => {
      try {
        return { id: request.id, outcome: write(request) };
      } catch (error) {
        const { message, code } = error as NodeJS.ErrnoException;
        return { id: request.id, error: { message: String(message), ...(code ? { code } : {}) } };
      }
    });
}

/** The thread's program: the writer, answering each message of writes with one message. */
const THREAD_SOURCE = `
const writeAll = (${objectWriter.toString()})(require);
const { parentPort } = require("node:worker_threads");
parentPort.on("message", (requests) => parentPort.postMessage(writeAll(requests)));
`;

/**
 * Fewer writes than this in one turn are done in place, synchronously: a
 * message to the thread and its answer cost ~70 µs of this thread's time on
 * the machine in BENCHMARKS.md (a cross-thread wake-up in a VM), and with
 * requests arriving side by side the other CPU is busy anyway. Counted there:
 * single device requests at concurrency 4 write 1-15 objects per turn; a
 * batch of devices (16 issued at once) writes 16 or more in 60-80 % of its
 * turns, which go to the thread.
 */
const HAND_OVER_FROM = 16;

/** The process's writer thread and the writes waiting for its answer. */
class FileWriterThread {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { resolve: (outcome: WriteOutcome) => void; reject: (error: Error) => void }
  >();

  /** Writes asked for since the last hand-over: posted together, in one message, once per event-loop turn. */
  private queued: (WriteRequest & { id: number })[] = [];

  /** Writes handed to the thread and not yet answered: while there are any, the thread keeps the process alive. */
  private inThread = 0;
  /** Writes handed to the thread since the process started (for tests and the benchmark). */
  handedOver = 0;

  write(request: WriteRequest): Promise<WriteOutcome> {
    const id = ++this.nextId;
    return new Promise<WriteOutcome>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.queued.push({ id, ...request });
      if (this.queued.length === 1) setImmediate(() => this.handOver());
    });
  }

  /** Once per turn: the turn's writes go to the thread in one message, or, when few, are done here. */
  private handOver(): void {
    const requests = this.queued;
    this.queued = [];
    if (requests.length < HAND_OVER_FROM) {
      for (const answer of writeInPlace(requests)) this.settle(answer);
      return;
    }
    const worker = this.running();
    if (this.inThread === 0) worker.ref();
    this.inThread += requests.length;
    this.handedOver += requests.length;
    worker.postMessage(requests);
  }

  private running(): Worker {
    if (this.worker) return this.worker;
    const worker = new (workerThreads().Worker)(THREAD_SOURCE, { eval: true });
    worker.unref();
    worker.on("message", (answers: Answer[]) => {
      this.inThread -= answers.length;
      if (this.inThread === 0) worker.unref();
      for (const answer of answers) this.settle(answer);
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined; // the next write starts a new thread
      this.queued = []; // refused below, so never to be written
      this.inThread = 0;
      for (const [id, waiting] of this.pending) {
        this.pending.delete(id);
        waiting.reject(new FileWriteError(`the local store's writer thread stopped: ${error.message}`, undefined));
      }
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`exit code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private settle(answer: Answer): void {
    const waiting = this.pending.get(answer.id);
    if (!waiting) return;
    this.pending.delete(answer.id);
    if (answer.outcome) waiting.resolve(answer.outcome);
    else waiting.reject(new FileWriteError(answer.error?.message ?? "write failed", answer.error?.code));
  }
}

/**
 * `node:worker_threads`, loaded by the first hand-over: every Lambda bundle
 * carries this module (through the local store) but never starts the thread,
 * and loading it cost ~5 ms of each cold start.
 */
function workerThreads(): typeof import("node:worker_threads") {
  return createRequire(import.meta.url)("node:worker_threads") as typeof import("node:worker_threads");
}

let inPlaceWriter: ReturnType<typeof objectWriter> | undefined;

/** The same writer, on this thread (with its own memory of folders). */
function writeInPlace(requests: (WriteRequest & { id: number })[]): Answer[] {
  const modules: Record<string, unknown> = { "node:fs": fs, "node:path": path };
  inPlaceWriter ??= objectWriter((id) => modules[id]);
  return inPlaceWriter(requests);
}

const WRITER_THREAD = Symbol.for("iot-certificate-self-service.file-writer-thread");

/** The process's writer thread, started by its first write. */
export function fileWriterThread(): FileWriterThread {
  const registry = globalThis as { [WRITER_THREAD]?: FileWriterThread };
  registry[WRITER_THREAD] ??= new FileWriterThread();
  return registry[WRITER_THREAD];
}
