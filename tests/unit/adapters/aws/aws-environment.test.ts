/** Region and credentials for the AWS adapters: environment first, the SDK's chain only when needed. */
import { describe, expect, it } from "vitest";
import {
  awsCredentials,
  awsDnsSuffix,
  awsMaxAttempts,
  awsRegion,
  cachedCredentials,
} from "../../../../src/adapters/aws/aws-environment.js";

describe("awsRegion", () => {
  it("reads AWS_REGION, then AWS_DEFAULT_REGION, else says what to set", () => {
    expect(awsRegion({ AWS_REGION: "eu-north-1", AWS_DEFAULT_REGION: "us-east-1" })).toBe("eu-north-1");
    expect(awsRegion({ AWS_DEFAULT_REGION: "us-east-1" })).toBe("us-east-1");
    expect(() => awsRegion({ AWS_REGION: " " })).toThrow("no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION)");
  });

  it("knows China's DNS suffix", () => {
    expect(awsDnsSuffix("cn-northwest-1")).toBe("amazonaws.com.cn");
    expect(awsDnsSuffix("eu-north-1")).toBe("amazonaws.com");
  });
});

describe("awsMaxAttempts", () => {
  it("reads AWS_MAX_ATTEMPTS when set, and refuses what is not 1 to 10 with the variable's name", () => {
    expect(awsMaxAttempts({})).toBeUndefined();
    expect(awsMaxAttempts({ AWS_MAX_ATTEMPTS: " 1 " })).toBe(1);
    expect(awsMaxAttempts({ AWS_MAX_ATTEMPTS: "10" })).toBe(10);
    for (const value of ["0", "11", "-1", "2.5", "three"]) {
      expect(() => awsMaxAttempts({ AWS_MAX_ATTEMPTS: value })).toThrow(
        `AWS_MAX_ATTEMPTS must be a whole number from 1 to 10; got '${value}'`,
      );
    }
  });
});

describe("awsCredentials", () => {
  it("takes the key, secret and session token from the environment (as Lambda sets them)", async () => {
    const credentials = awsCredentials({
      AWS_ACCESS_KEY_ID: "ASIA1",
      AWS_SECRET_ACCESS_KEY: "s",
      AWS_SESSION_TOKEN: "t",
    });
    expect(await credentials()).toEqual({ accessKeyId: "ASIA1", secretAccessKey: "s", sessionToken: "t" });
    expect(await awsCredentials({ AWS_ACCESS_KEY_ID: "AKIA1", AWS_SECRET_ACCESS_KEY: "s" })()).toEqual({
      accessKeyId: "AKIA1",
      secretAccessKey: "s",
      sessionToken: undefined,
    });
  });
});

describe("cachedCredentials", () => {
  const expiringAt = (ms: number, id: string) => ({ accessKeyId: id, secretAccessKey: "s", expiration: new Date(ms) });

  it("keeps credentials until 5 minutes before they expire, then fetches new ones once", async () => {
    let now = 0;
    let calls = 0;
    const source = cachedCredentials(
      async () => async () => {
        calls += 1;
        return expiringAt(now + 60 * 60 * 1000, `key-${calls}`);
      },
      () => now,
    );
    expect((await source()).accessKeyId).toBe("key-1");
    now = 54 * 60 * 1000;
    expect((await source()).accessKeyId).toBe("key-1");
    now = 56 * 60 * 1000;
    const [a, b] = await Promise.all([source(), source()]);
    expect([a.accessKeyId, b.accessKeyId]).toEqual(["key-2", "key-2"]);
    expect(calls).toBe(2);
  });

  it("loads the provider once, shares one resolution, and tries again after a failure", async () => {
    let loads = 0;
    let calls = 0;
    const source = cachedCredentials(async () => {
      loads += 1;
      return async () => {
        calls += 1;
        if (calls === 1) throw new Error("no credentials yet");
        return { accessKeyId: "k", secretAccessKey: "s" };
      };
    });
    await expect(source()).rejects.toThrow("no credentials yet");
    const [a, b] = await Promise.all([source(), source()]);
    expect(a).toBe(b);
    expect(calls).toBe(2);
    expect(loads).toBe(2);
    await source();
    expect(calls).toBe(2);
  });
});
