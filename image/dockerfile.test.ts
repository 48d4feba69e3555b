// The Dockerfiles checked without a Docker engine (hadolint where one runs: docs/container.md): every
// stage a build refers to exists, every COPY source is in the build context or an earlier stage, and the
// all-in-one image ends as it must (its scripts copied and executable, a health check, not root).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IMAGE_DIR } from "./shell-harness.js";
import { copyPaths, dockerignore, environment, execForm, flag, inherited, parseDockerfile, readDockerfile, type Dockerfile } from "./dockerfile-model.js";

const root = join(IMAGE_DIR, "..");
const ignored = dockerignore(readFileSync(join(root, ".dockerignore"), "utf8"));
const SERVICES = ["admin", "gateway", "inference", "model-fetcher", "orchestrator"];
const DOCKERFILES = { "image/Dockerfile": readDockerfile(join(IMAGE_DIR, "Dockerfile")), Dockerfile: readDockerfile(join(root, "Dockerfile")) };

/** What `${NAME}` in a FROM can stand for: its default, or for SERVICE each service. */
function expansions(file: Dockerfile, base: string): string[] {
  const arg = /\$\{(\w+)\}/.exec(base)?.[1];
  if (!arg) return [base];
  const values = arg === "SERVICE" ? SERVICES : [file.globalArgs[arg] ?? ""];
  return values.map((value) => base.replace(`\${${arg}}`, value));
}

/** Where a stage's RUNs or base put a file: the context it copied, a RUN naming it, its package, or a node image's Node. */
function madeInStage(file: Dockerfile, stageName: string, path: string): boolean {
  const stage = file.stages.find((s) => s.name === stageName)!;
  const workdir = inherited(file, stageName, "WORKDIR").at(-1)?.args;
  const relative = workdir && path.startsWith(`${workdir}/`) ? path.slice(workdir.length + 1) : undefined;
  const copiedContext = inherited(file, stageName, "COPY").some((i) => !flag(i, "from") && i.args === ". .");
  if (relative && copiedContext && existsSync(join(root, relative)) && !ignored(relative)) return true;
  if (path === "/usr/local/bin/node" && expansions(file, stage.base).every((b) => b.startsWith("node:"))) return true;
  const installs = (run: string) => new RegExp(`apt-get install [^&]*\\b${path.split("/").at(-1)}\\b`).test(run);
  return inherited(file, stageName, "RUN").some(({ args }) => args.includes(path) || (relative !== undefined && args.includes(relative)) || installs(args));
}

/** Where each COPY from the build context put each file, in a stage (relative destinations from its WORKDIR). */
function copiedFromContext(file: Dockerfile, stageName: string): Map<string, string> {
  const stage = file.stages.find((s) => s.name === stageName)!;
  const copied = file.stages.some((s) => s.name === stage.base) ? copiedFromContext(file, stage.base) : new Map<string, string>();
  let workdir = inherited(file, stage.base, "WORKDIR").at(-1)?.args ?? "/";
  for (const instruction of stage.instructions) {
    if (instruction.keyword === "WORKDIR") workdir = join(workdir, instruction.args);
    if (instruction.keyword !== "COPY" || flag(instruction, "from")) continue;
    const { sources, destination } = copyPaths(instruction);
    for (const source of sources) copied.set(source, join(workdir, destination, source.split("/").at(-1)!));
  }
  return copied;
}

describe.each(Object.entries(DOCKERFILES))("%s", (_, file) => {
  it("builds every stage from an image or an earlier stage", () => {
    file.stages.forEach((stage, index) => {
      const earlier = file.stages.slice(0, index).map((s) => s.name);
      for (const base of expansions(file, stage.base)) {
        if (base.includes(":") || base.includes("/")) expect(base, stage.name).toMatch(/^[\w.-]+(\/[\w.-]+)*:[\w.-]+$/);
        else expect(earlier, `${stage.name} from ${base}`).toContain(base);
      }
    });
  });

  it("copies only what the build context or an earlier stage has", () => {
    file.stages.forEach((stage, index) => {
      for (const copy of stage.instructions.filter((i) => i.keyword === "COPY")) {
        const from = flag(copy, "from");
        const { sources } = copyPaths(copy);
        for (const source of sources) {
          if (from) {
            expect(file.stages.slice(0, index).map((s) => s.name), `${stage.name}: COPY --from=${from}`).toContain(from);
            expect(madeInStage(file, from, source), `${stage.name}: ${source} in stage ${from}`).toBe(true);
          } else if (source !== ".") {
            expect(existsSync(join(root, source)), `${stage.name}: ${source}`).toBe(true);
            expect(ignored(source), `${stage.name}: ${source} is in .dockerignore`).toBe(false);
          }
        }
      }
    });
  });

  it("bakes no secret into the image", () => {
    for (const i of file.stages.flatMap((s) => s.instructions)) {
      if (i.keyword === "ENV" || i.keyword === "ARG") expect(i.args).not.toMatch(/(TOKEN|PASSWORD|SECRET|API_KEY)=/);
    }
  });
});

describe("the all-in-one image (image/Dockerfile)", () => {
  const file = DOCKERFILES["image/Dockerfile"];
  const final = file.stages.at(-1)!.name;
  const env = environment(file, final);
  const last = (keyword: string) => inherited(file, final, keyword).at(-1);
  const copiedTo = copiedFromContext(file, final);

  it("is the last stage, so a build without --target makes it", () => {
    expect(final).toBe("lantern");
  });

  it("runs the entrypoint under tini, with every script it calls copied beside it and executable", () => {
    const entrypoint = execForm(last("ENTRYPOINT")!.args);
    expect(entrypoint.slice(0, 2)).toEqual(["/usr/bin/tini", "--"]);
    expect(entrypoint[2]).toBe(`${env.LANTERN_IMAGE_DIR}/entrypoint.sh`);
    for (const script of ["entrypoint.sh", "first-start.sh", "detect-gpu.sh", "config.sh"]) {
      expect(copiedTo.get(`image/${script}`), script).toBe(`${env.LANTERN_IMAGE_DIR}/${script}`);
      const copy = inherited(file, final, "COPY").find((i) => i.args.includes(`image/${script}`))!;
      expect(flag(copy, "chmod"), script).toBe("0755");
    }
    expect(copiedTo.get("image/lantern.env")).toBe(env.LANTERN_CONFIG_TEMPLATE);
  });

  it("carries the default model where the first start and the fetcher look for it", () => {
    expect(copiedTo.get("models/stories260K.gguf")).toBe(`${env.LANTERN_DEFAULT_MODELS}/stories260K.gguf`);
    expect(env.FETCHER_SEED_MODEL).toBe(`${env.LANTERN_DEFAULT_MODELS}/stories260K.gguf`);
  });

  it("keeps every state in the /data volume", () => {
    expect(last("VOLUME")?.args).toBe("/data");
    expect(env).toMatchObject({ LANTERN_DATA_DIR: "/data", MODELS_DIR: "/data/models", LANTERN_CONFIG: "/data/lantern.env" });
  });

  it("runs the bundled supervisor with the services built beside it, and lets the entrypoint pick the backend", () => {
    expect(execForm(last("CMD")!.args)).toEqual(["node", "--enable-source-maps", `${env.LANTERN_BUILT_DIR}/stack.js`]);
    expect(env.LANTERN_BUILT_DIR).toBe("/app/built");
    expect(env).not.toHaveProperty("INFERENCE_GPU");
    expect(inherited(file, "build", "RUN").some((run) => run.args.includes("scripts/build-all-in-one.mjs /out/app"))).toBe(true);
  });

  it("checks its health on the gateway's /state/version, on the port it exposes", () => {
    const check = last("HEALTHCHECK")!.args;
    expect(execForm(check).join(" ")).toContain("${process.env.GATEWAY_PORT}/state/version");
    expect(last("EXPOSE")?.args).toBe(env.GATEWAY_PORT);
    expect(env.GATEWAY_HOST).toBe("0.0.0.0");
  });

  it("ends as an unprivileged user", () => {
    expect(last("USER")?.args).toMatch(/^(?!root\b|0\b)\w+/);
  });

  it("carries node-llama-cpp's prebuilt CPU, Vulkan and CUDA binaries, and never downloads or compiles them", () => {
    const build = inherited(file, "build", "RUN").map((i) => i.args).join("\n");
    const kept = /@node-llama-cpp.*case "\$d" in ([^)]+)\)/.exec(build)?.[1]?.split("|");
    expect(kept?.sort()).toEqual(["linux-x64", "linux-x64-cuda", "linux-x64-cuda-ext", "linux-x64-vulkan"]);
    expect(environment(file, "build").NODE_LLAMA_CPP_SKIP_DOWNLOAD).toBe("true");
    expect(inherited(file, final, "RUN").map((i) => i.args).join("\n")).toMatch(/libvulkan1 mesa-vulkan-drivers/);
  });
});

describe("the per-service images (Dockerfile)", () => {
  const file = DOCKERFILES.Dockerfile;
  const healthUrl = (stage: string) => execForm(inherited(file, stage, "HEALTHCHECK").at(-1)!.args).join(" ");

  it("call a worker healthy once its models are loaded (/readyz), and the gateway on Mentator's /state/version", () => {
    for (const pool of ["cpu", "vulkan", "cuda"]) expect(healthUrl(pool), pool).toContain("${process.env.METRICS_PORT}/readyz");
    expect(healthUrl("gateway")).toContain("${process.env.GATEWAY_PORT}/state/version");
  });
});

describe("dockerfile-model", () => {
  it("reads flags, continuation lines and stage names", () => {
    const file = parseDockerfile('ARG A=1\nFROM x:1 AS one\nCOPY --from=zero --chmod=0755 a \\\n  b /c/\nFROM one\nRUN true');
    expect(file.globalArgs).toEqual({ A: "1" });
    expect(file.stages.map((s) => [s.name, s.base])).toEqual([["one", "x:1"], ["stage1", "one"]]);
    expect(copyPaths(file.stages[0]!.instructions[0]!)).toEqual({ sources: ["a", "b"], destination: "/c/" });
    expect(flag(file.stages[0]!.instructions[0]!, "chmod")).toBe("0755");
  });

  it("reads .dockerignore as Docker does: globs, `**`, exceptions", () => {
    const isIgnored = dockerignore("**/node_modules\nmodels/*.part\n.env.*\n!.env.example\n");
    expect(isIgnored("services/admin/node_modules/x")).toBe(true);
    expect(isIgnored("node_modules")).toBe(true);
    expect(isIgnored("models/a.gguf.part")).toBe(true);
    expect(isIgnored("models/stories260K.gguf")).toBe(false);
    expect(isIgnored(".env.local")).toBe(true);
    expect(isIgnored(".env.example")).toBe(false);
  });
});
