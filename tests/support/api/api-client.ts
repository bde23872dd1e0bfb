/**
 * What the API tests do over HTTP besides `LocalApi.post/get`: read binary
 * bodies (DER CRLs), page through the inventory, build a hierarchy, and see
 * what the local store holds.
 */
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { expect } from "vitest";
import type { LocalApi } from "../local-api.js";

/** GET returning the raw bytes (a CRL is DER, which a text decode would corrupt). */
export async function getBytes(
  baseUrl: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; contentType: string | null; bytes: Buffer }> {
  const response = await fetch(`${baseUrl}${path}`, { headers });
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    bytes: Buffer.from(await response.arrayBuffer()),
  };
}

export interface InventoryRow {
  id: string;
  kind: string;
  serial_number: string;
  issuer?: string;
  not_after: string;
  key_algorithm: string;
  status: string;
  [field: string]: unknown;
}

/** Follows `next_token` until null; returns every row and the number of pages. */
export async function listAll(
  api: LocalApi,
  kind: "root" | "intermediate" | "server" | "device",
  query: Record<string, string> = {},
): Promise<{ items: InventoryRow[]; pages: number }> {
  const items: InventoryRow[] = [];
  let token: string | null = null;
  let pages = 0;
  do {
    const params = new URLSearchParams({ ...query, ...(token === null ? {} : { next_token: token }) });
    const page = await api.get(`/certificates/${kind}?${params}`);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    items.push(...(page.body.items as InventoryRow[]));
    token = page.body.next_token as string | null;
    pages += 1;
    if (pages > 10_000) throw new Error("the listing does not end");
  } while (token !== null);
  return { items, pages };
}

/** POSTs and expects `status`, with the response body in the failure message. */
export async function postExpect(
  api: LocalApi,
  path: string,
  body: unknown,
  status: number,
  headers: Record<string, string> = {},
): Promise<any> {
  const response = await api.post(path, body, headers);
  expect(response.status, `${path}: ${JSON.stringify(response.body)}`).toBe(status);
  return response.body;
}

/** Root `default` and the given intermediates under it, EC-P256 (fast). */
export async function createHierarchy(
  api: LocalApi,
  intermediates: string[] = ["servers", "devices"],
): Promise<{ root: any; intermediates: Record<string, any> }> {
  const subject = { country: "SE", organization: "Acme IoT", key_algorithm: "EC-P256" };
  const root = await postExpect(api, "/certificates/root", { ...subject, fqdn: "Acme Dev Root CA" }, 201);
  const created: Record<string, any> = {};
  for (const name of intermediates) {
    created[name] = await postExpect(api, "/certificates/intermediate", { ...subject, name }, 201);
  }
  return { root, intermediates: created };
}

/** Every file of the local store, relative and sorted (the store's temporary folder left out). */
export function storeFiles(directory: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (dir === directory && entry.name === ".tmp") continue;
        walk(path);
      } else {
        files.push(relative(directory, path));
      }
    }
  };
  walk(directory);
  return files.sort();
}

/** Checks an RFC 9457 problem+json response and returns its body. */
export function expectProblem(
  response: { status: number; body: any; headers: Headers },
  status: number,
  field?: string,
): any {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  expect(response.body).toMatchObject({
    type: expect.stringMatching(/^urn:iot-certificates:problem:/),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
  if (field !== undefined) expect(response.body.field).toBe(field);
  return response.body;
}

/** A random serial that no certificate has (32 hex digits). */
export function unknownSerial(): string {
  return Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join("");
}
