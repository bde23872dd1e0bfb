import type { APIGatewayProxyEvent } from "aws-lambda";

/** The value of a request header, matched case-insensitively. */
export function headerValue(event: APIGatewayProxyEvent, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === lower)?.[1] ?? undefined;
}
