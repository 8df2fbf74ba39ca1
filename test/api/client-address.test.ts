// The address the throttle counts, and the settings that choose it.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.js";
import { clientAddress, throttleKey } from "../../src/http/client-address.js";

const request = (xff?: string) =>
  new Request("http://localhost/graphql", { headers: xff ? { "x-forwarded-for": xff } : {} });
const peer = (remoteAddress: string) => ({ req: { socket: { remoteAddress } } });

describe("client address", () => {
  it("uses the socket peer and ignores X-Forwarded-For by default", () => {
    expect(clientAddress(request("1.1.1.1"), peer("203.0.113.5"), 0)).toBe("203.0.113.5");
    expect(clientAddress(request(), {}, 0)).toBe("unknown");
  });

  it("behind N trusted proxies takes the Nth entry from the right, whatever the client prepended", () => {
    expect(clientAddress(request("6.6.6.6, 198.51.100.7"), peer("10.0.0.1"), 1)).toBe("198.51.100.7");
    expect(clientAddress(request("6.6.6.6, 198.51.100.7, 10.0.0.9"), peer("10.0.0.1"), 2)).toBe("198.51.100.7");
    // no header, or garbage where the proxy's entry should be: the socket peer
    expect(clientAddress(request(), peer("10.0.0.1"), 1)).toBe("10.0.0.1");
    expect(clientAddress(request("not-an-ip"), peer("10.0.0.1"), 1)).toBe("10.0.0.1");
  });

  it("folds IPv4-mapped IPv6 to IPv4 and counts IPv6 per /64", () => {
    expect(throttleKey("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(throttleKey("2001:db8:1:2:aaaa::1")).toBe("2001:0db8:0001:0002::/64");
    expect(throttleKey("2001:db8:1:2::ffff")).toBe("2001:0db8:0001:0002::/64");
    expect(throttleKey("::1")).toBe("0000:0000:0000:0000::/64");
    expect(throttleKey("fe80::1%eth0")).toBe("fe80:0000:0000:0000::/64");
    expect(throttleKey("64:ff9b::192.0.2.33")).toBe("0064:ff9b:0000:0000::/64");
  });

  it("reads an embedded IPv4 tail as the last two groups, so the /64 is the one the address names", () => {
    // eight groups' worth without "::": the prefix is the first four as written
    expect(throttleKey("2001:db8:1:2:3:4:192.0.2.1")).toBe("2001:0db8:0001:0002::/64");
    // "::" standing for one group: the IPv4 tail counts as two when the gap is sized
    expect(throttleKey("2001::5:6:7:8:192.0.2.1")).toBe("2001:0000:0005:0006::/64");
    // and a plain last group is one group: the same short gap without a dotted tail
    expect(throttleKey("2001::5:6:7:8:9:a")).toBe("2001:0000:0005:0006::/64");
    expect(clientAddress(request("2001::5:6:7:8:192.0.2.1"), peer("10.0.0.1"), 1)).toBe("2001:0000:0005:0006::/64");
  });
});

describe("abuse settings", () => {
  it("reads TRUST_PROXY as a hop count, true meaning one", () => {
    expect(loadConfig({}).trustProxy).toBe(0);
    expect(loadConfig({ TRUST_PROXY: "true" }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: "2" }).trustProxy).toBe(2);
    expect(() => loadConfig({ TRUST_PROXY: "yes please" })).toThrow(ConfigError);
  });

  it("documents its defaults and refuses nonsense", () => {
    const config = loadConfig({});
    expect(config.throttle).toEqual({
      maxPerUser: 5,
      maxPerAddress: 50,
      window: 900,
      redisPrefix: "hogwarts:login:",
      maxKeys: 100_000,
    });
    expect(config.limits).toEqual({
      maxBodyBytes: 100_000,
      maxDepth: 10,
      maxAliases: 15,
      maxDirectives: 50,
      maxTokens: 1000,
      maxCost: 5000,
    });
    expect(() => loadConfig({ LOGIN_MAX_FAILURES_PER_USER: "0" })).toThrow(/LOGIN_MAX_FAILURES_PER_USER must be/);
    expect(() => loadConfig({ MAX_BODY_BYTES: "lots" })).toThrow(/MAX_BODY_BYTES must be/);
  });
});
