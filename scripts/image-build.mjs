// `npm run image:build`: builds the all-in-one image (image/Dockerfile) tagged lantern:latest and
// lantern:<package.json version>, prints its size, and with --push pushes both tags to a registry.
//   npm run image:build
//   npm run image:build -- --push --registry docker.io/<user>     (or LANTERN_REGISTRY=docker.io/<user>)
//   npm run image:build -- --build $(git rev-parse --short HEAD)   (what /state/version reports as the build)
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(import.meta.url), "..", "..");
export const IMAGE_NAME = "lantern";

export const USAGE = `usage: npm run image:build -- [--push] [--registry <prefix>] [--build <name>]
  --registry <prefix>  tag the image <prefix>/lantern (e.g. docker.io/alice, ghcr.io/alice); default: LANTERN_REGISTRY
  --push               push both tags to the registry (needs --registry)
  --build <name>       what /state/version reports as the build (default: the git commit, else "dev")`;

export class UsageError extends Error {}

/** The command line's options; throws UsageError with what is wrong. */
export function parseArgs(argv, env = {}) {
  const options = { push: false, registry: env.LANTERN_REGISTRY || undefined, build: undefined, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.split(/=(.*)/s, 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw new UsageError(`${name} needs a value`);
      return v;
    };
    if (arg === "--push") options.push = true;
    else if (arg === "--help" || arg === "-h") options.help = true;
    else if (name === "--registry") options.registry = value().replace(/\/+$/, "");
    else if (name === "--build") options.build = value();
    else throw new UsageError(`unknown argument: ${arg}`);
  }
  if (options.push && !options.registry) throw new UsageError("--push needs --registry <prefix> (or LANTERN_REGISTRY), e.g. docker.io/<your user>");
  return options;
}

/** The image's tags: latest and the release's version, under the registry prefix when given. */
export function imageTags(options, version) {
  const repository = options.registry ? `${options.registry}/${IMAGE_NAME}` : IMAGE_NAME;
  return [`${repository}:latest`, `${repository}:${version}`];
}

/** `docker build` arguments, run from the repository root. */
export function dockerBuildArgs(options, version, build) {
  return ["build", "-f", "image/Dockerfile", ...imageTags(options, version).flatMap((tag) => ["-t", tag]), "--build-arg", `LANTERN_BUILD=${build}`, "."];
}

/**
 * Why Docker cannot build here, or undefined when its engine answers. `run(cmd, args)` returns
 * `{ status, stdout, stderr, error }` as spawnSync does.
 */
export function dockerProblem(run) {
  const cli = run("docker", ["--version"]);
  if (cli.error || cli.status !== 0) {
    return "Docker is not installed (no `docker` command). Install Docker Engine (https://docs.docker.com/engine/install/) or Docker Desktop, then run npm run image:build again.";
  }
  const engine = run("docker", ["info", "--format", "{{.ServerVersion}}"]);
  if (engine.error || engine.status !== 0) {
    const reason = `${engine.stderr ?? ""}`.trim().split("\n").find(Boolean);
    return [
      `Docker is installed (${`${cli.stdout}`.trim()}), but its engine is not reachable${reason ? `:\n  ${reason}` : "."}`,
      "Start it (sudo systemctl start docker, or open Docker Desktop), check that this user may use it",
      "(the docker group), or point DOCKER_HOST at one; then run npm run image:build again.",
    ].join("\n");
  }
  return undefined;
}

export function formatSize(bytes) {
  const units = ["B", "KiB", "MiB", "GiB"];
  let size = bytes;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit++;
  }
  return `${size.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function capture(cmd, args) {
  return spawnSync(cmd, args, { encoding: "utf8" });
}

function gitCommit() {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

function docker(args) {
  console.log(`$ docker ${args.join(" ")}`);
  const result = spawnSync("docker", args, { cwd: root, stdio: "inherit", env: { ...process.env, DOCKER_BUILDKIT: "1" } });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function main(argv) {
  let options;
  try {
    options = parseArgs(argv, process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n${USAGE}`);
    process.exit(2);
  }
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const problem = dockerProblem(capture);
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const tags = imageTags(options, version);
  docker(dockerBuildArgs(options, version, options.build ?? gitCommit() ?? "dev"));
  const size = capture("docker", ["image", "inspect", "--format", "{{.Size}}", tags[1]]);
  console.log(`\nbuilt ${tags.join(", ")}${size.status === 0 ? ` (${formatSize(Number(size.stdout.trim()))})` : ""}`);
  if (options.push) for (const tag of tags) docker(["push", tag]);
  console.log(`run it: docker run -d --name lantern -p 8002:8002 -v lantern-data:/data ${tags[0]}   (docs/container.md)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) main(process.argv.slice(2));
