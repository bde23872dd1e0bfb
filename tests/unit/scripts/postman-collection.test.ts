/**
 * The shipped Postman collection is what `npm run postman` makes of this
 * checkout's OpenAPI document (so it cannot fall behind a route or a schema),
 * and the runnable step does what docs/postman.md says: one request per
 * request example, serials captured from the issuance responses into the
 * variables the requests by serial use, a fresh Idempotency-Key per POST,
 * tests on every request. Running it is tests/e2e/api/postman.test.ts.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  COLLECTION_PATH,
  collectionRequests,
  convertOpenApi,
  postmanCollection,
} from "../../../scripts/postman-collection.js";
import { openApiDocument } from "../../../src/http/api-description.js";

const document = openApiDocument() as any;

function testScript(item: any): string {
  return (item.event ?? [])
    .filter((event: any) => event.listen === "test")
    .flatMap((event: any) => event.script.exec)
    .join("\n");
}

function route(item: any): string {
  return `${item.request.method} /${item.request.url.path.join("/")}`;
}

describe("postman/iot-certificates.postman_collection.json", () => {
  it("is what `npm run postman` makes of the current OpenAPI document (run it after changing the API)", async () => {
    const shipped = JSON.parse(readFileSync(COLLECTION_PATH, "utf8"));
    expect(shipped).toEqual(await postmanCollection(document));
  });
});

describe("the runnable collection", () => {
  it("has one request per request example, in the document's order, each with tests", async () => {
    const collection = await postmanCollection(document);
    const requests = collectionRequests(collection);
    expect(requests.map((item) => item.name).slice(0, 6)).toEqual([
      "Create a self-signed root CA",
      "Create an intermediate CA signed by a root (devices)",
      "Create an intermediate CA signed by a root (servers)",
      expect.stringMatching(/^Register a root CA with AWS IoT Core /),
      expect.stringMatching(/^Register an intermediate CA with AWS IoT Core /),
      expect.stringMatching(/^Issue a server certificate .* \(broker\)$/),
    ]);
    expect(requests).toHaveLength(30);
    expect(collection.item.map((folder: any) => folder.name)).toEqual([
      "Certificate authorities",
      "Issuance",
      "Inventory",
      "Renewal",
      "Revocation",
      "CRLs",
      "Description",
    ]);
    const servers = requests.find((item) => item.name.endsWith("(servers)"));
    expect(JSON.parse(servers?.request.body.raw)).toMatchObject({ name: "servers", issuer: "default" });
    for (const item of requests) {
      expect(testScript(item), item.name).toContain("pm.expect(pm.response.code).to.be.oneOf(");
    }
  });

  it("captures the issued serials and uses them in the requests by serial number", async () => {
    const requests = collectionRequests(await postmanCollection(document));
    const issuing = requests.filter((item) => /^POST \/certificates\/(server|device)$/.test(route(item)));
    expect(issuing.map(testScript).map((script) => /collectionVariables\.set\("(\w+)"/.exec(script)?.[1])).toEqual([
      "server_serial_number",
      undefined, // the PKCS#12 example: the requests by serial are about the first one
      "device_serial_number",
      undefined,
      undefined,
    ]);
    for (const kind of ["server", "device"]) {
      const bySerial = requests.filter((item) => route(item).startsWith(`POST /certificates/${kind}/:serial_number`));
      bySerial.push(...requests.filter((item) => route(item) === `GET /certificates/${kind}/:serial_number`));
      // get, renew, revoke; and for a device its AWS IoT Core registration
      expect(bySerial).toHaveLength(kind === "device" ? 4 : 3);
      for (const item of bySerial) {
        expect(item.request.url.variable).toEqual([
          expect.objectContaining({ key: "serial_number", value: `{{${kind}_serial_number}}` }),
        ]);
      }
    }
  });

  it("sends a fresh Idempotency-Key with every POST, and leaves the optional query parameters unticked", async () => {
    for (const item of collectionRequests(await postmanCollection(document))) {
      const keys = (item.request.header ?? []).filter((header: any) => header.key === "Idempotency-Key");
      if (item.request.method === "POST")
        expect(keys, item.name).toEqual([expect.objectContaining({ value: "{{$guid}}", disabled: false })]);
      else expect(keys).toEqual([]);
      for (const query of item.request.url.query ?? []) expect(query.disabled, `${item.name} ${query.key}`).toBe(true);
    }
  });

  it("authenticates with the local token by default, and with AWS Signature for execute-api when asked", async () => {
    expect((await postmanCollection(document)).auth).toEqual({
      type: "bearer",
      bearer: [{ key: "token", value: "{{local_api_token}}", type: "string" }],
    });
    const aws = await postmanCollection(document, { auth: "aws" });
    expect(aws.auth.type).toBe("awsv4");
    expect(aws.auth.awsv4).toContainEqual({ key: "service", value: "execute-api", type: "string" });
    expect(aws.variable.map((variable: any) => variable.key)).toEqual(
      expect.arrayContaining(["baseUrl", "aws_access_key_id", "aws_secret_access_key", "aws_region"]),
    );
  });

  it("the plain conversion (what importing the document gives) fills bodies and parameters from the examples", async () => {
    const requests = collectionRequests(await convertOpenApi(document));
    expect(requests).toHaveLength(25);
    const root = requests.find((item) => route(item) === "POST /certificates/root");
    expect(JSON.parse(root?.request.body.raw)).toEqual(
      document.paths["/certificates/root"].post.requestBody.content["application/json"].examples.default.value,
    );
    const text = JSON.stringify(requests);
    expect(text).not.toMatch(/<(string|integer|number|boolean)>/);
  });
});
