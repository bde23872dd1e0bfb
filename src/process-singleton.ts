/**
 * One value per process, however many copies of the module that asks for it
 * the process holds.
 *
 * Why: each function is bundled on its own (esbuild, one file per function),
 * and the local server loads every function's bundle into one process, so a
 * module-level variable exists once per bundle there. What must be one per
 * process (the key pool, the log's request context) is kept on `globalThis`
 * under a `Symbol.for` key instead, which every bundle's copy finds. On
 * Lambda a process holds one bundle and this is an ordinary module variable.
 */

/** Every key starts with this, so the project's values cannot collide with anyone else's on `globalThis`. */
const PREFIX = "iot-certificate-self-service.";

type Registry = Record<symbol, unknown>;

/** The process's value named `name`, made by `create` at the first call (of any bundle) that finds none. */
export function processSingleton<T>(name: string, create: () => T): T {
  const registry = globalThis as Registry;
  const key = Symbol.for(PREFIX + name);
  if (!(key in registry)) registry[key] = create();
  return registry[key] as T;
}

/** Forgets the value named `name` (the next `processSingleton` makes a new one) and returns it, if there was one. */
export function removeProcessSingleton<T>(name: string): T | undefined {
  const registry = globalThis as Registry;
  const key = Symbol.for(PREFIX + name);
  const value = registry[key] as T | undefined;
  delete registry[key];
  return value;
}
