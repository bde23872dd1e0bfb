/**
 * The CA hierarchy: roots, the intermediates each signed, and the server and
 * device certificates each intermediate issued, a page at a time with real
 * totals (issued-certificates.ts), with expiry dates and revocation status;
 * and the chart of what expires in the next 90 days (expiry-chart.ts).
 *
 * Loading: the CAs (two small requests; on the first load they are shown
 * as soon as they come) and, at the same time, the inventory census
 * (inventory-census.ts), which reads each leaf kind once, unfiltered, and
 * gives every intermediate its totals, its pages and its chart. Only a census
 * that stopped at its bound leaves the pages to the list route's `issuer`
 * filter.
 */
import { ApiProblem } from "./api.js";
import { actionButtons, expiryDate, referenceOf, statusBadge } from "./certificate-table.js";
import { announce, append, byId, h } from "./dom.js";
import { type ExpiryChartEntry, renderExpiryCharts } from "./expiry-chart.js";
import {
  addToTally,
  censusCount,
  type IssuerTally,
  type KindCensus,
  sumTallies,
  takeCensus,
} from "./inventory-census.js";
import { iotRegistrationView } from "./iot-registration.js";
import {
  apiSource,
  censusSource,
  type IssuedKind,
  issuedCertificatesView,
  LEAF_KINDS,
  loadIssuedKind,
} from "./issued-certificates.js";
import {
  type CertificateDetails,
  classifyExpiry,
  type InventoryItem,
  type InventoryPage,
  type LeafKind,
  subjectOf,
} from "./model.js";
import type { PortalContext } from "./portal-context.js";

/** CAs are few; this many pages of 1,000 is plenty. */
const MAX_CA_PAGES = 5;

/**
 * Performance marks (from the navigation start) for a test, or a person in
 * DevTools: the CAs on screen, then the first page of every intermediate's
 * certificates with their totals and the expiry chart. Set once per page load.
 */
export const CAS_SHOWN = "portal:cas-shown";
export const CERTIFICATES_SHOWN = "portal:certificates-shown";

export interface Hierarchy {
  roots: InventoryItem[];
  intermediates: InventoryItem[];
  /** False when the intermediates filled MAX_CA_PAGES and more were left. */
  intermediatesComplete: boolean;
}

/** By intermediate name: the page of its server and device certificates to show. */
type IssuedByIntermediate = Map<string, Record<LeafKind, IssuedKind>>;

async function listAll(context: PortalContext, kind: "root" | "intermediate") {
  const items: InventoryItem[] = [];
  let token: string | undefined;
  let complete = false;
  for (let page = 0; page < MAX_CA_PAGES; page += 1) {
    const result = await context.api.get<InventoryPage>(`/certificates/${kind}`, { limit: "1000", next_token: token });
    items.push(...result.items);
    if (!result.next_token) {
      complete = true;
      break;
    }
    token = result.next_token;
  }
  return { items: items.sort((a, b) => subjectOf(a).localeCompare(subjectOf(b))), complete };
}

export async function loadHierarchy(context: PortalContext): Promise<Hierarchy> {
  const [roots, intermediates] = await Promise.all([listAll(context, "root"), listAll(context, "intermediate")]);
  return { roots: roots.items, intermediates: intermediates.items, intermediatesComplete: intermediates.complete };
}

/** Each intermediate's first page (or the one shown last) of each kind, from the census or the API. */
async function loadIssued(
  context: PortalContext,
  hierarchy: Hierarchy,
  census: Record<LeafKind, KindCensus>,
): Promise<IssuedByIntermediate> {
  const issued: IssuedByIntermediate = new Map();
  await Promise.all(
    hierarchy.intermediates.map(async (intermediate) => {
      const issuer = subjectOf(intermediate);
      const load = (kind: LeafKind) =>
        loadIssuedKind(
          census[kind].complete
            ? censusSource(census[kind].itemsByIssuer.get(issuer) ?? [])
            : apiSource(context.api, kind, issuer),
          kind,
          issuer,
          censusCount(census[kind], issuer),
        );
      const [server, device] = await Promise.all([load("server"), load("device")]);
      issued.set(issuer, { server, device });
    }),
  );
  return issued;
}

function caNode(item: InventoryItem, context: PortalContext): HTMLElement {
  const state = classifyExpiry(item.status, item.not_after).state;
  const details = caDetailsSlots(item, context);
  return h(
    "div",
    { class: `node node-${item.kind} row-${state}`, "data-subject": subjectOf(item), "data-kind": item.kind },
    h("span", { class: "kind-tag" }, item.kind === "root" ? "Root CA" : "Intermediate CA"),
    h("strong", { class: "subject" }, subjectOf(item)),
    h(
      "span",
      { class: "meta" },
      "expires ",
      expiryDate(item.not_after),
      ` · ${item.key_algorithm}`,
      details.keyStorage,
    ),
    statusBadge(item.status, item.not_after),
    actionButtons(referenceOf(item), item.status, context),
    details.iot,
  );
}

/**
 * What the inventory listing does not carry, filled in once the CA's details
 * arrive (one request per CA; CAs are few): where its key is kept
 * (` · key in KMS` / ` · key in S3`) and its AWS IoT Core registration, or
 * the button that registers it (iot-registration.ts). Both stay empty if the
 * details cannot be read.
 */
function caDetailsSlots(item: InventoryItem, context: PortalContext): { keyStorage: HTMLElement; iot: HTMLElement } {
  const keyStorage = h("span", { class: "key-storage", "data-key-storage": "" });
  const iot = h("div", { class: "iot-slot" });
  context.api
    .get<CertificateDetails>(`/certificates/${item.kind}/${encodeURIComponent(item.id)}`)
    .then((details) => {
      const storage = details.key_storage ?? "s3";
      keyStorage.dataset.keyStorage = storage;
      keyStorage.textContent = storage === "kms" ? " · key in KMS" : " · key in S3";
      if (details.kms_key_arn) keyStorage.title = details.kms_key_arn;
      const view = iotRegistrationView(referenceOf(item), item.status, details.iot_registration, context);
      // Not registered: the register button joins the CA's other buttons rather than taking a line of its own.
      const actions = details.iot_registration ? null : iot.parentElement?.querySelector(":scope > .actions");
      if (actions) {
        iot.remove();
        actions.append(view);
      } else iot.replaceWith(view);
    })
    .catch(() => undefined);
  return { keyStorage, iot };
}

/**
 * Shows the tree; `issued` undefined (the first load, before the census)
 * puts a placeholder where each intermediate's certificates will be.
 */
export function renderHierarchy(
  hierarchy: Hierarchy,
  issued: IssuedByIntermediate | undefined,
  context: PortalContext,
): void {
  const container = byId("hierarchy");
  if (hierarchy.roots.length === 0 && hierarchy.intermediates.length === 0) {
    container.replaceChildren(
      h("p", { class: "empty" }, "No CA yet. Start with a root CA: use the “Root CA” form under “Create”."),
    );
    return;
  }
  const rootNames = new Set(hierarchy.roots.map(subjectOf));
  const issuedBy = (intermediate: InventoryItem) => {
    const issuer = subjectOf(intermediate);
    const kinds = issued?.get(issuer);
    return kinds
      ? issuedCertificatesView(issuer, kinds, context)
      : h("p", { class: "empty loading" }, `Counting the certificates ${issuer} issued…`);
  };
  const intermediateItem = (intermediate: InventoryItem) =>
    h("li", {}, caNode(intermediate, context), issuedBy(intermediate));
  const tree = h(
    "ul",
    { class: "tree", "aria-label": "Root CAs" },
    ...hierarchy.roots.map((root) => {
      const children = hierarchy.intermediates.filter((intermediate) => intermediate.issuer === subjectOf(root));
      return h(
        "li",
        {},
        caNode(root, context),
        children.length > 0
          ? h("ul", { "aria-label": `Intermediate CAs of ${subjectOf(root)}` }, ...children.map(intermediateItem))
          : h("p", { class: "empty" }, `${subjectOf(root)} has signed no intermediate CA yet.`),
      );
    }),
  );
  const orphans = hierarchy.intermediates.filter((intermediate) => !rootNames.has(intermediate.issuer ?? ""));
  container.replaceChildren();
  append(
    container,
    tree,
    orphans.length > 0
      ? h(
          "div",
          {},
          h("h3", {}, "Intermediates whose root is not listed"),
          h("ul", { class: "tree" }, ...orphans.map(intermediateItem)),
        )
      : null,
  );
}

/** The charts in hierarchy order: each root (the intermediates it signed), then its intermediates. */
function expiryChartEntries(hierarchy: Hierarchy, census: Record<LeafKind, KindCensus>, now: Date): ExpiryChartEntry[] {
  const intermediatesByRoot = new Map<string, IssuerTally>();
  addToTally(intermediatesByRoot, hierarchy.intermediates, now);
  const intermediateEntry = (intermediate: InventoryItem): ExpiryChartEntry => {
    const issuer = subjectOf(intermediate);
    return {
      ca: issuer,
      what: { one: "certificate", many: "certificates" },
      tally: sumTallies(LEAF_KINDS.map((kind) => census[kind].byIssuer.get(issuer))),
      complete: LEAF_KINDS.every((kind) => census[kind].complete),
    };
  };
  const entries: ExpiryChartEntry[] = [];
  const rootNames = new Set(hierarchy.roots.map(subjectOf));
  for (const root of hierarchy.roots) {
    const name = subjectOf(root);
    entries.push({
      ca: name,
      what: { one: "intermediate CA", many: "intermediate CAs" },
      tally: sumTallies([intermediatesByRoot.get(name)]),
      complete: hierarchy.intermediatesComplete,
    });
    for (const intermediate of hierarchy.intermediates) {
      if (intermediate.issuer === name) entries.push(intermediateEntry(intermediate));
    }
  }
  for (const intermediate of hierarchy.intermediates) {
    if (!rootNames.has(intermediate.issuer ?? "")) entries.push(intermediateEntry(intermediate));
  }
  return entries;
}

function markOnce(name: string): void {
  if (performance.getEntriesByName(name).length === 0) performance.mark(name);
}

let generation = 0;
let shownOnce = false;

/**
 * Loads and shows the hierarchy, its certificates and the expiry chart;
 * failures are shown in place and announced. A newer refresh (after a
 * create or a revoke) makes an older one stop without showing anything: it
 * returns undefined, like a failure.
 */
export async function refreshHierarchy(context: PortalContext): Promise<Hierarchy | undefined> {
  generation += 1;
  const mine = generation;
  const stale = () => mine !== generation;
  const container = byId("hierarchy");
  const charts = byId("expiry-charts");
  container.setAttribute("aria-busy", "true");
  charts.setAttribute("aria-busy", "true");
  const now = new Date();
  // The census needs nothing from the CAs: it starts with them.
  const counting = Promise.all(LEAF_KINDS.map((kind) => takeCensus(context.api, kind, now, { cancelled: stale })));
  counting.catch(() => undefined); // awaited below, unless the CAs fail first
  try {
    const hierarchy = await loadHierarchy(context);
    if (stale()) return undefined;
    // A refresh keeps the old tree until the new one is whole; the first load shows the CAs at once.
    if (!shownOnce) {
      renderHierarchy(hierarchy, undefined, context);
      markOnce(CAS_SHOWN);
    }
    const [server, device] = await counting;
    if (stale() || !server || !device) return undefined;
    const census = { server, device };
    const issued = await loadIssued(context, hierarchy, census);
    if (stale()) return undefined;
    renderHierarchy(hierarchy, issued, context);
    renderExpiryCharts(charts, expiryChartEntries(hierarchy, census, now), now);
    shownOnce = true;
    markOnce(CERTIFICATES_SHOWN);
    return hierarchy;
  } catch (error) {
    if (stale()) return undefined;
    const detail = error instanceof ApiProblem ? error.detail : String(error);
    container.replaceChildren(h("p", { class: "form-error", role: "alert" }, `Could not load the CAs: ${detail}`));
    charts.replaceChildren(h("p", { class: "empty" }, "Nothing counted: the CAs could not be loaded."));
    announce(`Could not load the CAs: ${detail}`, "error");
    return undefined;
  } finally {
    if (!stale()) {
      container.setAttribute("aria-busy", "false");
      charts.setAttribute("aria-busy", "false");
    }
  }
}
