/**
 * Egress tricks (issue #15): ranges too broad on their own (`2000::/3`) or together (`0.0.0.0/1` +
 * `128.0.0.0/1`, compared as address sets), wildcard hosts over a whole domain or suffix, and
 * IDN (punycode) lookalike hosts.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { compile } from "../../src/index.ts";
import { coverage, coveredBy, rangesOverlap, shareOfSpace, unionOf } from "../../src/network/address-set.ts";
import { baseManifest, problemsOf } from "../fixtures.ts";


function withHost(host: string, ranges?: string[], extra: Record<string, string[]> = {}): Record<string, any> {
  const m = baseManifest();
  m.tools[1].hosts = [host];
  m.egress = { ranges: { ...(ranges ? { [host]: ranges } : {}), ...extra } };
  return m;
}

describe("address sets", () => {
  it("given two IPv4 halves, when united, then they cover all of IPv4", () => {
    assert.equal(coverage(["0.0.0.0/1", "128.0.0.0/1"], 4), 1n << 32n);
    assert.equal(shareOfSpace(coverage(["0.0.0.0/1", "128.0.0.0/1"], 4), 4), "all");
    assert.deepEqual(unionOf(["10.0.0.0/25", "10.0.0.128/25"]), [{ family: 4, first: 167772160n, last: 167772415n }]);
  });

  it("given 2000::/3, when measured, then it is 1/8 of IPv6", () => {
    assert.equal(shareOfSpace(coverage(["2000::/3"], 6), 6), "1/8");
  });

  it("given overlapping and nested ranges, when compared, then they overlap and the /25 is inside the /24", () => {
    assert.ok(rangesOverlap("10.40.0.0/16", "10.40.3.0/24"));
    assert.ok(!rangesOverlap("10.40.0.0/16", "10.41.0.0/24"));
    assert.ok(coveredBy("192.0.2.0/25", ["192.0.2.0/24"]));
    assert.ok(!coveredBy("192.0.2.0/24", ["192.0.2.0/25"]));
    assert.ok(coveredBy("2001:db8::/48", ["2001:db8::/32"]));
  });
});

describe("egress ranges too broad", () => {
  it("given 2000::/3 for a host, when compiled, then it is refused at the range: it is all global unicast IPv6", async () => {
    const problems = await problemsOf(withHost("api.partner.example.com", ["2000::/3"]));
    assert.deepEqual(problems, [
      {
        path: 'egress.ranges["api.partner.example.com"][0]',
        message: '"2000::/3" covers 1/8 of the IPv6 address space, more than a /16 (Airlock\'s limit for one host\'s published ranges); list the host\'s published ranges, or use `egress.anyIpOn443` with a reason if you mean any address',
      },
    ]);
  });

  it("given 0.0.0.0/1 and 128.0.0.0/1 for a host, when compiled, then they are refused together: as an address set they are all of IPv4", async () => {
    const problems = await problemsOf(withHost("api.partner.example.com", ["0.0.0.0/1", "128.0.0.0/1"]));
    assert.equal(problems.length, 2);
    assert.match(problems[0]!.message, /^"0\.0\.0\.0\/1" covers 1\/2 of the IPv4 address space, more than a \/8/);
  });

  it("given 256 /8 blocks spread over two hosts, when compiled, then the ranges are refused together at egress.ranges", async () => {
    const blocks = Array.from({ length: 256 }, (_, i) => `${i}.0.0.0/8`);
    const m = withHost("api.partner.example.com", blocks.slice(0, 128), { "api.other.example.com": blocks.slice(128) });
    m.tools[1].hosts.push("api.other.example.com");
    const problems = await problemsOf(m);
    assert.deepEqual(problems, [
      {
        path: "egress.ranges",
        message:
          "the IPv4 ranges together cover all of the IPv4 address space (as an address set: split ranges add up), more than a /8's worth; list the hosts' published ranges, or use `egress.anyIpOn443` with a reason if you mean any address",
      },
    ]);
  });

  it("given GitHub's published ranges, when compiled, then they are accepted", async () => {
    const m = withHost("api.github.com", ["140.82.112.0/20", "143.55.64.0/20", "185.199.108.0/22", "192.30.252.0/22", "2606:50c0::/32", "2a0a:a440::/29"]);
    const model = await compile(m);
    assert.deepEqual(model.egress.cidrsV6, ["2606:50c0::/32", "2607:6bc0::/48", "2a0a:a440::/29"]);
  });
});

describe("egress hosts in disguise", () => {
  // Public suffixes from the Public Suffix List (ICANN and private sections), through tldts.
  for (const host of ["*.co.uk", "*.github.io", "*.s3.amazonaws.com", "*.herokuapp.com", "*.gov.uk"]) {
    it(`given the wildcard host ${host}, when compiled, even with a reason, then it is refused: it covers a public suffix`, async () => {
      const m = withHost(host, ["192.0.2.0/24"]);
      m.tools[1].allowWildcard = { reason: "the partner's hosts change every week" };
      const problems = await problemsOf(m);
      assert.deepEqual(problems, [
        {
          path: "tools[1].hosts[0]",
          message: `"${host}" is a wildcard over the public suffix ${host.slice(2)} (every name anyone registers or creates under it, per the Public Suffix List); list the hosts the tool calls, e.g. \`api.example.${host.slice(2)}\``,
        },
      ]);
    });
  }

  for (const host of ["*.acme.com", "*.acme.co.uk", "*.acme.github.io"]) {
    it(`given the wildcard host ${host} without a reason, when compiled, then it is refused: it covers a whole domain`, async () => {
      const problems = await problemsOf(withHost(host, ["192.0.2.0/24"]));
      assert.deepEqual(problems, [
        {
          path: "tools[1].hosts[0]",
          message: `"${host}" is a wildcard over the whole domain ${host.slice(2)} (every name under it); list the hosts the tool calls, e.g. \`api.${host.slice(2)}\`, use a wildcard under a subdomain kept for them (\`*.api.${host.slice(2)}\`), or set the tool's \`allowWildcard.reason\` if the tool truly calls names across the domain`,
        },
      ]);
    });
  }

  it("given *.acme.co.uk with the tool's allowWildcard reason, when compiled, then it is allowed and warned about with the reason", async () => {
    const m = withHost("*.acme.co.uk", ["192.0.2.0/24"]);
    m.tools[1].allowWildcard = { reason: "each customer has its own subdomain" };
    const model = await compile(m);
    assert.ok(model.egress.hosts.includes("*.acme.co.uk"));
    assert.deepEqual(
      model.findings.filter((f) => f.rule === "AIR-W009"),
      [{ rule: "AIR-W009", severity: "warning", subject: "tools[1].hosts[0]", message: '"*.acme.co.uk" lets the tool reach every name under acme.co.uk: each customer has its own subdomain' }],
    );
  });

  it("given the same domain wildcard in a tool with a reason and in one without, when compiled, then the one without is refused", async () => {
    const m = withHost("*.acme.co.uk", ["192.0.2.0/24"]);
    m.tools[1].allowWildcard = { reason: "each customer has its own subdomain" };
    m.tools[0].hosts = ["*.acme.co.uk"];
    const problems = await problemsOf(m);
    assert.deepEqual(problems.map((p) => p.path), ["tools[0].hosts[0]"]);
  });

  it("given a wildcard under a subdomain (*.api.acme.com), when compiled, then it is accepted", async () => {
    const model = await compile(withHost("*.api.acme.com", ["192.0.2.0/24"]));
    assert.deepEqual(model.egress.hosts.includes("*.api.acme.com"), true);
  });

  for (const [host, shown] of [
    ["xn--pple-43d.com", "аpple.com"],
    ["api.xn--githb-zze.com", "api.githцb.com"],
  ] as const) {
    it(`given the punycode host ${host}, when compiled, then it is refused showing what it spells`, async () => {
      const problems = await problemsOf(withHost(host, ["192.0.2.0/24"]));
      assert.equal(problems.length, 1);
      assert.equal(problems[0]!.path, "tools[1].hosts[0]");
      assert.equal(
        problems[0]!.message,
        `"${host}" is an internationalised (punycode) name that reads "${shown}", mixing Latin and Cyrillic letters: a lookalike of an ASCII name; write the ASCII host the vendor documents`,
      );
    });
  }

  it("given a punycode host of one script (xn--r8jz45g.jp), when compiled, then it is refused as IDN without a mixed-script claim", async () => {
    const problems = await problemsOf(withHost("xn--r8jz45g.jp", ["192.0.2.0/24"]));
    assert.deepEqual(problems, [
      {
        path: "tools[1].hosts[0]",
        message: '"xn--r8jz45g.jp" is an internationalised (punycode) name that reads "例え.jp"; Airlock allows only ASCII hosts, which cannot pass for another name; write the ASCII host the vendor documents',
      },
    ]);
  });
});
