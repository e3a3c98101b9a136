/** The platform's secret age monitor (src/secrets/lambda/secret-age.mjs): the metric line it writes. */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";

// Loaded as the Lambda runtime loads it: plain JavaScript, the AWS SDK from node_modules.
const MONITOR = new URL("../src/secrets/lambda/secret-age.mjs", import.meta.url).href;

describe("secret age monitor", () => {
  it("writes each secret's age in days, and per owner its age as a percentage of that secret's own limit", async () => {
    const { ageLine } = (await import(MONITOR)) as { ageLine: (s: object, ageDays: number, now: number, metric: { namespace: string; stack: string }) => string };
    const metric = { namespace: "Airlock/Secrets", stack: "dev" };
    const line = JSON.parse(ageLine({ agent: "support-agent", secret: "github-token", maxAgeDays: 60 }, 45.678, 1764000000000, metric));
    assert.deepEqual(line, {
      _aws: {
        Timestamp: 1764000000000,
        CloudWatchMetrics: [
          { Namespace: "Airlock/Secrets", Dimensions: [["Stack", "Agent", "Secret"]], Metrics: [{ Name: "SecretAgeDays", Unit: "None" }] },
          { Namespace: "Airlock/Secrets", Dimensions: [["Stack", "Agent"]], Metrics: [{ Name: "SecretAgePercentOfLimit", Unit: "Percent" }] },
        ],
      },
      Stack: "dev",
      Agent: "support-agent",
      Secret: "github-token",
      SecretAgeDays: 45.68,
      SecretAgePercentOfLimit: 76.13,
    });
    // Past its own limit: over 100%, which is what the owner's alarm (threshold 100) fires on.
    assert.equal(JSON.parse(ageLine({ agent: "a", secret: "k", maxAgeDays: 30 }, 31, 0, metric)).SecretAgePercentOfLimit, 103.33);
    // A secret whose limit tag is missing alarms rather than hides.
    assert.ok(JSON.parse(ageLine({ agent: "a", secret: "k", maxAgeDays: Number.NaN }, 2, 0, metric)).SecretAgePercentOfLimit > 100);
  });
});
