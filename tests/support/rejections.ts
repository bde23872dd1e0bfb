/** Reading what a failed call says, for tests that check errors and their causes. */

/** The error a promise rejects with; throws when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

/** Every message and cause message down the chain, with the causes' own fields, as one string. */
export function everythingSaid(error: unknown): string {
  const parts: string[] = [];
  for (let e = error as (Error & Record<string, unknown>) | undefined; e; e = e.cause as typeof e) {
    parts.push(e.message, JSON.stringify(e), String(e.stack));
  }
  return parts.join("\n");
}
