/**
 * Reads what the local server and the build need from `template.yaml`: each
 * function's esbuild entry point and handler, and the API routes it serves.
 * The template is the single source of truth for routes, as for `sam local`.
 */
import { readFileSync } from "node:fs";
import { parse, type Tags } from "yaml";

export interface FunctionDefinition {
  /** Logical id in the template, e.g. `CreateRootCertificateAuthorityFunction`. */
  logicalId: string;
  /** The TypeScript entry point esbuild bundles (Metadata.BuildProperties.EntryPoints[0]). */
  entryPoint: string;
  /** `module.export`, e.g. `create-root-ca.handler`. */
  handler: string;
  routes: ApiRoute[];
  /** Schedule expressions of its Schedule/ScheduleV2 events (a parameter's default when given as `!Ref`). */
  schedules: string[];
}

export interface ApiRoute {
  /** Upper-case HTTP method. */
  method: string;
  /** API Gateway resource path, e.g. `/certificates/root/{name}`. */
  path: string;
}

/** A YAML collection node as plain data (scalars pass through). */
function plain(value: unknown): unknown {
  return value && typeof value === "object" && "toJSON" in value && typeof value.toJSON === "function"
    ? value.toJSON()
    : value;
}

/**
 * CloudFormation short-form intrinsics (`!Ref`, `!Sub`, …) parsed as plain
 * data (`{ "Fn::Sub": … }`), so the YAML loads and tests can inspect it.
 */
export const CLOUDFORMATION_TAGS: Tags = [
  "Ref",
  "Sub",
  "GetAtt",
  "ImportValue",
  "Join",
  "Select",
  "Split",
  "If",
  "Equals",
  "Not",
  "And",
  "Or",
  "Condition",
  "FindInMap",
  "Base64",
  "Cidr",
  "GetAZs",
].flatMap((name) =>
  (["scalar", "seq", "map"] as const).map((nodeClass) => ({
    tag: `!${name}`,
    collection: nodeClass === "scalar" ? undefined : nodeClass,
    resolve: (value: unknown) => ({ [name === "Ref" || name === "Condition" ? name : `Fn::${name}`]: plain(value) }),
  })),
) as Tags;

interface TemplateResource {
  Type?: string;
  Properties?: {
    Handler?: string;
    Events?: Record<
      string,
      {
        Type?: string;
        Properties?: { Path?: string; Method?: string; ScheduleExpression?: unknown; Schedule?: unknown };
      }
    >;
  };
  Metadata?: { BuildMethod?: string; BuildProperties?: { EntryPoints?: string[] } };
}

/** Functions of the template built with esbuild, with their API routes. */
export function readFunctions(templatePath: string): FunctionDefinition[] {
  const template = parse(readFileSync(templatePath, "utf8"), { customTags: CLOUDFORMATION_TAGS }) as {
    Parameters?: Record<string, { Default?: unknown }>;
    Resources?: Record<string, TemplateResource>;
  };
  const resolve = (value: unknown): string | undefined => {
    if (typeof value === "string") return value;
    const ref = (value as { Ref?: unknown } | undefined)?.Ref;
    const fallback = typeof ref === "string" ? template.Parameters?.[ref]?.Default : undefined;
    return typeof fallback === "string" ? fallback : undefined;
  };
  const functions: FunctionDefinition[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== "AWS::Serverless::Function") continue;
    const entryPoint = resource.Metadata?.BuildProperties?.EntryPoints?.[0];
    const handler = resource.Properties?.Handler;
    if (resource.Metadata?.BuildMethod !== "esbuild" || !entryPoint || !handler) {
      throw new Error(`${logicalId}: every function must have Handler and esbuild Metadata with EntryPoints`);
    }
    const routes = Object.values(resource.Properties?.Events ?? {})
      .filter((event) => event.Type === "Api" && event.Properties?.Path && event.Properties.Method)
      .map((event) => ({
        method: String(event.Properties?.Method).toUpperCase(),
        path: String(event.Properties?.Path),
      }));
    const schedules = Object.values(resource.Properties?.Events ?? {})
      .filter((event) => event.Type === "Schedule" || event.Type === "ScheduleV2")
      .flatMap((event) => {
        const expression = resolve(event.Properties?.ScheduleExpression ?? event.Properties?.Schedule);
        return expression ? [expression] : [];
      });
    functions.push({ logicalId, entryPoint, handler, routes, schedules });
  }
  return functions;
}

/** The bundle file of a function, relative to the output directory: `<LogicalId>/<module>.mjs`. */
export function bundlePath(fn: FunctionDefinition): string {
  const module = fn.handler.slice(0, fn.handler.lastIndexOf("."));
  return `${fn.logicalId}/${module}.mjs`;
}
