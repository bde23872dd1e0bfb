/**
 * How a certificate is shown wherever it appears (hierarchy and search):
 * its status in words and an icon (never colour alone), its expiry date,
 * and buttons to download it or revoke it.
 */
import { announce, h, hiddenText } from "./dom.js";
import {
  classifyExpiry,
  type DownloadPart,
  type ExpiryState,
  formatDate,
  type InventoryItem,
  identifierOf,
  type Kind,
  type Status,
  subjectOf,
} from "./model.js";
import type { CertificateRef, PortalContext } from "./portal-context.js";

const ICONS: Record<ExpiryState, string> = { valid: "✓", expiring: "⚠", expired: "✕", revoked: "⊘" };

export const KIND_LABELS: Record<Kind, string> = {
  root: "Root CA",
  intermediate: "Intermediate CA",
  server: "Server",
  device: "Device",
};

/** The status in words with an icon; `data-state` carries revoked/expired/expiring/valid. */
export function statusBadge(status: Status, notAfter: string, now = new Date()): HTMLElement {
  const expiry = classifyExpiry(status, notAfter, now);
  return h(
    "span",
    { class: `badge badge-${expiry.state}`, "data-state": expiry.state },
    h("span", { "aria-hidden": "true", class: "badge-icon" }, ICONS[expiry.state]),
    ` ${expiry.label}`,
  );
}

/** The expiry date; full timestamp on hover. */
export function expiryDate(notAfter: string): HTMLElement {
  return h("time", { datetime: notAfter, title: notAfter }, formatDate(notAfter));
}

export function referenceOf(item: InventoryItem): CertificateRef {
  return {
    kind: item.kind,
    id: identifierOf(item.kind, item),
    subject: subjectOf(item),
    serialNumber: item.serial_number,
  };
}

/**
 * Download, renew and revoke buttons for one certificate. Roots cannot be
 * revoked, CAs are not renewed here, revoked certificates neither renewed nor revoked again.
 */
export function actionButtons(reference: CertificateRef, status: Status, context: PortalContext): HTMLElement {
  const button = (label: string, part: DownloadPart) => {
    const element = h(
      "button",
      { type: "button", class: "small", "aria-label": `${label} of ${reference.subject}` },
      label,
    );
    element.addEventListener("click", () => {
      context.download(reference, part).catch((error: unknown) => {
        announce(`Download failed: ${error instanceof Error ? error.message : String(error)}`, "error");
      });
    });
    return element;
  };
  const buttons: HTMLElement[] = [button("Certificate", "certificate")];
  if (reference.kind !== "root") buttons.push(button("Chain", "chain"));
  if ((reference.kind === "server" || reference.kind === "device") && status !== "revoked") {
    const renew = h(
      "button",
      { type: "button", class: "small", "aria-label": `Renew ${reference.subject}…` },
      "Renew…",
    );
    renew.addEventListener("click", () => context.renew(reference));
    buttons.push(renew);
  }
  if (reference.kind !== "root" && status !== "revoked") {
    const revoke = h(
      "button",
      { type: "button", class: "small danger", "aria-label": `Revoke ${reference.subject}…` },
      "Revoke…",
    );
    revoke.addEventListener("click", () => context.revoke(reference));
    buttons.push(revoke);
  }
  return h("div", { class: "actions" }, ...buttons);
}

/** A table of certificates (hierarchy leaves or a search page). */
export function certificateTable(
  items: readonly InventoryItem[],
  context: PortalContext,
  options: { caption: string; showKind?: boolean; showIssuer?: boolean; captionHidden?: boolean },
): HTMLElement {
  const now = new Date();
  const headers = [
    "Name",
    ...(options.showKind ? ["Kind"] : []),
    ...(options.showIssuer ? ["Issuer"] : []),
    "Serial",
    "Expires",
    "Status",
    "Actions",
  ];
  const rows = items.map((item) => {
    const state = classifyExpiry(item.status, item.not_after, now).state;
    return h(
      "tr",
      { class: `row-${state}`, "data-serial": item.serial_number, "data-subject": subjectOf(item) },
      h("th", { scope: "row", class: "subject" }, subjectOf(item)),
      options.showKind ? h("td", {}, KIND_LABELS[item.kind]) : null,
      options.showIssuer ? h("td", {}, item.issuer ?? "—") : null,
      h(
        "td",
        {},
        h(
          "code",
          { title: item.serial_number, class: "serial", "aria-hidden": "true" },
          `${item.serial_number.slice(0, 8)}…`,
        ),
        hiddenText(item.serial_number),
      ),
      h("td", {}, expiryDate(item.not_after)),
      h("td", {}, statusBadge(item.status, item.not_after, now)),
      h("td", {}, actionButtons(referenceOf(item), item.status, context)),
    );
  });
  return h(
    "div",
    { class: "table-scroll" },
    h(
      "table",
      { class: "certificates" },
      h("caption", { class: options.captionHidden ? "visually-hidden" : undefined }, options.caption),
      h("thead", {}, h("tr", {}, ...headers.map((header) => h("th", { scope: "col" }, header)))),
      h("tbody", {}, ...rows),
    ),
  );
}
