/**
 * The CA hierarchy: roots, the intermediates each signed, and the server and
 * device certificates each intermediate issued (`GET /certificates/{kind}?issuer=…`),
 * with expiry dates and revocation status.
 */
import { ApiProblem } from "./api.js";
import { actionButtons, certificateTable, expiryDate, referenceOf, statusBadge } from "./certificate-table.js";
import { announce, append, byId, h } from "./dom.js";
import { classifyExpiry, type InventoryItem, type InventoryPage, type Kind, subjectOf } from "./model.js";
import type { PortalContext } from "./portal-context.js";

/** Leaves shown per intermediate and kind; the rest are a search away. */
export const LEAVES_PER_ISSUER = 50;
/** CAs are few; this many pages of 1,000 is plenty. */
const MAX_CA_PAGES = 5;

export interface Hierarchy {
  roots: InventoryItem[];
  intermediates: InventoryItem[];
  leaves: Map<string, { server: InventoryPage; device: InventoryPage }>;
}

async function listAll(context: PortalContext, kind: Kind): Promise<InventoryItem[]> {
  const items: InventoryItem[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_CA_PAGES; page += 1) {
    const result = await context.api.get<InventoryPage>(`/certificates/${kind}`, { limit: "1000", next_token: token });
    items.push(...result.items);
    if (!result.next_token) break;
    token = result.next_token;
  }
  return items.sort((a, b) => subjectOf(a).localeCompare(subjectOf(b)));
}

export async function loadHierarchy(context: PortalContext): Promise<Hierarchy> {
  const [roots, intermediates] = await Promise.all([listAll(context, "root"), listAll(context, "intermediate")]);
  const leaves = new Map<string, { server: InventoryPage; device: InventoryPage }>();
  await Promise.all(
    intermediates.map(async (intermediate) => {
      const issuer = subjectOf(intermediate);
      const query = { issuer, limit: String(LEAVES_PER_ISSUER) };
      const [server, device] = await Promise.all([
        context.api.get<InventoryPage>("/certificates/server", query),
        context.api.get<InventoryPage>("/certificates/device", query),
      ]);
      leaves.set(issuer, { server, device });
    }),
  );
  return { roots, intermediates, leaves };
}

function caNode(item: InventoryItem, context: PortalContext): HTMLElement {
  const state = classifyExpiry(item.status, item.not_after).state;
  return h(
    "div",
    { class: `node node-${item.kind} row-${state}`, "data-subject": subjectOf(item), "data-kind": item.kind },
    h("span", { class: "kind-tag" }, item.kind === "root" ? "Root CA" : "Intermediate CA"),
    h("strong", { class: "subject" }, subjectOf(item)),
    h("span", { class: "meta" }, "expires ", expiryDate(item.not_after), ` · ${item.key_algorithm}`),
    statusBadge(item.status, item.not_after),
    actionButtons(referenceOf(item), item.status, context),
  );
}

function leavesOf(intermediate: InventoryItem, hierarchy: Hierarchy, context: PortalContext): HTMLElement {
  const issuer = subjectOf(intermediate);
  const pages = hierarchy.leaves.get(issuer);
  const items = [...(pages?.server.items ?? []), ...(pages?.device.items ?? [])];
  const more: HTMLElement[] = [];
  for (const kind of ["server", "device"] as const) {
    if (pages?.[kind].next_token) {
      const button = h("button", { type: "button", class: "link" }, `Search all ${kind} certificates of ${issuer}`);
      button.addEventListener("click", () => context.search(kind, issuer));
      more.push(h("p", { class: "more" }, `Showing the first ${LEAVES_PER_ISSUER} ${kind} certificates. `, button));
    }
  }
  if (items.length === 0) return h("p", { class: "empty" }, `${issuer} has issued no certificates yet.`);
  const servers = pages?.server.items.length ?? 0;
  const devices = pages?.device.items.length ?? 0;
  const summary = `Issued by ${issuer}: ${servers} server, ${devices} device certificate${devices === 1 ? "" : "s"}`;
  return h(
    "details",
    { class: "leaves", open: true },
    h("summary", {}, summary),
    certificateTable(items, context, { caption: summary, captionHidden: true, showKind: true }),
    ...more,
  );
}

export function renderHierarchy(hierarchy: Hierarchy, context: PortalContext): void {
  const container = byId("hierarchy");
  if (hierarchy.roots.length === 0 && hierarchy.intermediates.length === 0) {
    container.replaceChildren(
      h("p", { class: "empty" }, "No CA yet. Start with a root CA: use the “Root CA” form under “Create”."),
    );
    return;
  }
  const rootNames = new Set(hierarchy.roots.map(subjectOf));
  const intermediateItem = (intermediate: InventoryItem) =>
    h("li", {}, caNode(intermediate, context), leavesOf(intermediate, hierarchy, context));
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

/** Loads and shows the hierarchy; failures are shown in place and announced. */
export async function refreshHierarchy(context: PortalContext): Promise<Hierarchy | undefined> {
  const container = byId("hierarchy");
  container.setAttribute("aria-busy", "true");
  try {
    const hierarchy = await loadHierarchy(context);
    renderHierarchy(hierarchy, context);
    return hierarchy;
  } catch (error) {
    const detail = error instanceof ApiProblem ? error.detail : String(error);
    container.replaceChildren(h("p", { class: "form-error", role: "alert" }, `Could not load the CAs: ${detail}`));
    announce(`Could not load the CAs: ${detail}`, "error");
    return undefined;
  } finally {
    container.setAttribute("aria-busy", "false");
  }
}
