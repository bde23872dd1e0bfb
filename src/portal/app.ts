/**
 * The self-service portal: plain TypeScript and DOM, bundled by esbuild into
 * `app.js` beside index.html (see build-portal.ts). It talks to the API at
 * `apiBaseUrl` from `config.json`, or to the page's own origin.
 */
import { ApiClient, loadApiBaseUrl } from "./api.js";
import { buildCreateSection, suggestIssuers } from "./create.js";
import { announce, byId, h, saveFile } from "./dom.js";
import { refreshHierarchy } from "./hierarchy.js";
import { buildIotRegistrationDialog } from "./iot-registration.js";
import { type CertificateDetails, downloadFileName, subjectOf } from "./model.js";
import type { PortalContext } from "./portal-context.js";
import { buildRenewDialog } from "./renew.js";
import { buildRevokeDialog } from "./revoke.js";
import { buildSearchSection, type SearchSection } from "./search.js";

function updateNameLists(rootNames: readonly string[], intermediateNames: readonly string[]): void {
  const fill = (id: string, names: readonly string[]) => {
    byId(id).replaceChildren(...names.map((name) => h("option", { value: name })));
  };
  fill("root-names", rootNames);
  fill("intermediate-names", intermediateNames);
  fill("ca-names", [...new Set([...rootNames, ...intermediateNames])]);
}

async function start(): Promise<void> {
  const baseUrl = await loadApiBaseUrl(window.location.href);
  const api = new ApiClient(baseUrl);
  byId("api-base-url").textContent = baseUrl;

  let search: SearchSection | undefined;
  let revoke: (certificate: Parameters<PortalContext["revoke"]>[0]) => void = () => undefined;
  let renew: (certificate: Parameters<PortalContext["renew"]>[0]) => void = () => undefined;
  let registerWithIot: (ca: Parameters<PortalContext["registerWithIot"]>[0]) => void = () => undefined;

  const refreshAll = async () => {
    const hierarchy = await refreshHierarchy(context);
    if (hierarchy) {
      const rootNames = hierarchy.roots.map(subjectOf);
      const intermediateNames = hierarchy.intermediates.map(subjectOf);
      updateNameLists(rootNames, intermediateNames);
      suggestIssuers(rootNames, intermediateNames);
    }
    await search?.reload();
  };

  const context: PortalContext = {
    api,
    refresh: refreshAll,
    revoke: (certificate) => revoke(certificate),
    renew: (certificate) => renew(certificate),
    registerWithIot: (ca) => registerWithIot(ca),
    async download(certificate, part) {
      const details = await api.get<CertificateDetails>(
        `/certificates/${certificate.kind}/${encodeURIComponent(certificate.id)}`,
      );
      const content =
        part === "chain"
          ? details.certificate_chain
          : part === "fullchain"
            ? details.certificate + details.certificate_chain
            : details.certificate;
      const fileName = downloadFileName(certificate.kind, certificate.subject, part);
      saveFile(fileName, content, "application/x-pem-file");
      announce(`Downloaded ${fileName}.`);
    },
    search: (kind, issuer) => search?.searchFor(kind, issuer),
  };

  buildCreateSection(context);
  search = buildSearchSection(context);
  revoke = buildRevokeDialog(context);
  renew = buildRenewDialog(context);
  registerWithIot = buildIotRegistrationDialog(context);

  byId("refresh-hierarchy").addEventListener("click", () => {
    void refreshAll().then(() => announce("CA hierarchy reloaded."));
  });
  const tokenForm = byId<HTMLFormElement>("token-form");
  tokenForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const token = byId<HTMLInputElement>("api-token").value.trim();
    api.token = token === "" ? undefined : token;
    announce(
      token === "" ? "No token: requests are sent without one." : "Token set for this page (kept in memory only).",
    );
    void refreshAll();
  });

  await refreshAll();
  document.body.dataset.ready = "true";
}

start().catch((error: unknown) => {
  announce(`The portal failed to start: ${error instanceof Error ? error.message : String(error)}`, "error");
});
