/**
 * A few DOM helpers. Text always goes in as text nodes (never innerHTML), so
 * nothing the API returns can become markup.
 */

/** What an element may hold: nodes, text, and nothing (null, undefined, false are skipped). */
export type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | null | undefined>;

/** Creates an element with attributes (true → present, false/null/undefined → absent) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" || typeof child === "number" ? text(String(child)) : child);
  }
}

export function text(value: string): Text {
  return document.createTextNode(value);
}

/** Text only screen readers read (e.g. the subject a "Revoke" button acts on). */
export function hiddenText(value: string): HTMLSpanElement {
  return h("span", { class: "visually-hidden" }, value);
}

/** The element with this id, or an error naming the missing id (index.html and app.ts disagree). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no element #${id}`);
  return element as T;
}

let announcementTimer: ReturnType<typeof setTimeout> | undefined;

/** Puts a message in the polite live region (re-announced even when it repeats). */
export function announce(message: string, tone: "info" | "success" | "error" = "info"): void {
  const region = byId("status");
  region.textContent = "";
  region.dataset.tone = tone;
  clearTimeout(announcementTimer);
  announcementTimer = setTimeout(() => {
    region.textContent = message;
  }, 50);
}

/** Saves content as a file through a temporary object URL and a download link. */
export function saveFile(fileName: string, content: string | Uint8Array<ArrayBuffer>, type: string): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = h("a", { href: url, download: fileName, class: "visually-hidden" }, fileName);
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
