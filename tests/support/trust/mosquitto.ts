/**
 * Runs a real Mosquitto 2.x broker on 127.0.0.1 with its own configuration
 * in a temporary directory: mutual TLS only, the client certificate's CN as
 * the user name. Fails with install instructions when Mosquitto is missing:
 * never a silent skip.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { freePort } from "../free-port.js";
import { temporaryDirectory } from "../temporary-directory.js";
import { writePemFiles } from "./pki.js";

/** The mosquitto binary: on PATH, or where Debian installs it. */
export function mosquittoBinary(): string {
  if (!spawnSync("mosquitto", ["-h"], { stdio: "ignore" }).error) return "mosquitto";
  if (existsSync("/usr/sbin/mosquitto")) return "/usr/sbin/mosquitto";
  throw new Error(
    "mosquitto is not installed (not on PATH, not /usr/sbin/mosquitto). The MQTT broker tests need it: " +
      "install it: apt-get install mosquitto",
  );
}

export interface MosquittoFiles {
  /** The root: the only CA the broker trusts for client certificates. */
  rootPem: string;
  /** The broker's leaf followed by its (servers) intermediate. */
  serverFullChainPem: string;
  serverKeyPem: string;
  /** An ACL file (`pattern …` lines), optional. */
  acl?: string;
}

export interface MosquittoBroker {
  port: number;
  /** The configuration file's text, as the broker read it. */
  config: string;
  /** Everything the broker logged so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * The configuration the tests (and docs/brokers.md) use. Mosquitto 2 refuses
 * clients without a user name when `allow_anonymous false`;
 * `use_identity_as_username true` makes the certificate's CN that name.
 */
export function mosquittoConfig(options: { port: number; directory: string; acl: boolean; runAsRoot: boolean }) {
  const file = (name: string) => join(options.directory, name);
  return [
    `listener ${options.port} 127.0.0.1`,
    `cafile ${file("root.pem")}`,
    `certfile ${file("server-fullchain.pem")}`,
    `keyfile ${file("server.key")}`,
    "require_certificate true",
    "use_identity_as_username true",
    "allow_anonymous false",
    ...(options.acl ? [`acl_file ${file("acl")}`] : []),
    "persistence false",
    // stderr, not stdout: stdout is block-buffered when piped, so the log (and the readiness line) would lag.
    "log_dest stderr",
    "log_type all",
    // Started as root, Mosquitto 2 drops to the `mosquitto` user, which cannot read this private temp directory.
    ...(options.runAsRoot ? ["user root"] : []),
    "",
  ].join("\n");
}

/** Starts Mosquitto and waits until it accepts TCP connections on its port. */
export async function startMosquitto(files: MosquittoFiles): Promise<MosquittoBroker> {
  const binary = mosquittoBinary();
  const directory = temporaryDirectory("iot-certs-mosquitto-");
  const pemFiles: Record<string, string> = {
    "root.pem": files.rootPem,
    "server-fullchain.pem": files.serverFullChainPem,
    "server.key": files.serverKeyPem,
  };
  if (files.acl !== undefined) pemFiles.acl = files.acl;
  writePemFiles(directory.path, pemFiles);
  const port = await freePort();
  const config = mosquittoConfig({
    port,
    directory: directory.path,
    acl: files.acl !== undefined,
    runAsRoot: process.getuid?.() === 0,
  });
  const configPath = join(directory.path, "mosquitto.conf");
  writeFileSync(configPath, config);

  const child: ChildProcess = spawn(binary, ["-c", configPath], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
    directory.remove();
  };

  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) {
      directory.remove();
      throw new Error(`mosquitto exited with code ${child.exitCode}:\n${output}`);
    }
    if (/mosquitto version \S+ running/.test(output) && (await accepts(port))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`mosquitto did not start listening on 127.0.0.1:${port} within 15 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { port, config, output: () => output, stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
