/**
 * Fault injection for the ports: wraps an ObjectStore and a
 * CertificateImporter so that the k-th call (counted across both) fails the
 * way the real adapters fail, with a DependencyError. Two kinds of failure:
 *
 * - `before`: the call fails and has no effect (a refused or lost request);
 * - `after`: the call takes effect, then fails (the response was lost: the
 *   caller cannot tell that its write happened).
 */
import { DependencyError } from "../../../src/core/errors.js";
import type { CertificateImporter, CertificateImportRequest } from "../../../src/core/ports.js";

export type FaultMode = "before" | "after";

export class FaultInjector {
  /** Every call seen since the last `arm`, as `method key`. */
  readonly calls: string[] = [];
  private failAt: number | undefined;
  private mode: FaultMode = "before";
  /** The call that failed, once it did. */
  failed: string | undefined;

  /** Fails the `k`-th call from now (1-based); `undefined` only counts. */
  arm(k: number | undefined, mode: FaultMode = "before"): void {
    this.calls.length = 0;
    this.failAt = k;
    this.mode = mode;
    this.failed = undefined;
  }

  disarm(): void {
    this.failAt = undefined;
  }

  async run<T>(label: string, effect: () => Promise<T>): Promise<T> {
    this.calls.push(label);
    const failsHere = this.calls.length === this.failAt;
    if (failsHere && this.mode === "before") {
      this.failed = label;
      throw new DependencyError(`injected fault: ${label} failed`);
    }
    const result = await effect();
    if (failsHere) {
      this.failed = label;
      throw new DependencyError(`injected fault: ${label} took effect but its response was lost`);
    }
    return result;
  }
}

/** `inner` with every method call routed through `injector` (whatever methods the ObjectStore port has). */
export function faultyStore<T extends object>(inner: T, injector: FaultInjector): T {
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) =>
        injector.run(`store.${String(property)} ${String(args[0] ?? "")}`, () =>
          Promise.resolve(value.apply(target, args)),
        );
    },
  });
}

/** An importer that records what it was given (without keeping keys), like a tiny ACM. */
export class RecordingImporter implements CertificateImporter {
  readonly imported: { certificateArn: string; certificatePem: string }[] = [];

  async importCertificate(request: CertificateImportRequest): Promise<{ certificateArn: string }> {
    const certificateArn = `arn:aws:acm:us-east-1:000000000000:certificate/fault-${this.imported.length + 1}`;
    this.imported.push({ certificateArn, certificatePem: request.certificatePem });
    return { certificateArn };
  }
}

export function faultyImporter(inner: CertificateImporter, injector: FaultInjector): CertificateImporter {
  return {
    importCertificate: (request) => injector.run("acm.importCertificate", () => inner.importCertificate(request)),
  };
}
