/**
 * The scratch space on a read-only root: on Fargate a bind mount is root-owned (0755) unless the
 * image declares the path as a VOLUME and owns it, so the non-root agent could not write it.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { validateDeploymentArgs } from "../src/agent/agent-deployment.ts";
import { scratchImageProblems } from "../src/agent/dockerfile.ts";
import { exampleModel, find, json, modelOf, recordDeployment, WIRING_ONLY } from "./harness.ts";

const USER = "10001:10001";
const GOOD = `FROM public.ecr.aws/docker/library/node:22-slim AS build
WORKDIR /src
COPY . .
RUN npm ci && npm run build

FROM public.ecr.aws/docker/library/node:22-slim
WORKDIR /app
COPY --from=build /src/dist /app
RUN mkdir -p /tmp \\
 && chown 10001:10001 /tmp
USER 10001:10001
VOLUME ["/tmp"]
CMD ["node", "/app/index.js"]
`;

/** A manifest that builds its image from `dir` (a context holding the Dockerfile). */
function buildManifest(dir: string, dockerfile?: string) {
  return {
    apiVersion: "airlock/v1",
    agent: {
      name: "build-agent",
      owner: "team@example.com",
      image: { build: { context: dir, ...(dockerfile ? { dockerfile } : {}) } },
      model: { provider: "anthropic", id: "claude-sonnet-4-5", secret: "anthropic-api-key" },
    },
    tools: [{ name: "read_orders", description: "Reads orders.", access: "read", aws: [{ service: "dynamodb", actions: ["dynamodb:GetItem"], resources: ["arn:aws:dynamodb:us-east-1:123456789012:table/orders"] }] }],
    secrets: [{ name: "anthropic-api-key", source: "out-of-band", rotation: { maxAgeDays: 90 } }],
  };
}

function contextWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "airlock-scratch-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe("the scratch volume", () => {
  it("mounts each scratch path from its own volume, /tmp by default, and declares the volumes on the task", async () => {
    const rec = await recordDeployment(await exampleModel(), { deployment: { scratchPaths: ["/tmp", "/var/cache/agent"] } });
    const td = find(rec, "aws:ecs/taskDefinition:TaskDefinition", "support-agent-release-current");
    const [container] = json(td, "containerDefinitions");
    assert.deepEqual(container.mountPoints, [
      { sourceVolume: "scratch", containerPath: "/tmp", readOnly: false },
      { sourceVolume: "scratch-var-cache-agent", containerPath: "/var/cache/agent", readOnly: false },
    ]);
    assert.deepEqual(td.inputs.volumes, [{ name: "scratch" }, { name: "scratch-var-cache-agent" }]);
    assert.equal(container.readonlyRootFilesystem, true);
  });

  it("rejects scratch paths that are not absolute, overlap or repeat, naming `scratchPaths`", async () => {
    const model = await exampleModel();
    for (const [paths, message] of [
      [["tmp"], '`scratchPaths[0]`: "tmp" is not an absolute path such as /tmp (letters, digits, `.`, `_`, `-` and `/` only)'],
      [["/"], '`scratchPaths[0]`: "/" would hide the whole image; give a directory such as /tmp'],
      [["/tmp", "/tmp/"], '`scratchPaths[1]`: "/tmp/" is /tmp again; list each path once'],
      [["/var/cache", "/var/cache/agent"], '`scratchPaths[1]`: "/var/cache/agent" is inside "/var/cache", which is already a scratch volume; list only /var/cache'],
      [["/a/../etc"], '`scratchPaths[0]`: "/a/../etc" is not an absolute path such as /tmp (letters, digits, `.`, `_`, `-` and `/` only)'],
    ] as const) {
      assert.throws(() => validateDeploymentArgs(model, { scratchPaths: paths as readonly string[] }, "us-east-1"), { message }, JSON.stringify(paths));
    }
  });
});

describe("the Dockerfile of an image Airlock builds prepares the scratch paths for the agent user", () => {
  it("accepts a final stage that creates the path, owns it as runtime.user and declares it a VOLUME", () => {
    assert.deepEqual(scratchImageProblems(GOOD, { user: USER, scratchPaths: ["/tmp"], file: "Dockerfile" }), []);
    // COPY --chown onto the path, a recursive chown of a parent, and USER absent (ECS sets it) also do.
    const copy = `FROM node:22\nCOPY --chown=10001:10001 empty/ /var/cache/agent\nVOLUME /var/cache/agent /tmp\nRUN chown -R 10001 /tmp\n`;
    assert.deepEqual(scratchImageProblems(copy, { user: USER, scratchPaths: ["/tmp", "/var/cache/agent"], file: "Dockerfile" }), []);
    const json = `FROM node:22\nRUN ["/bin/sh", "-c", "mkdir -p /work/tmp && chown -R 10001:10001 /work"]\nVOLUME ["/work/tmp"]\n`;
    assert.deepEqual(scratchImageProblems(json, { user: USER, scratchPaths: ["/work/tmp"], file: "Dockerfile" }), []);
  });

  it("names what is missing and the fix: the VOLUME, the ownership (only the final stage counts) and a USER that is not runtime.user", () => {
    const bad = `FROM node:22 AS build
RUN mkdir -p /tmp && chown 10001:10001 /tmp
VOLUME /tmp
FROM node:22
# chown to the wrong user, and no VOLUME in this stage
RUN chown 10002:10002 /tmp
USER node
`;
    assert.deepEqual(scratchImageProblems(bad, { user: USER, scratchPaths: ["/tmp"], file: "app/Dockerfile" }), [
      "app/Dockerfile (final stage) does not declare /tmp as a VOLUME; add `VOLUME [\"/tmp\"]` after the step that owns it",
      "app/Dockerfile (final stage) does not give /tmp to the agent user 10001:10001; add `RUN mkdir -p /tmp && chown 10001:10001 /tmp` (or `COPY --chown=10001:10001 … /tmp`) before the VOLUME",
      "app/Dockerfile (final stage) sets `USER node`, but the task runs as `agent.runtime.user` 10001:10001; write `USER 10001:10001` or remove the line",
    ]);
  });

  it("fails the plan before any resource when the manifest's Dockerfile does not prepare /tmp, naming the field and the fix", async () => {
    const dir = contextWith({ "Dockerfile.agent": "FROM node:22\nWORKDIR /app\nCOPY . .\nUSER 10001:10001\n" });
    const model = await modelOf(buildManifest(dir, "Dockerfile.agent"));
    assert.throws(() => validateDeploymentArgs(model, {}, "us-east-1"), (e: Error) => {
      assert.match(e.message, /^`agent\.image\.build`: the image's Dockerfile must make the scratch paths writable by the agent user: on Fargate a bind mount is owned by root \(0755\) unless the image declares the path a VOLUME it owns; /);
      assert.match(e.message, /Dockerfile\.agent \(final stage\) does not declare \/tmp as a VOLUME/);
      assert.match(e.message, /does not give \/tmp to the agent user 10001:10001/);
      return true;
    });
  });

  it("given a Dockerfile that prepares /tmp, then the image is built from exactly that file", async () => {
    const dir = contextWith({ Dockerfile: GOOD });
    const model = await modelOf(buildManifest(dir));
    assert.doesNotThrow(() => validateDeploymentArgs(model, { evalGate: WIRING_ONLY }, "us-east-1"));
    const rec = await recordDeployment(model);
    const image = find(rec, "docker:index/image:Image", "build-agent-image");
    assert.equal((image.inputs.build as any).dockerfile.endsWith("/Dockerfile"), true);
    assert.ok(!(image.inputs.build as any).dockerfile.startsWith("/"), "no machine path in the plan");
  });

  it("given a Dockerfile that is not there, then the error names `agent.image.build.dockerfile`", async () => {
    const dir = contextWith({ "README.md": "no Dockerfile here" });
    const model = await modelOf(buildManifest(dir, "Dockerfile.missing"));
    assert.throws(() => validateDeploymentArgs(model, {}, "us-east-1"), { message: /^`agent\.image\.build\.dockerfile`: .*Dockerfile\.missing does not exist; give the Dockerfile's path relative to the build context/ });
  });
});
