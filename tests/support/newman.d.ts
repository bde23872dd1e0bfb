/**
 * The part of newman's programmatic API the tests use (newman ships no
 * types, and @types/newman is not a dependency). Requests, responses and
 * items are postman-collection SDK objects.
 */
declare module "newman" {
  interface HeaderList {
    get(name: string): string | undefined;
  }

  export interface NewmanRunExecution {
    item: { name: string; request: { method: string; url: { path: string[] } } };
    request: { url: { getPath(): string }; headers: HeaderList };
    response: { code: number; stream: Uint8Array; headers: HeaderList };
    assertions?: { assertion: string; error?: { message: string } }[];
  }

  interface Counts {
    total: number;
    pending: number;
    failed: number;
  }

  export interface NewmanRunSummary {
    run: {
      stats: { requests: Counts; assertions: Counts; testScripts: Counts };
      executions: NewmanRunExecution[];
      failures: { error?: { name: string; message: string }; source?: { name: string } }[];
    };
  }

  export interface NewmanRunOptions {
    collection: unknown;
    envVar?: { key: string; value: string }[];
    reporters?: string[];
    timeoutRequest?: number;
  }

  function run(options: NewmanRunOptions, callback: (error: Error | null, summary: NewmanRunSummary) => void): unknown;

  const newman: { run: typeof run };
  export default newman;
}
