/**
 * The inventory: pages of certificates of one kind, filtered by issuer,
 * expiry and status, read from the inventory index (keys only, no GET per
 * certificate; one LIST of revocations per issuer on the page).
 */
import type { CertificateKind } from "../certificate-profiles.js";
import type { CertificateRepository, InventoryEntry } from "../certificate-repository.js";
import { InvalidRequestError } from "../errors.js";
import { type CertificateStatus, revocationIssuer, statusOf } from "./certificate-status.js";

/** Largest page; also the default is kept small enough for a terminal. */
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;
/** Most index keys one request scans while filtering, so a rare filter cannot make a request unbounded. */
export const MAX_KEYS_SCANNED_PER_REQUEST = 20_000;

const DAY_MS = 24 * 60 * 60 * 1000;

export interface ListCertificatesRequest {
  kind: CertificateKind;
  /** Page size, 1–1000; default 100. */
  limit?: number | undefined;
  /** The `next_token` of the previous page. */
  nextToken?: string | undefined;
  /** Only certificates signed by this CA. */
  issuer?: string | undefined;
  /** Only certificates whose notAfter is before this moment. */
  expiresBefore?: Date | undefined;
  /** Only certificates with this status. */
  status?: CertificateStatus | undefined;
  /**
   * Only certificates that expire within this many days and still need
   * attention: valid (neither expired nor revoked) and not renewed. The
   * expiry scan's question, asked on demand.
   */
  expiresWithinDays?: number | undefined;
}

export interface InventoryItem extends InventoryEntry {
  status: CertificateStatus;
}

export interface CertificatePage {
  items: InventoryItem[];
  /** Pass as `next_token` for the next page; null on the last page. */
  nextToken: string | null;
}

export async function listCertificates(
  request: ListCertificatesRequest,
  repository: CertificateRepository,
  context: { clock?: () => Date } = {},
): Promise<CertificatePage> {
  const now = (context.clock ?? (() => new Date()))();
  const limit = request.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new InvalidRequestError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}`, "limit");
  }
  let startAfter = request.nextToken === undefined ? undefined : decodeToken(request.nextToken, request.kind);
  const horizon =
    request.expiresWithinDays === undefined ? undefined : now.getTime() + request.expiresWithinDays * DAY_MS;
  let renewed: Promise<Set<string>> | undefined;
  const isRenewed = async (entry: InventoryEntry): Promise<boolean> => {
    if (entry.kind !== "server" && entry.kind !== "device") return false;
    renewed ??= repository.renewedSerialNumbers(entry.kind);
    return (await renewed).has(entry.serial_number);
  };
  const filtered =
    request.issuer !== undefined ||
    request.expiresBefore !== undefined ||
    request.status !== undefined ||
    horizon !== undefined;
  const revokedByIssuer = new Map<string, Promise<Set<string>>>();
  const isRevoked = async (entry: InventoryEntry): Promise<boolean> => {
    const issuer = revocationIssuer(entry.kind, entry.issuer);
    if (!issuer) return false;
    const cacheKey = `${issuer.kind}/${issuer.name}`;
    if (!revokedByIssuer.has(cacheKey)) revokedByIssuer.set(cacheKey, repository.revokedSerialNumbers(issuer));
    return (await revokedByIssuer.get(cacheKey))?.has(entry.serial_number) ?? false;
  };

  const items: InventoryItem[] = [];
  let scanned = 0;
  let lastKey: string | undefined;
  let more = true;
  while (items.length < limit && more && scanned < MAX_KEYS_SCANNED_PER_REQUEST) {
    const page = await repository.listInventory(request.kind, {
      startAfter,
      limit: filtered ? MAX_PAGE_SIZE : limit - items.length,
    });
    more = page.isTruncated;
    for (const { key, entry } of page.entries) {
      scanned += 1;
      lastKey = key;
      if (request.issuer !== undefined && entry.issuer !== request.issuer) continue;
      if (request.expiresBefore !== undefined && new Date(entry.not_after) >= request.expiresBefore) continue;
      if (horizon !== undefined && Date.parse(entry.not_after) > horizon) continue;
      const status = statusOf(entry.not_after, await isRevoked(entry), now);
      if (request.status !== undefined && status !== request.status) continue;
      if (horizon !== undefined && (status !== "valid" || (await isRenewed(entry)))) continue;
      items.push({ ...entry, status });
      if (items.length === limit) {
        more = more || page.entries.at(-1)?.key !== key;
        break;
      }
    }
    if (page.entries.length === 0) break;
    startAfter = lastKey;
  }
  return { items, nextToken: more && lastKey !== undefined ? encodeToken(lastKey) : null };
}

function encodeToken(key: string): string {
  return Buffer.from(JSON.stringify({ after: key }), "utf8").toString("base64url");
}

/** The cursor inside a token; only a cursor into this kind's inventory is accepted. */
function decodeToken(token: string, kind: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { after?: unknown };
    if (typeof parsed.after === "string" && /^inventory\/[a-z]+\/[A-Za-z0-9_.~-]+$/.test(parsed.after)) {
      if (!parsed.after.startsWith(`inventory/${kind}/`)) {
        throw new InvalidRequestError(`next_token belongs to another listing than ${kind} certificates`, "next_token");
      }
      return parsed.after;
    }
  } catch (error) {
    if (error instanceof InvalidRequestError) throw error;
  }
  throw new InvalidRequestError("next_token is not a token this API returned", "next_token");
}
