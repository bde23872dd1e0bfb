/** `GET /openapi.json`: the OpenAPI 3 description, built from the request schemas. */
import { openApiDocument } from "../api-description.js";
import { apiHandler, jsonResponse } from "../api-handler.js";
import { headerValue } from "../header-value.js";

export const handler = apiHandler(async (event) => {
  const host = headerValue(event, "host");
  const stage = event.requestContext?.stage;
  const server =
    host === undefined
      ? undefined
      : host.startsWith("127.0.0.1") || host.startsWith("localhost") || stage === "local"
        ? `http://${host}`
        : `https://${host}/${stage ?? ""}`.replace(/\/$/, "");
  return jsonResponse(200, openApiDocument(server));
});
