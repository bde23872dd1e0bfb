/**
 * What one answer of the list route cannot say: how many certificates each CA
 * issued, and how many of them expire in each of the next weeks. The route
 * (`GET /certificates/{kind}`) pages with `next_token` and returns no count,
 * so the census reads the unfiltered inventory of a kind in pages of 1,000
 * (one pass serves every issuer) up to a bound, and says "at least" past it.
 *
 * The hierarchy then pages each intermediate's certificates from what the
 * census read, with exact totals; only past the bound does it page through
 * the API with an `issuer` filter (which, on a large store, scans the whole
 * kind's index for each request).
 *
 * Everything here but `takeCensus` is pure, so it is tested without a browser.
 */
import type { InventoryItem, InventoryPage, LeafKind } from "./model.js";

/** Page size of the census: the list route's largest (MAX_PAGE_SIZE in src/core/inventory). */
export const CENSUS_PAGE_SIZE = 1000;
/** Pages read per kind before the census stops and counts become "at least": 20,000 certificates. */
export const MAX_CENSUS_PAGES = 20;
/** How far ahead the expiry chart looks. */
export const EXPIRY_HORIZON_DAYS = 90;
/** Weeks of the chart: 12 of 7 days and a last one of 6 (90 days from today, today included). */
export const EXPIRY_WEEKS = Math.ceil(EXPIRY_HORIZON_DAYS / 7);

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A number of certificates and how sure it is: "exactly" when every page was
 * read, "more than" when a page said there is a next one, "at least" when the
 * census stopped at its bound.
 */
export interface CertificateCount {
  value: number;
  qualifier: "exactly" | "more than" | "at least";
}

/** `10,000`, `more than 25`, `at least 20,000`. */
export function formatCount(count: CertificateCount): string {
  const value = count.value.toLocaleString("en-US");
  return count.qualifier === "exactly" ? value : `${count.qualifier} ${value}`;
}

/** The larger of two counts of the same certificates; an exact one wins. */
export function bestCount(a: CertificateCount | undefined, b: CertificateCount | undefined): CertificateCount {
  if (!a) return b ?? { value: 0, qualifier: "exactly" };
  if (!b) return a;
  if (a.qualifier === "exactly") return a;
  if (b.qualifier === "exactly") return b;
  // "more than n" says n + 1 certificates at least.
  const floor = (count: CertificateCount) => count.value + (count.qualifier === "more than" ? 1 : 0);
  return floor(b) > floor(a) ? b : a;
}

/** What one issuer's certificates of one kind add up to. */
export interface IssuerTally {
  total: number;
  /** Valid (not revoked, not yet expired) certificates expiring in each week; `EXPIRY_WEEKS` entries. */
  expiringByWeek: number[];
}

/** The tally of one kind, by issuer (`issuer` of each item; `-` for roots, which have none). */
export interface KindCensus {
  byIssuer: Map<string, IssuerTally>;
  /** The certificates read, by issuer, in the inventory's order (what the hierarchy pages through). */
  itemsByIssuer: Map<string, InventoryItem[]>;
  /** Certificates read. */
  read: number;
  /** False when the census stopped at `MAX_CENSUS_PAGES` with more pages left. */
  complete: boolean;
}

/** Midnight UTC of the day of `now`: weeks of the chart start on whole days. */
export function startOfDay(now: Date): number {
  return Math.floor(now.getTime() / DAY_MS) * DAY_MS;
}

/**
 * The week (0 = today and the next 6 days) in which a valid certificate
 * expires, or undefined when it is revoked, already expired, or expires after
 * the horizon.
 */
export function expiryWeek(item: Pick<InventoryItem, "status" | "not_after">, now: Date): number | undefined {
  if (item.status !== "valid") return undefined;
  const notAfter = Date.parse(item.not_after);
  if (Number.isNaN(notAfter) || notAfter <= now.getTime()) return undefined;
  const day = Math.floor((notAfter - startOfDay(now)) / DAY_MS);
  return day < EXPIRY_HORIZON_DAYS ? Math.floor(day / 7) : undefined;
}

/** The first and last day (UTC, `YYYY-MM-DD`) of each week of the chart. */
export function expiryWeekRanges(now: Date): { first: string; last: string }[] {
  const start = startOfDay(now);
  return Array.from({ length: EXPIRY_WEEKS }, (_, week) => {
    const firstDay = week * 7;
    const lastDay = Math.min(firstDay + 6, EXPIRY_HORIZON_DAYS - 1);
    const iso = (day: number) => new Date(start + day * DAY_MS).toISOString().slice(0, 10);
    return { first: iso(firstDay), last: iso(lastDay) };
  });
}

export function emptyTally(): IssuerTally {
  return { total: 0, expiringByWeek: new Array<number>(EXPIRY_WEEKS).fill(0) };
}

/** Adds items to a tally by issuer (in place, so pages can be added as they come). */
export function addToTally(byIssuer: Map<string, IssuerTally>, items: readonly InventoryItem[], now: Date): void {
  for (const item of items) {
    const issuer = item.issuer ?? "-";
    let tally = byIssuer.get(issuer);
    if (!tally) {
      tally = emptyTally();
      byIssuer.set(issuer, tally);
    }
    tally.total += 1;
    const week = expiryWeek(item, now);
    if (week !== undefined) tally.expiringByWeek[week] = (tally.expiringByWeek[week] ?? 0) + 1;
  }
}

/** Sums tallies (a CA's servers and devices). */
export function sumTallies(tallies: readonly (IssuerTally | undefined)[]): IssuerTally {
  const sum = emptyTally();
  for (const tally of tallies) {
    if (!tally) continue;
    sum.total += tally.total;
    tally.expiringByWeek.forEach((count, week) => {
      sum.expiringByWeek[week] = (sum.expiringByWeek[week] ?? 0) + count;
    });
  }
  return sum;
}

/** How many certificates of a kind an issuer has, as far as the census knows. */
export function censusCount(census: KindCensus, issuer: string): CertificateCount {
  return { value: census.byIssuer.get(issuer)?.total ?? 0, qualifier: census.complete ? "exactly" : "at least" };
}

/** What the census needs of the API client. */
export interface InventoryReader {
  get<T>(path: string, query: Record<string, string | undefined>): Promise<T>;
}

export interface CensusOptions {
  /** Certificates per request; default `CENSUS_PAGE_SIZE` (1,000). */
  pageSize?: number;
  /** Requests before the census stops and its counts become "at least"; default `MAX_CENSUS_PAGES` (20). */
  maxPages?: number;
  /** Checked before each request: true stops the census (a newer one started), which then returns undefined. */
  cancelled?: () => boolean;
}

/** Reads the inventory of one kind, a page at a time up to the bound, and tallies it by issuer. */
export async function takeCensus(
  api: InventoryReader,
  kind: LeafKind,
  now: Date,
  options: CensusOptions = {},
): Promise<KindCensus | undefined> {
  const census: KindCensus = { byIssuer: new Map(), itemsByIssuer: new Map(), read: 0, complete: false };
  let token: string | undefined;
  for (let page = 0; page < (options.maxPages ?? MAX_CENSUS_PAGES); page += 1) {
    if (options.cancelled?.()) return undefined;
    const result = await api.get<InventoryPage>(`/certificates/${kind}`, {
      limit: String(options.pageSize ?? CENSUS_PAGE_SIZE),
      next_token: token,
    });
    addToTally(census.byIssuer, result.items, now);
    for (const item of result.items) {
      const issuer = item.issuer ?? "-";
      const items = census.itemsByIssuer.get(issuer);
      if (items) items.push(item);
      else census.itemsByIssuer.set(issuer, [item]);
    }
    census.read += result.items.length;
    if (!result.next_token) {
      census.complete = true;
      return census;
    }
    token = result.next_token;
  }
  return census;
}
