/**
 * The one door to `@peculiar/x509`. Version 2 needs `reflect-metadata` loaded
 * before it (it throws at import otherwise), and its default crypto provider
 * should be Node's WebCrypto; doing both here means no entry point, test or
 * benchmark can forget.
 */
import "reflect-metadata";
import { cryptoProvider } from "@peculiar/x509";

cryptoProvider.set(globalThis.crypto);

export * from "@peculiar/x509";
