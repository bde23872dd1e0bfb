/**
 * The three descriptions of the API's routes, each as a set of
 * `METHOD /path` strings: the SAM template's Api events, the routes the local
 * server prints when it starts, and the OpenAPI document's paths and methods.
 */
import { readFunctions } from "../../../src/local/sam-template.js";

/** `METHOD /path` of every Api event in template.yaml. */
export function templateRoutes(templatePath = "template.yaml"): string[] {
  return readFunctions(templatePath)
    .flatMap((fn) => fn.routes.map((route) => `${route.method.toUpperCase()} ${route.path}`))
    .sort();
}

/** The route lines the local server prints at start-up (`  METHOD  /path`). */
export function serverRoutes(output: string): string[] {
  return output
    .split("\n")
    .flatMap((line) => {
      const match = /^ {2}([A-Z]+) +(\/\S*)\s*$/.exec(line);
      return match ? [`${match[1]} ${match[2]}`] : [];
    })
    .sort();
}

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** `METHOD /path` of every operation of an OpenAPI 3 document. */
export function openApiRoutes(document: { paths?: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(document.paths ?? {})
    .flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => HTTP_METHODS.includes(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    )
    .sort();
}
