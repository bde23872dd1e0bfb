/**
 * `iot-certs`: the certificates API for scripts and CI.
 *
 *   iot-certs init                                   root + servers and devices intermediates
 *   iot-certs server --fqdn broker.dev.example.com --out ./broker   (with a mosquitto.conf)
 *   iot-certs device --count 500 --out ./fleet       (or --device-id X [--csr file])
 *   iot-certs list device [--all] [--issuer devices] [--status valid]
 *   iot-certs revoke device <serial> [--reason keyCompromise]
 *   iot-certs renew <serial> --out ./certs [--revoke-previous]   (new files beside the old ones)
 *   iot-certs bundle [--root default] [--out ca.crt]
 *   iot-certs events [--follow]                        the local store's events.jsonl
 *   iot-certs expiry-scan                              the expiry scan, once, on the configured store
 *
 * The API: --api, else $IOT_CERTS_API, else the local server at
 * http://127.0.0.1:$PORT (default 3000).
 *
 * Exit codes: 0 done; 1 the API refused or failed (its problem detail is
 * printed); 2 wrong usage; 3 a file exists and --force was not given;
 * 4 `init --strict` found an existing CA that differs from what was asked.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadScheduledFunctions } from "../local/scheduled-functions.js";
import { resolveApiAddress, unreachableApiHint } from "./api-address.js";
import { ApiClient, ApiError } from "./api-client.js";
import { followEvents } from "./event-log.js";
import { DEFAULT_MQTT_TLS_PORT, mosquittoConfig } from "./mosquitto-config.js";

const USAGE = `Usage: iot-certs <command> [options]

Commands:
  init                 create a root CA and its "servers" and "devices" intermediates; existing ones are
                       reused and reported with their key algorithm (--strict: fail if it differs from asked)
  server               issue a broker/server certificate: --fqdn NAME [--san NAME]... --out DIR
                       (DIR gets ca.crt, server.crt, server.key and a mosquitto.conf; --mqtt-port N, default ${DEFAULT_MQTT_TLS_PORT})
  device               issue device certificates: --count N | --device-id ID [--csr FILE] --out DIR
                       --iot: also register each with AWS IoT Core, on a thing named after the device
                       (--thing NAME for one device), [--policy NAME] [--without-ca]
  list KIND            list root|intermediate|server|device certificates [--all] [--issuer] [--status] [--limit]
  revoke KIND ID       revoke an intermediate (by name) or a server/device certificate (by serial) [--reason]
  renew [KIND] SERIAL  renew a server/device certificate into --out DIR (where its files are): new files named
                       with the new serial beside the old ones; --force replaces the old ones instead
                       [--validity-days N] [--csr FILE] [--reuse-key] [--revoke-previous]
  bundle               write the trust bundle (root certificate) [--root NAME] [--out FILE]
  iot register-ca NAME register a CA with AWS IoT Core (the local store's stand-in without AWS):
                       [--kind intermediate|root] (default intermediate) [--mode SNI_ONLY|DEFAULT]
                       [--jitp] (just-in-time provisioning with the default template) [--auto-registration]
  events               print the local store's certificate events [--follow] [--store DIR] (default
                       $LOCAL_STORE_DIR or .local-store)
  expiry-scan          run the expiry scan once on the configured store (local store, or the bucket of
                       $CERTIFICATE_BUCKET_NAME with events to $EVENT_BUS_NAME)

Options:
  --api URL            API base URL (default $IOT_CERTS_API, else the local server at http://127.0.0.1:$PORT,
                       PORT default 3000)
  --token TOKEN        bearer token of a local server (default $LOCAL_API_TOKEN)
  --sigv4              sign requests with AWS SigV4 (automatic for *.amazonaws.com); --region REGION
  --json               machine-readable output on stdout
  --force              overwrite existing files (renew: replace the old certificate's files)
  --issuer NAME        signing CA (init: --root, --servers, --devices name the CAs)
  --key-algorithm ALG  RSA-2048 (default), RSA-3072, RSA-4096, EC-P256, EC-P384, Ed25519 (devices)
  --key-storage WHERE  init: where the CA keys are kept: s3 (a PEM in the store) or kms (AWS KMS, needs a
                       bucket); default: the API's (DEFAULT_CA_KEY_STORAGE, s3 unless set)
  --validity-days N, --country CC, --organization ORG

Exit codes: 0 done, 1 API error, 2 usage error, 3 file exists (use --force),
4 init --strict: an existing CA differs from what was asked,
5 device --iot: certificates issued and written, but an AWS IoT Core step failed (the retry is printed).`;

class UsageError extends Error {}
class FileExistsError extends Error {}
/** `init --strict` found an existing CA that is not what was asked for. */
class ExistingCaMismatchError extends Error {}
/** Exit code of `device --iot` when a certificate was issued and written but its IoT registration failed. */
const EXIT_IOT_STEP_FAILED = 5;

const options = {
  api: { type: "string" },
  token: { type: "string" },
  sigv4: { type: "boolean" },
  region: { type: "string" },
  json: { type: "boolean" },
  force: { type: "boolean" },
  strict: { type: "boolean" },
  "mqtt-port": { type: "string" },
  out: { type: "string" },
  fqdn: { type: "string" },
  san: { type: "string", multiple: true },
  count: { type: "string" },
  "device-id": { type: "string" },
  csr: { type: "string" },
  issuer: { type: "string" },
  root: { type: "string" },
  servers: { type: "string" },
  devices: { type: "string" },
  intermediate: { type: "string" },
  "key-algorithm": { type: "string" },
  "key-storage": { type: "string" },
  "validity-days": { type: "string" },
  country: { type: "string" },
  organization: { type: "string" },
  reason: { type: "string" },
  all: { type: "boolean" },
  limit: { type: "string" },
  status: { type: "string" },
  "expires-before": { type: "string" },
  "reuse-key": { type: "boolean" },
  "revoke-previous": { type: "boolean" },
  follow: { type: "boolean", short: "f" },
  store: { type: "string" },
  kind: { type: "string" },
  mode: { type: "string" },
  jitp: { type: "boolean" },
  iot: { type: "boolean" },
  thing: { type: "string" },
  policy: { type: "string" },
  "without-ca": { type: "boolean" },
  "auto-registration": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>["values"];

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    console.error(`iot-certs: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    (values.help ? console.log : console.error)(USAGE);
    return values.help ? 0 : 2;
  }
  const address = resolveApiAddress(values.api, process.env);
  const client = new ApiClient({
    baseUrl: address.url,
    token: values.token ?? process.env.LOCAL_API_TOKEN,
    sigv4: values.sigv4 ?? /\.amazonaws\.com(:\d+)?(\/|$)/.test(address.url),
    region: values.region,
  });
  try {
    switch (command) {
      case "init":
        return await init(client, values);
      case "server":
        return await server(client, values);
      case "device":
        return await device(client, values);
      case "list":
        return await list(client, values, rest);
      case "revoke":
        return await revoke(client, values, rest);
      case "renew":
        return await renew(client, values, rest);
      case "bundle":
        return await bundle(client, values);
      case "events":
        return await events(values);
      case "expiry-scan":
        return await expiryScan(values);
      case "iot":
        return await iot(client, values, rest);
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`iot-certs: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof FileExistsError) {
      console.error(`iot-certs: ${error.message}`);
      return 3;
    }
    if (error instanceof ExistingCaMismatchError) {
      if (values.json) console.log(JSON.stringify({ error: { detail: error.message } }));
      console.error(`iot-certs: ${error.message}`);
      return 4;
    }
    if (error instanceof ApiError) {
      if (values.json) console.log(JSON.stringify({ error: error.problem ?? { detail: error.message } }));
      console.error(`iot-certs: ${error.message}`);
      if (isConnectionFailure(error)) console.error(`iot-certs: ${unreachableApiHint(address)}`);
      return 1;
    }
    console.error(`iot-certs: ${(error as Error).message}`);
    return 1;
  }
}

function subjectFields(values: Values): Record<string, unknown> {
  return {
    ...(values.country ? { country: values.country } : {}),
    ...(values.organization ? { organization: values.organization } : {}),
    ...(values["validity-days"] ? { validity_days: integer(values["validity-days"], "--validity-days") } : {}),
    ...(values["key-algorithm"] ? { key_algorithm: values["key-algorithm"] } : {}),
  };
}

function integer(value: string, flag: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a positive integer`);
  return Number(value);
}

function isConnectionFailure(error: ApiError): boolean {
  // ApiClient reports a failed fetch (refused, unknown host, timeout) as status 0 "cannot reach the API".
  return error.status === 0 && /cannot reach/i.test(error.message);
}

/** One CA that `init` created or found. */
interface InitializedCa {
  /** `root/<name>` or `intermediate/<name>`. */
  ca: string;
  outcome: "created" | "reused";
  key_algorithm: string;
  /** Where the CA's key is kept: `s3` or `kms`. */
  key_storage: string;
  /** The KMS key's ARN, for a `kms` CA. */
  kms_key_arn?: string;
}

async function init(client: ApiClient, values: Values): Promise<number> {
  const root = values.root ?? "default";
  const names = { servers: values.servers ?? "servers", devices: values.devices ?? "devices" };
  const fields = subjectFields(values);
  const askedAlgorithm = values["key-algorithm"];
  const askedStorage = values["key-storage"];
  const caFields = askedStorage ? { ...fields, key_storage: askedStorage } : fields;
  const cas: InitializedCa[] = [];
  const warnings: string[] = [];
  const settle = async (kind: "root" | "intermediate", name: string, body: Record<string, unknown>) => {
    const { outcome, record } = await createOrReuse(client, kind, name, body);
    if (kind === "intermediate" && outcome === "reused" && record.issuer !== root) {
      throw new ApiError(
        409,
        `intermediate '${name}' exists but was signed by root '${record.issuer}', not '${root}'`,
        undefined,
      );
    }
    const settled: InitializedCa = {
      ca: `${kind}/${name}`,
      outcome,
      key_algorithm: String(record.key_algorithm),
      key_storage: String(record.key_storage ?? "s3"),
      ...(record.kms_key_arn ? { kms_key_arn: String(record.kms_key_arn) } : {}),
    };
    cas.push(settled);
    const reused = outcome === "reused";
    const algorithmDiffers = reused && askedAlgorithm !== undefined && settled.key_algorithm !== askedAlgorithm;
    const storageDiffers = reused && askedStorage !== undefined && settled.key_storage !== askedStorage;
    if (!values.json) {
      const asked = [algorithmDiffers ? askedAlgorithm : undefined, storageDiffers ? askedStorage : undefined]
        .filter(Boolean)
        .join(", ");
      // s3 is the default and stays unsaid, so the everyday line is unchanged; a KMS CA says so.
      const storage = settled.key_storage === "kms" ? "  kms" : "";
      console.log(
        `${outcome.padEnd(7)}  ${settled.ca}  ${settled.key_algorithm}${storage}${asked ? `  (asked ${asked})` : ""}`,
      );
    }
    if (!algorithmDiffers && !storageDiffers) return;
    const mismatch = [
      algorithmDiffers
        ? `${settled.ca} exists with key algorithm ${settled.key_algorithm}, not ${askedAlgorithm} as asked`
        : "",
      storageDiffers
        ? `${settled.ca} exists with key storage ${settled.key_storage}, not ${askedStorage} as asked`
        : "",
    ]
      .filter(Boolean)
      .join("; ");
    // A script that needs the asked algorithm stops before anything is issued under the wrong CA.
    if (values.strict) {
      throw new ExistingCaMismatchError(
        `${mismatch}; stopped (--strict). Name new CAs with --root, --servers, --devices`,
      );
    }
    const warning = `${mismatch}; it was reused as it is (name new CAs with --root, --servers, --devices)`;
    warnings.push(warning);
    console.error(`iot-certs: warning: ${warning}; --strict makes this an error`);
  };
  await settle("root", root, { name: root, ...caFields });
  for (const name of Object.values(names)) await settle("intermediate", name, { name, issuer: root, ...caFields });
  if (values.json) {
    const result = Object.fromEntries(cas.map(({ ca, outcome }) => [ca, outcome]));
    console.log(JSON.stringify({ root, intermediates: names, result, cas, warnings }));
  }
  return 0;
}

/** Creates the CA, or reads the existing one of that name (409: CA names are never reused for a new CA). */
async function createOrReuse(
  client: ApiClient,
  kind: "root" | "intermediate",
  name: string,
  body: Record<string, unknown>,
): Promise<{ outcome: "created" | "reused"; record: Record<string, unknown> }> {
  try {
    return { outcome: "created", record: await client.post(`/certificates/${kind}`, body) };
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 409)) throw error;
    return { outcome: "reused", record: await client.get(`/certificates/${kind}/${encodeURIComponent(name)}`) };
  }
}

async function server(client: ApiClient, values: Values): Promise<number> {
  if (!values.fqdn) throw new UsageError("server needs --fqdn");
  const out = requireOut(values);
  const mqttPort =
    values["mqtt-port"] === undefined ? DEFAULT_MQTT_TLS_PORT : integer(values["mqtt-port"], "--mqtt-port");
  if (mqttPort < 1 || mqttPort > 65_535) throw new UsageError("--mqtt-port must be from 1 to 65535");
  const files = {
    ca: join(out, "ca.crt"),
    certificate: join(out, "server.crt"),
    key: join(out, "server.key"),
    mosquitto_conf: join(out, "mosquitto.conf"),
  };
  await assertWritable(
    Object.values(files).filter((file) => !(values.csr && file === files.key)),
    values.force,
  );
  const body = {
    fqdn: values.fqdn,
    issuer: values.issuer ?? "servers",
    ...(values.san?.length ? { subject_alt_names: values.san } : {}),
    ...(values.csr ? { csr: await readFile(values.csr, "utf8") } : {}),
    ...subjectFields(values),
  };
  const issued = await client.post("/certificates/server", body);
  const chain = splitPem(issued.certificate_chain);
  await mkdir(out, { recursive: true });
  await writeText(files.ca, chain.at(-1) ?? "");
  // Brokers send their intermediate with the leaf: certfile = leaf + servers intermediate.
  await writeText(files.certificate, issued.certificate + chain.slice(0, -1).join(""));
  if (issued.private_key) await writeSecret(files.key, issued.private_key);
  await writeText(files.mosquitto_conf, mosquittoConfig({ fqdn: issued.fqdn, port: mqttPort }));
  const written = issued.private_key
    ? files
    : { ca: files.ca, certificate: files.certificate, mosquitto_conf: files.mosquitto_conf };
  report(
    values,
    { fqdn: issued.fqdn, serial_number: issued.serial_number, not_after: issued.not_after, files: written },
    [
      `issued ${issued.fqdn} (serial ${issued.serial_number}, until ${issued.not_after})`,
      `  ${Object.values(written).join("  ")}`,
      `  broker: cd ${out} && mosquitto -c mosquitto.conf   (mutual TLS on port ${mqttPort}${issued.private_key ? "" : "; put your key in server.key"})`,
    ],
  );
  return 0;
}

async function device(client: ApiClient, values: Values): Promise<number> {
  const out = requireOut(values);
  const issuer = values.issuer ?? "devices";
  if (values.count !== undefined && (values["device-id"] || values.csr)) {
    throw new UsageError("device takes --count, or --device-id/--csr, not both");
  }
  if (values.count === undefined && values["device-id"] === undefined) {
    // Issuing one device with a random id was a silent surprise: the caller says how many, or which one.
    throw new UsageError(
      "device needs --count N (N devices with random ids) or --device-id ID (one device; add --csr FILE to certify your own key)",
    );
  }
  if (values.count === undefined) {
    const deviceId = values["device-id"] as string;
    const folder = join(out, deviceId);
    const targets = [
      join(out, "ca.crt"),
      join(folder, "client.crt"),
      ...(values.csr ? [] : [join(folder, "client.key")]),
    ];
    await assertWritable(targets, values.force);
    const issued = await client.post("/certificates/device", {
      issuer,
      device_id: deviceId,
      ...(values.csr ? { csr: await readFile(values.csr, "utf8") } : {}),
      ...subjectFields(values),
      ...(values.iot ? { iot: iotOptions(values, values.thing ?? deviceId) } : {}),
    });
    const written = await writeDevice(
      out,
      folder,
      issued.certificate,
      issued.certificate_chain,
      issued.private_key,
      values.force,
    );
    const registration = issued.iot?.registered ? [iotLine(issued.device_id, issued.iot)] : [];
    if (issued.iot?.registered === false) console.error(`iot-certs: ${iotLine(issued.device_id, issued.iot).trim()}`);
    report(
      values,
      {
        devices: [
          {
            device_id: issued.device_id,
            serial_number: issued.serial_number,
            ...written,
            ...(issued.iot ? { iot: issued.iot } : {}),
          },
        ],
      },
      [`issued ${issued.device_id} (serial ${issued.serial_number}) → ${written.certificate}`, ...registration],
    );
    return issued.iot?.registered === false ? EXIT_IOT_STEP_FAILED : 0;
  }
  const count = integer(values.count, "--count");
  if (count < 1 || count > 100_000) throw new UsageError("--count must be from 1 to 100000");
  if (values.thing !== undefined) throw new UsageError("--thing names one device's thing: use it with --device-id");
  await assertWritable([join(out, "ca.crt")], values.force);
  const progress = new ProgressBar(count, values.json === true);
  const devices: { device_id: string; serial_number: string; iot?: any }[] = [];
  const chunk = Math.min(100, count);
  for (let done = 0; done < count; ) {
    const size = Math.min(chunk, count - done);
    // With --iot each device gets its own thing, named after its id: the ids are chosen here, not by the API.
    const batch = await client.post("/certificates/device/batch", {
      issuer,
      ...(values.iot
        ? {
            devices: Array.from({ length: size }, () => {
              const deviceId = randomUUID();
              return { device_id: deviceId, iot: iotOptions(values, deviceId) };
            }),
          }
        : { count: size }),
      ...subjectFields(values),
    });
    for (const result of batch.results as any[]) {
      if (result.status !== 201)
        throw new ApiError(result.status, `device ${done + 1}: ${result.error?.detail}`, result.error);
      await writeDevice(
        out,
        join(out, result.device_id),
        result.certificate,
        batch.certificate_chain,
        result.private_key,
        values.force,
      );
      devices.push({
        device_id: result.device_id,
        serial_number: result.serial_number,
        ...(result.iot ? { iot: result.iot } : {}),
      });
    }
    done += size;
    progress.update(done);
  }
  progress.finish();
  const failed = devices.filter((device) => device.iot?.registered === false);
  report(values, { issuer, count: devices.length, directory: out, devices }, [
    `issued ${devices.length} device certificates into ${out}/<device_id>/client.{crt,key} (trust: ${join(out, "ca.crt")})`,
    ...(values.iot
      ? [`registered ${devices.length - failed.length} of them with AWS IoT Core, each on its own thing`]
      : []),
  ]);
  for (const device of failed) console.error(`iot-certs: ${iotLine(device.device_id, device.iot).trim()}`);
  return failed.length > 0 ? EXIT_IOT_STEP_FAILED : 0;
}

/** The `iot` of a device request: register, on `thingName`, with the --policy and --without-ca given. */
function iotOptions(values: Values, thingName: string): Record<string, unknown> {
  return {
    register: true,
    thing_name: thingName,
    ...(values.policy ? { policy_name: values.policy } : {}),
    ...(values["without-ca"] ? { without_ca: true } : {}),
  };
}

/** One line on a device's IoT registration: its IoT id and thing, or the failed step and the request that retries it. */
function iotLine(deviceId: string, iot: any): string {
  if (iot.registered) {
    return `  AWS IoT Core: ${deviceId} registered as ${iot.iot_certificate_id}${iot.thing_name ? ` on thing ${iot.thing_name}` : ""}`;
  }
  return `  AWS IoT Core: ${deviceId} NOT registered (${iot.failed_step}: ${iot.error?.detail}); retry: ${iot.retry?.method} ${iot.retry?.path} ${JSON.stringify(iot.retry?.body ?? {})}`;
}

/** Writes ca.crt once, and the device's client.crt (leaf + intermediate) and client.key (0600). */
async function writeDevice(
  out: string,
  folder: string,
  certificate: string,
  chainPem: string,
  privateKey: string | undefined,
  force: boolean | undefined,
): Promise<{ certificate: string; key?: string }> {
  const chain = splitPem(chainPem);
  await mkdir(folder, { recursive: true });
  const caFile = join(out, "ca.crt");
  if (force || !existsSync(caFile)) await writeText(caFile, chain.at(-1) ?? "");
  const certificateFile = join(folder, "client.crt");
  await writeText(certificateFile, certificate + chain.slice(0, -1).join(""));
  if (!privateKey) return { certificate: certificateFile };
  const keyFile = join(folder, "client.key");
  await writeSecret(keyFile, privateKey);
  return { certificate: certificateFile, key: keyFile };
}

/** The columns of `list` without --json. */
const LIST_COLUMNS = ["ID", "NAME", "ISSUER", "NOT_AFTER", "KEY_ALGORITHM", "STATUS"];

async function list(client: ApiClient, values: Values, rest: string[]): Promise<number> {
  const kind = rest[0];
  if (!kind || !["root", "intermediate", "server", "device"].includes(kind)) {
    throw new UsageError("list needs a kind: root, intermediate, server or device");
  }
  const query = new URLSearchParams();
  if (values.limit) query.set("limit", String(integer(values.limit, "--limit")));
  if (values.issuer) query.set("issuer", values.issuer);
  if (values.status) query.set("status", values.status);
  if (values["expires-before"]) query.set("expires_before", values["expires-before"]);
  const items: any[] = [];
  let nextToken: string | null = null;
  do {
    if (nextToken) query.set("next_token", nextToken);
    const page: { items: any[]; next_token: string | null } = await client.get(`/certificates/${kind}?${query}`);
    items.push(...page.items);
    nextToken = page.next_token;
  } while (values.all && nextToken);
  if (values.json) {
    console.log(JSON.stringify({ items, next_token: nextToken }));
    return 0;
  }
  // Tab-separated with a header row: readable, and `tail -n +2 | cut -f1` for scripts (or use --json).
  console.log(LIST_COLUMNS.join("\t"));
  for (const item of items) {
    const subject = item.name ?? item.fqdn ?? item.device_id;
    console.log([item.id, subject, item.issuer ?? "-", item.not_after, item.key_algorithm, item.status].join("\t"));
  }
  if (nextToken) console.error(`(more: use --all, or the API with next_token=${nextToken})`);
  return 0;
}

async function revoke(client: ApiClient, values: Values, rest: string[]): Promise<number> {
  const [kind, id] = rest;
  if (!kind || !id) throw new UsageError("revoke needs a kind and an id, e.g. revoke device <serial>");
  const revoked = await client.post(
    `/certificates/${encodeURIComponent(kind)}/${encodeURIComponent(id)}/revoke`,
    values.reason ? { reason: values.reason } : {},
  );
  report(values, revoked, [
    `revoked ${kind} ${revoked.serial_number} (${revoked.revocation_reason}); CRL: ${revoked.crl_path}`,
  ]);
  return 0;
}

/** `iot register-ca NAME`: registers a CA with AWS IoT Core (POST /certificates/{kind}/{name}/iot-registration). */
async function iot(client: ApiClient, values: Values, rest: string[]): Promise<number> {
  const [action, name] = rest;
  if (action !== "register-ca") throw new UsageError("iot takes register-ca NAME, e.g. iot register-ca devices");
  if (!name) throw new UsageError("iot register-ca needs the CA's name, e.g. iot register-ca devices");
  const kind = values.kind ?? "intermediate";
  if (kind !== "intermediate" && kind !== "root") throw new UsageError("--kind must be intermediate or root");
  const mode = values.mode?.toUpperCase();
  if (mode !== undefined && mode !== "SNI_ONLY" && mode !== "DEFAULT") {
    throw new UsageError("--mode must be SNI_ONLY or DEFAULT");
  }
  const registered = await client.post(`/certificates/${kind}/${encodeURIComponent(name)}/iot-registration`, {
    ...(mode ? { mode } : {}),
    ...(values["auto-registration"] ? { allow_auto_registration: true } : {}),
    ...(values.jitp ? { provisioning: { template: "default" } } : {}),
  });
  report(values, registered, [
    `registered ${kind} CA '${name}' with AWS IoT Core: ${registered.ca_certificate_id} (${registered.mode}, ${registered.status})`,
    `devices connect to ${registered.iot_data_endpoint}:8883`,
  ]);
  return 0;
}

async function renew(client: ApiClient, values: Values, rest: string[]): Promise<number> {
  const [first, second] = rest;
  const serial = second ?? first;
  const givenKind = second === undefined ? undefined : first;
  if (!serial) throw new UsageError("renew needs a serial number, e.g. renew <serial> --out certs");
  if (givenKind !== undefined && givenKind !== "server" && givenKind !== "device") {
    throw new UsageError("renew renews server or device certificates: renew [server|device] <serial>");
  }
  const out = requireOut(values);
  const kind = givenKind ?? (await leafKindOf(client, serial));
  const old = await client.get(`/certificates/${kind}/${encodeURIComponent(serial)}`);
  // Files sit where `server` and `device` wrote them: <out>/server.* and <out>/<device_id>/client.*.
  const folder = kind === "server" ? out : join(out, old.device_id);
  const base = kind === "server" ? "server" : "client";
  const renewed = await client.post(`/certificates/${kind}/${encodeURIComponent(serial)}/renew`, {
    ...(values["validity-days"] ? { validity_days: integer(values["validity-days"], "--validity-days") } : {}),
    ...(values.csr ? { csr: await readFile(values.csr, "utf8") } : {}),
    ...(values["reuse-key"] ? { reuse_key: true } : {}),
    ...(values["revoke-previous"] ? { revoke_previous: true } : {}),
  });
  // Beside the old files, named with the new serial; --force puts the new certificate (and key) in their place.
  const name = values.force ? base : `${base}.${renewed.serial_number}`;
  const files = {
    certificate: join(folder, `${name}.crt`),
    ...(renewed.private_key ? { key: join(folder, `${name}.key`) } : {}),
  };
  await mkdir(folder, { recursive: true });
  const chain = splitPem(renewed.certificate_chain);
  await writeText(files.certificate, renewed.certificate + chain.slice(0, -1).join(""));
  if (renewed.private_key && files.key) await writeSecret(files.key, renewed.private_key);
  report(
    values,
    {
      kind,
      renews: serial,
      serial_number: renewed.serial_number,
      not_after: renewed.not_after,
      key: renewed.key,
      ...(kind === "server"
        ? { acm_certificate_arn: renewed.acm_certificate_arn, acm_import: renewed.acm_import }
        : {}),
      previous: renewed.previous,
      files,
    },
    [
      `renewed ${kind} ${serial} → ${renewed.serial_number} (until ${renewed.not_after})`,
      `  ${files.certificate}${files.key ? `  ${files.key}` : `  (key unchanged: ${renewed.key === "reused" ? "the old key" : "yours, from the CSR"})`}`,
      ...(kind === "server" && renewed.acm_import ? [`  ACM: ${renewed.acm_import}`] : []),
      ...(renewed.previous?.status === "revoked"
        ? [`  ${serial} revoked (superseded); CRL: ${renewed.previous.crl_path}`]
        : renewed.previous?.revocation_error
          ? [`  warning: ${renewed.previous.revocation_error}`]
          : []),
    ],
  );
  return 0;
}

/** Whether a serial number is a server or a device certificate's. */
async function leafKindOf(client: ApiClient, serial: string): Promise<"server" | "device"> {
  for (const kind of ["server", "device"] as const) {
    try {
      await client.get(`/certificates/${kind}/${encodeURIComponent(serial)}`);
      return kind;
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
  }
  throw new ApiError(
    404,
    `404 Not found: no server or device certificate with serial number '${serial}' exists`,
    undefined,
  );
}

async function events(values: Values): Promise<number> {
  const store = values.store ?? process.env.LOCAL_STORE_DIR?.trim() ?? ".local-store";
  return followEvents(join(store || ".local-store", "events.jsonl"), {
    follow: values.follow === true,
    json: values.json === true,
  });
}

/** Runs the template's scheduled functions (the expiry scan) once, from the built bundles, on the configured store. */
async function expiryScan(values: Values): Promise<number> {
  // Only this command's result on stdout: the scan's own INFO log line stays out of it.
  process.env.LOG_LEVEL ??= "WARN";
  const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
  const functions = await loadScheduledFunctions({
    templatePath: join(projectRoot, "template.yaml"),
    bundleDirectory: join(projectRoot, "dist"),
  });
  const results: Record<string, unknown> = {};
  for (const fn of functions) results[fn.logicalId] = await fn.run();
  const summary = results.ScanExpiringCertificatesFunction as
    | { scanned: number; warned: number; alreadyWarned: number; warnedByThreshold: Record<string, number> }
    | undefined;
  report(values, summary ?? results, [
    summary
      ? `expiry scan: ${summary.scanned} certificates read, ${summary.warned} warnings sent (${Object.entries(
          summary.warnedByThreshold,
        )
          .map(([days, count]) => `${days} d: ${count}`)
          .join(", ")}), ${summary.alreadyWarned} already sent`
      : `ran ${Object.keys(results).join(", ") || "no scheduled function"}`,
  ]);
  return 0;
}

async function bundle(client: ApiClient, values: Values): Promise<number> {
  const path = values.intermediate
    ? `/certificates/intermediate/${encodeURIComponent(values.intermediate)}`
    : `/certificates/root/${encodeURIComponent(values.root ?? "default")}`;
  const pem: string = await client.get(path, "application/x-pem-file");
  const trust = values.intermediate ? pem : (splitPem(pem).at(-1) ?? pem);
  if (!values.out) {
    process.stdout.write(trust);
    return 0;
  }
  await assertWritable([values.out], values.force);
  await writeText(values.out, trust);
  report(values, { file: values.out }, [`wrote ${values.out}`]);
  return 0;
}

function requireOut(values: Values): string {
  if (!values.out) throw new UsageError("--out DIR is required");
  return values.out;
}

async function assertWritable(files: string[], force: boolean | undefined): Promise<void> {
  if (force) return;
  const existing = files.filter((file) => existsSync(file));
  if (existing.length > 0) throw new FileExistsError(`refusing to overwrite ${existing.join(", ")} (use --force)`);
}

async function writeText(file: string, text: string): Promise<void> {
  await writeFile(file, text, { mode: 0o644 });
}

async function writeSecret(file: string, text: string): Promise<void> {
  await writeFile(file, text, { mode: 0o600 });
  await chmod(file, 0o600); // an existing file (--force) keeps its old mode otherwise
}

function splitPem(pem: string): string[] {
  return (
    pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g)?.map((part) => `${part.trim()}\n`) ??
    []
  );
}

function report(values: Values, json: unknown, lines: string[]): void {
  if (values.json) console.log(JSON.stringify(json));
  else for (const line of lines) console.log(line);
}

/** A progress bar on stderr, drawn only on a terminal. */
class ProgressBar {
  private readonly enabled: boolean;

  constructor(
    private readonly total: number,
    quiet: boolean,
  ) {
    this.enabled = !quiet && process.stderr.isTTY === true;
  }

  update(done: number): void {
    if (!this.enabled) return;
    const width = 30;
    const filled = Math.round((done / this.total) * width);
    process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${this.total} devices`);
  }

  finish(): void {
    if (this.enabled) process.stderr.write("\n");
  }
}

process.exitCode = await main(process.argv.slice(2));
