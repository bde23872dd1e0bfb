/**
 * What one intermediate CA issued, under its node in the hierarchy: a
 * `<details>` whose summary gives the totals, holding one paged table per
 * kind (server, device). A table shows `ISSUED_PAGE_SIZE` rows and scrolls
 * within a bounded height, and a large one starts collapsed, so a fleet of
 * thousands never pushes the other CAs and the search down the page.
 *
 * Pages come from the inventory census when it read every certificate of the
 * kind (exact totals, paging without a request), or else from the list route
 * with an `issuer` filter and its `next_token` ("more than N" / "at least N").
 * Which tables are open and which page each shows survive a refresh (after a
 * create or a revoke), so a person who revoked a device on page 7 stays there.
 */
import { certificateTable } from "./certificate-table.js";
import { announce, h } from "./dom.js";
import { bestCount, type CertificateCount, formatCount, type InventoryReader } from "./inventory-census.js";
import type { InventoryItem, InventoryPage, LeafKind } from "./model.js";
import type { PortalContext } from "./portal-context.js";

/** Rows per page of an intermediate's table. */
export const ISSUED_PAGE_SIZE = 25;
/**
 * List requests one page may take: a filtered request scans at most 20,000
 * index keys (MAX_KEYS_SCANNED_PER_REQUEST) and may come back short with a
 * `next_token`; the page goes on from there, this many times at most.
 */
const MAX_REQUESTS_PER_PAGE = 5;

export const LEAF_KINDS: readonly LeafKind[] = ["server", "device"];

const KIND_WORDS: Record<LeafKind, { many: string; title: string }> = {
  server: { many: "server certificates", title: "Server certificates" },
  device: { many: "device certificates", title: "Device certificates" },
};

/** Fetches the page that starts at a token (undefined: the first page). */
export type IssuedSource = (token: string | undefined) => Promise<InventoryPage>;

/** Pages through certificates the census already read; the token is the row offset. */
export function censusSource(items: readonly InventoryItem[]): IssuedSource {
  return async (token) => {
    const offset = token === undefined ? 0 : Number(token);
    const end = offset + ISSUED_PAGE_SIZE;
    return { items: items.slice(offset, end), next_token: end < items.length ? String(end) : null };
  };
}

/** Pages through the list route with an `issuer` filter, filling each page across short answers. */
export function apiSource(api: InventoryReader, kind: LeafKind, issuer: string): IssuedSource {
  return async (token) => {
    const items: InventoryItem[] = [];
    let next = token;
    for (let request = 0; request < MAX_REQUESTS_PER_PAGE; request += 1) {
      const page = await api.get<InventoryPage>(`/certificates/${kind}`, {
        issuer,
        limit: String(ISSUED_PAGE_SIZE - items.length),
        next_token: next,
      });
      items.push(...page.items);
      next = page.next_token ?? undefined;
      if (next === undefined || items.length >= ISSUED_PAGE_SIZE) break;
    }
    return { items, next_token: next ?? null };
  };
}

/** Where a page starts: the token that fetches it and how many rows came before it. */
interface PagePosition {
  token: string | undefined;
  offset: number;
}

/** One kind of what an intermediate issued: where its pages come from, the page on screen, the census's count. */
export interface IssuedKind {
  source: IssuedSource;
  page: InventoryPage;
  /** Positions of the pages read so far; the last is this page's. */
  positions: PagePosition[];
  /** What the census counted (exactly, or at least when it stopped at its bound). */
  census: CertificateCount;
}

const openByIssuer = new Map<string, boolean>();
const positionsByTable = new Map<string, PagePosition[]>();
const tableKey = (issuer: string, kind: LeafKind) => `${kind}\u0000${issuer}`;

/**
 * The page of `issuer`'s `kind` certificates shown last (the first page the
 * first time). A page that cannot be read again (its token refused, or
 * emptied by revocations) falls back to the first.
 */
export async function loadIssuedKind(
  source: IssuedSource,
  kind: LeafKind,
  issuer: string,
  census: CertificateCount,
): Promise<IssuedKind> {
  const remembered = positionsByTable.get(tableKey(issuer, kind));
  const position = remembered?.at(-1);
  if (remembered && position && position.token !== undefined) {
    try {
      const page = await source(position.token);
      if (page.items.length > 0) return { source, page, positions: remembered, census };
    } catch {
      // fall through to the first page
    }
  }
  const first = [{ token: undefined, offset: 0 }];
  positionsByTable.set(tableKey(issuer, kind), first);
  return { source, page: await source(undefined), positions: first, census };
}

/** The total as far as anything read says: exact on the last page, "more than" before it, or the census's. */
function totalOf(issued: IssuedKind): CertificateCount {
  const seen = (issued.positions.at(-1)?.offset ?? 0) + issued.page.items.length;
  return bestCount(issued.census, { value: seen, qualifier: issued.page.next_token ? "more than" : "exactly" });
}

/**
 * The `<details>` of what `issuer` issued. Open by default when everything
 * fits on the first pages; collapsed when there is more (the summary says
 * how much), unless the person opened it before.
 */
export function issuedCertificatesView(
  issuer: string,
  kinds: Record<LeafKind, IssuedKind>,
  context: PortalContext,
): HTMLElement {
  const summary = h("summary", {});
  const renderSummary = () => {
    const server = totalOf(kinds.server);
    const device = totalOf(kinds.device);
    summary.textContent =
      `Issued by ${issuer}: ${formatCount(server)} server, ${formatCount(device)} ` +
      `device certificate${device.qualifier === "exactly" && device.value === 1 ? "" : "s"}`;
  };
  renderSummary();
  const shown = LEAF_KINDS.filter((kind) => kinds[kind].page.items.length > 0 || kinds[kind].positions.length > 1);
  if (shown.length === 0) return h("p", { class: "empty" }, `${issuer} has issued no certificates yet.`);
  const large = shown.some((kind) => kinds[kind].page.next_token !== null || kinds[kind].positions.length > 1);
  const element = h(
    "details",
    { class: "leaves", open: openByIssuer.get(issuer) ?? !large, "data-issuer": issuer },
    summary,
    ...shown.map((kind) =>
      kindTable(issuer, kind, kinds[kind], context, (issued) => {
        kinds[kind] = issued;
        renderSummary();
        return totalOf(issued);
      }),
    ),
  );
  element.addEventListener("toggle", () => openByIssuer.set(issuer, element.open));
  return element;
}

/** One kind's table with its pager: `‹ Previous` · `Rows 26–50 of 10,000` · `Next ›`. */
function kindTable(
  issuer: string,
  kind: LeafKind,
  initial: IssuedKind,
  context: PortalContext,
  pageChanged: (issued: IssuedKind) => CertificateCount,
): HTMLElement {
  const words = KIND_WORDS[kind];
  const label = `${words.title} of ${issuer}`;
  let issued = initial;
  let total = pageChanged(issued);
  const tableSlot = h("div", { class: "issued-table" });
  const previous = h("button", { type: "button", class: "small" }, "‹ Previous");
  const next = h("button", { type: "button", class: "small" }, "Next ›");
  const rows = h("span", { class: "page-number" });
  const pager = h("nav", { class: "pager", "aria-label": `Pages of ${label}` }, previous, rows, next);
  const search = h("button", { type: "button", class: "link" }, `Search ${words.many} of ${issuer}`);
  search.addEventListener("click", () => context.search(kind, issuer));

  const rowsText = () => {
    const offset = issued.positions.at(-1)?.offset ?? 0;
    const count = issued.page.items.length;
    if (count === 0) return offset === 0 ? `No ${words.many}` : `No more ${words.many} after row ${offset}`;
    const number = (value: number) => value.toLocaleString("en-US");
    return `Rows ${number(offset + 1)}–${number(offset + count)} of ${formatCount(total)}`;
  };

  const render = () => {
    const text = rowsText();
    tableSlot.replaceChildren(
      issued.page.items.length === 0
        ? h("p", { class: "empty" }, text)
        : certificateTable(issued.page.items, context, { caption: `${label}: ${text}`, captionHidden: true }),
    );
    rows.textContent = text;
    previous.disabled = issued.positions.length <= 1;
    next.disabled = !issued.page.next_token;
    // One page needs no pager: the summary says how many there are.
    pager.hidden = previous.disabled && next.disabled;
  };

  let loading = false;
  const go = async (positions: PagePosition[], pressed: HTMLButtonElement) => {
    const position = positions.at(-1);
    if (loading || !position) return;
    loading = true;
    tableSlot.setAttribute("aria-busy", "true");
    try {
      const page = await issued.source(position.token);
      issued = { ...issued, page, positions };
      positionsByTable.set(tableKey(issuer, kind), positions);
      total = pageChanged(issued);
      render();
      // Focus stays on the button pressed; when it just became disabled, it moves to the other one.
      (pressed.disabled ? (pressed === next ? previous : next) : pressed).focus();
      announce(`${label}: ${rowsText()}.`);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      announce(`Could not load ${words.many} of ${issuer}: ${detail}`, "error");
    } finally {
      loading = false;
      tableSlot.setAttribute("aria-busy", "false");
    }
  };
  previous.addEventListener("click", () => {
    void go(issued.positions.slice(0, -1), previous);
  });
  next.addEventListener("click", () => {
    const token = issued.page.next_token;
    const offset = (issued.positions.at(-1)?.offset ?? 0) + issued.page.items.length;
    if (token) void go([...issued.positions, { token, offset }], next);
  });
  render();

  return h(
    "div",
    { class: "issued", "data-kind": kind },
    h("h4", { class: "issued-heading" }, words.title),
    tableSlot,
    pager,
    h("p", { class: "more" }, search, " (to filter by status or expiry)"),
  );
}
