/**
 * What a TLS peer needs from an issued certificate, and the key algorithms
 * each kind of certificate allows, as the core defines them.
 */
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { IssuedCertificate } from "../../../src/core/issuance/issued-certificate.js";
import {
  ACM_IMPORTABLE_KEY_ALGORITHMS,
  CA_KEY_ALGORITHMS,
  KEY_ALGORITHMS,
  type KeyAlgorithm,
} from "../../../src/core/key-algorithms.js";
import { splitPemChain } from "../openssl.js";

/** Algorithms a root or intermediate CA may hold. */
export const CA_ALGORITHMS = CA_KEY_ALGORITHMS;
/** Algorithms a server certificate may hold (it must be importable into ACM). */
export const SERVER_ALGORITHMS = ACM_IMPORTABLE_KEY_ALGORITHMS;
/** Algorithms a device certificate may hold: every one, Ed25519 included. */
export const DEVICE_ALGORITHMS = KEY_ALGORITHMS;

/** A name-safe slug of an algorithm: `RSA-2048` → `rsa-2048`. */
export function algorithmSlug(algorithm: KeyAlgorithm): string {
  return algorithm.toLowerCase();
}

/** The issuing intermediate of a leaf (the first certificate of its issuer chain). */
export function intermediateOf(leaf: IssuedCertificate): string {
  const [intermediate] = splitPemChain(leaf.record.certificate_chain);
  if (!intermediate) throw new Error(`${leaf.record.subject_id} has an empty issuer chain`);
  return intermediate;
}

/**
 * What a TLS peer sends: its leaf, then the intermediate that signed it. Never
 * the root: the other side must already trust it (its `ca`/`cafile`).
 */
export function presentedChain(leaf: IssuedCertificate): string {
  return leaf.record.certificate + intermediateOf(leaf);
}

/** The leaf's private key (the service generated it). */
export function privateKeyOf(leaf: IssuedCertificate): string {
  if (!leaf.privateKeyPem) throw new Error(`${leaf.record.subject_id} has no private key`);
  return leaf.privateKeyPem;
}

/** The Common Name of a parsed TLS peer certificate's subject (Node's `getPeerCertificate`). */
export function commonNameOf(subject: { CN?: string | string[] } | undefined): string | undefined {
  const value = subject?.CN;
  return Array.isArray(value) ? value[0] : value;
}

/** Writes PEM files into `directory`; private keys (`*.key`) get mode 0600. Returns name → path. */
export function writePemFiles<Name extends string>(
  directory: string,
  files: Record<Name, string>,
): Record<Name, string> {
  const paths = {} as Record<Name, string>;
  for (const [name, content] of Object.entries(files) as [Name, string][]) {
    const path = join(directory, name);
    writeFileSync(path, content);
    if (name.endsWith(".key")) chmodSync(path, 0o600);
    paths[name] = path;
  }
  return paths;
}
