/**
 * Where a CA's private key may be kept, by name: a module of its own with no
 * imports, so the request schemas (and the OpenAPI function) name the choices
 * without bundling any signing code.
 */

/** `s3`: a PEM beside the certificate in the object store (S3, or the local store); `kms`: an AWS KMS key. */
export const CA_KEY_STORAGES = ["s3", "kms"] as const;

export type CaKeyStorage = (typeof CA_KEY_STORAGES)[number];
