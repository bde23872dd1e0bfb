/**
 * The inventory search: one kind, filtered by issuer, status and expiry
 * (`GET /certificates/{kind}?issuer=&status=&expires_before=&limit=`), paged
 * with the API's `next_token` (earlier pages' tokens are kept for "Previous").
 */
import { ApiProblem } from "./api.js";
import { certificateTable } from "./certificate-table.js";
import { announce, byId, h } from "./dom.js";
import { bodyOf, clearErrors, type Field, formErrorElement, selectField, showProblem, textField } from "./forms.js";
import { type InventoryPage, type Kind, STATUSES } from "./model.js";
import type { PortalContext } from "./portal-context.js";

const KIND_PLURALS: Record<Kind, string> = {
  root: "root CAs",
  intermediate: "intermediate CAs",
  server: "server certificates",
  device: "device certificates",
};

interface SearchState {
  kind: Kind;
  query: Record<string, string>;
  /** Token of each page shown so far (undefined for the first). */
  tokens: (string | undefined)[];
  page?: InventoryPage;
}

export interface SearchSection {
  /** Runs a new search of a kind and issuer, from the first page. */
  searchFor(kind: Kind, issuer: string): void;
  /** Reloads the page on screen, if any (after a revoke). */
  reload(): Promise<void>;
}

export function buildSearchSection(context: PortalContext): SearchSection {
  const formId = "search";
  const kind = selectField(
    formId,
    "kind",
    "Kind",
    [
      { value: "server", label: "Servers" },
      { value: "device", label: "Devices" },
      { value: "intermediate", label: "Intermediate CAs" },
      { value: "root", label: "Root CAs" },
    ],
    { local: true },
  );
  const issuer = textField(formId, "issuer", "Issuer (CA name)", { list: "ca-names" });
  const status = selectField(formId, "status", "Status", [
    { value: "", label: "Any status" },
    ...STATUSES.map((value) => ({ value, label: value[0]?.toUpperCase() + value.slice(1) })),
  ]);
  const expiresBefore = textField(formId, "expires_before", "Expires before", { type: "date" });
  const limit = selectField(
    formId,
    "limit",
    "Per page",
    ["10", "25", "100"].map((value) => ({ value, label: value })),
    { value: "25" },
  );
  const fields: Field[] = [kind, issuer, status, expiresBefore, limit];
  const form = h(
    "form",
    { id: "search-form", class: "search-form", novalidate: true, role: "search", "aria-label": "Certificates" },
    h("div", { class: "field-row" }, ...fields.map((field) => field.wrapper)),
    formErrorElement(),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "primary" }, "Search")),
  );
  const results = byId("search-results");
  byId("search-form-slot").replaceWith(form);

  let state: SearchState | undefined;

  const show = async (next: SearchState, focusResults: boolean, quiet = false) => {
    clearErrors(form);
    results.setAttribute("aria-busy", "true");
    try {
      const token = next.tokens.at(-1);
      const page = await context.api.get<InventoryPage>(`/certificates/${next.kind}`, {
        ...next.query,
        next_token: token,
      });
      state = { ...next, page };
      render(state);
      const number = state.tokens.length;
      if (!quiet)
        announce(
          `Page ${number}: ${page.items.length} ${KIND_PLURALS[next.kind]}${page.next_token ? "; more on the next page" : ""}.`,
        );
      if (focusResults) byId("search-results-heading").focus();
    } catch (error) {
      const problem = error instanceof ApiProblem ? error : new ApiProblem(0, "Error", String(error));
      showProblem(form, fields, problem);
      announce(`Search failed: ${problem.detail}`, "error");
    } finally {
      results.setAttribute("aria-busy", "false");
    }
  };

  const render = (current: SearchState) => {
    const page = current.page;
    if (!page) return;
    const pageNumber = current.tokens.length;
    const previous = h("button", { type: "button", disabled: pageNumber <= 1 }, "‹ Previous page");
    const next = h("button", { type: "button", disabled: !page.next_token }, "Next page ›");
    previous.addEventListener("click", () => {
      void show({ ...current, tokens: current.tokens.slice(0, -1) }, true);
    });
    next.addEventListener("click", () => {
      if (page.next_token) void show({ ...current, tokens: [...current.tokens, page.next_token] }, true);
    });
    const caption = `${KIND_PLURALS[current.kind][0]?.toUpperCase()}${KIND_PLURALS[current.kind].slice(1)}, page ${pageNumber}`;
    results.replaceChildren(
      h("h3", { id: "search-results-heading", tabindex: "-1" }, `Results: ${caption}`),
      page.items.length === 0
        ? h("p", { class: "empty" }, "No certificate matches.")
        : certificateTable(page.items, context, {
            caption,
            captionHidden: true,
            showIssuer: current.kind !== "root",
          }),
      h(
        "nav",
        { class: "pager", "aria-label": "Result pages" },
        previous,
        h("span", { class: "page-number" }, `Page ${pageNumber}`),
        next,
      ),
    );
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void show({ kind: kind.control.value as Kind, query: bodyOfStrings(fields), tokens: [undefined] }, false);
  });

  return {
    searchFor(searchKind, searchIssuer) {
      kind.control.value = searchKind;
      issuer.control.value = searchIssuer;
      status.control.value = "";
      expiresBefore.control.value = "";
      void show({ kind: searchKind, query: bodyOfStrings(fields), tokens: [undefined] }, true);
      byId("search-section").scrollIntoView({ block: "start" });
    },
    async reload() {
      if (state) await show(state, false, true);
    },
  };
}

function bodyOfStrings(fields: readonly Field[]): Record<string, string> {
  return Object.fromEntries(Object.entries(bodyOf(fields)).map(([name, value]) => [name, String(value)]));
}
