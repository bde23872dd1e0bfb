/**
 * Issue 15, item 6: every operation of the OpenAPI document carries
 * examples, and every request example is valid: it passes the very zod
 * schema the handler validates that body, path parameter or query with (a
 * generated client sends them as they are). The examples also form one walk:
 * every CA a request names was created by an earlier request.
 */
import { describe, expect, it } from "vitest";
import { API_OPERATIONS, API_TAGS, openApiDocument, operationId } from "../../../src/http/api-description.js";

const document = openApiDocument() as any;

type DocumentOperation = { method: string; path: string; operation: any };

function documentOperations(): DocumentOperation[] {
  return Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ method, path, operation })),
  );
}

function source(method: string, path: string) {
  const operation = API_OPERATIONS.find((candidate) => candidate.method === method && candidate.path === path);
  if (!operation) throw new Error(`${method} ${path} is not in API_OPERATIONS`);
  return operation;
}

describe("examples of the OpenAPI document", () => {
  it.each(documentOperations().map((entry) => [`${entry.method.toUpperCase()} ${entry.path}`, entry] as const))(
    "%s: every request example passes the handler's schema",
    (_, { method, path, operation }) => {
      const { body, query, pathParameters } = source(method, path);

      const bodyExamples = Object.entries<any>(operation.requestBody?.content?.["application/json"]?.examples ?? {});
      expect(bodyExamples.length > 0, "a request body without examples").toBe(body !== undefined);
      for (const [name, example] of bodyExamples) {
        const result = body?.safeParse(example.value);
        expect(result?.error?.issues, `request example ${name}`).toBeUndefined();
        expect(example.summary, `request example ${name}`).toEqual(expect.any(String));
      }

      const queryValues: Record<string, string> = {};
      for (const parameter of operation.parameters) {
        expect(parameter.example, `${parameter.in} parameter ${parameter.name}`).toEqual(expect.any(String));
        if (parameter.in === "path") {
          const schema = pathParameters?.[parameter.name]?.schema;
          expect(schema?.safeParse(parameter.example).success, `path parameter ${parameter.name}`).toBe(true);
        }
        if (parameter.in === "query") {
          queryValues[parameter.name] = parameter.example;
          const result = query?.safeParse({ [parameter.name]: parameter.example });
          expect(result?.error?.issues, `query parameter ${parameter.name}`).toBeUndefined();
        }
      }
      // Postman's importer can send every optional parameter at once: together they must pass too.
      if (query) expect(query.safeParse(queryValues).error?.issues).toBeUndefined();
    },
  );

  it("every response documents an example, except the binary CRL and the document itself", () => {
    for (const { method, path, operation } of documentOperations()) {
      for (const [status, response] of Object.entries<any>(operation.responses)) {
        const media = Object.entries<any>(response.content ?? {});
        expect(media.length, `${method} ${path} ${status}`).toBeGreaterThan(0);
        const documented = media.filter(([, content]) => content.example !== undefined || content.examples);
        if (path === "/openapi.json") continue;
        expect(documented.length, `${method} ${path} ${status} has no example`).toBeGreaterThan(0);
        if (status.startsWith("4") || status.startsWith("5")) {
          const [, content] = documented[0] as [string, any];
          const example = content.example ?? (Object.values<any>(content.examples)[0] as any).value;
          expect(example).toMatchObject({ type: expect.stringMatching(/^urn:iot-certificates:problem:/) });
          expect(example.status, `${method} ${path} ${status}`).toBe(Number(status));
          expect(example.detail).toEqual(expect.any(String));
        }
      }
    }
  });

  it("a request example's response is the example of the same name, when there is one", () => {
    for (const { method, path, operation } of documentOperations()) {
      const requests = Object.keys(operation.requestBody?.content?.["application/json"]?.examples ?? {});
      const success = Object.entries<any>(operation.responses).find(([status]) => status.startsWith("2"))?.[1];
      const responses = Object.keys(success?.content?.["application/json"]?.examples ?? {});
      if (requests.length > 1) expect(responses, `${method} ${path}`).toEqual(requests);
    }
  });
});

describe("one walk through the API", () => {
  it("operations are tagged in the order of the walk, and listed in that order", () => {
    expect(document.tags.map((tag: any) => tag.name)).toEqual(API_TAGS.map((tag) => tag.name));
    const order = API_OPERATIONS.map((operation) => API_TAGS.findIndex((tag) => tag.name === operation.tag));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    for (const { operation } of documentOperations()) expect(operation.tags).toHaveLength(1);
  });

  it("every CA a request names (issuer, path name) was created by an earlier request of the walk", () => {
    const created = { root: new Set<string>(), intermediate: new Set<string>() };
    for (const operation of API_OPERATIONS) {
      const bodies = Object.values(operation.requestExamples ?? {}).map((example) => example.value as any);
      const kind = /^\/(?:certificates|crl)\/(root|intermediate)\b/.exec(operation.path)?.[1] as
        | "root"
        | "intermediate"
        | undefined;
      const named = operation.pathParameters?.name?.example;
      if (kind && named !== undefined) expect(created[kind].has(named), `${operation.path} names ${named}`).toBe(true);
      for (const body of bodies) {
        if (body.issuer !== undefined) {
          const issuerKind = operation.path === "/certificates/intermediate" ? "root" : "intermediate";
          expect(created[issuerKind].has(body.issuer), `${operation.path}: issuer ${body.issuer}`).toBe(true);
        }
      }
      if (operation.path === "/certificates/root") for (const body of bodies) created.root.add(body.name);
      if (operation.path === "/certificates/intermediate")
        for (const body of bodies) created.intermediate.add(body.name);
    }
    expect([...created.intermediate]).toEqual(["devices", "servers"]);
  });

  it("the serial numbers the walk needs are linked from the responses that issue them", () => {
    for (const kind of ["server", "device"]) {
      const links = document.paths[`/certificates/${kind}`].post.responses["201"].links;
      const targets = Object.values<any>(links).map((link) => link.operationId);
      expect(targets.sort()).toEqual(
        [
          operationId({ method: "get", path: `/certificates/${kind}/{serial_number}` }),
          operationId({ method: "post", path: `/certificates/${kind}/{serial_number}/renew` }),
          operationId({ method: "post", path: `/certificates/${kind}/{serial_number}/revoke` }),
          // A device certificate may be registered with AWS IoT Core after its issuance.
          ...(kind === "device"
            ? [operationId({ method: "post", path: "/certificates/device/{serial_number}/iot-registration" })]
            : []),
        ].sort(),
      );
      for (const link of Object.values<any>(links)) {
        expect(link.parameters).toEqual({ serial_number: "$response.body#/serial_number" });
      }
    }
  });
});
