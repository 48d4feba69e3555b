// detect-gpu.sh against a fake /dev, /sys and nvidia-smi: the order NVIDIA -> AMD -> CPU, and the
// reasons it gives for passing a GPU over.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fakeRoot, type FakeRoot } from "./shell-harness.js";

let root: FakeRoot;
beforeEach(() => {
  root = fakeRoot();
});
afterEach(() => root.remove());

/** An nvidia-smi answering the query the script makes with these `name, driver` lines. */
function nvidiaSmi(...gpus: string[]) {
  root.command("nvidia-smi", `printf '%s\\n' ${gpus.map((g) => `'${g}'`).join(" ")}`);
}

/** A render node and the PCI vendor sysfs gives for it. */
function renderNode(name: string, vendor: string) {
  root.file(`dev/dri/${name}`);
  root.file(`sys/class/drm/${name}/device/vendor`, `${vendor}\n`);
}

describe("detect-gpu.sh", () => {
  it("picks the CPU when the container sees no GPU", async () => {
    const { code, stdout, stderr } = await root.run("detect-gpu.sh");
    expect(code).toBe(0);
    expect(stdout).toBe("cpu\n");
    expect(stderr).toContain("no usable GPU");
  });

  it("picks CUDA when nvidia-smi lists a GPU, and names it", async () => {
    nvidiaSmi("NVIDIA H100 80GB HBM3, 550.54.15", "NVIDIA H100 80GB HBM3, 550.54.15");
    const { stdout, stderr } = await root.run("detect-gpu.sh");
    expect(stdout).toBe("cuda\n");
    expect(stderr).toContain("NVIDIA GPU: NVIDIA H100 80GB HBM3, 550.54.15");
  });

  it("prefers NVIDIA to AMD when both are there", async () => {
    nvidiaSmi("NVIDIA RTX 4090, 560.35.03");
    renderNode("renderD128", "0x1002");
    expect((await root.run("detect-gpu.sh")).stdout).toBe("cuda\n");
  });

  it("passes over an NVIDIA driver too old for CUDA 12, to the next choice", async () => {
    nvidiaSmi("Tesla K80, 470.256.02");
    renderNode("renderD128", "0x1002");
    const { stdout, stderr } = await root.run("detect-gpu.sh");
    expect(stdout).toBe("vulkan\n");
    expect(stderr).toContain("NVIDIA driver 470.256.02 is older than 525");
  });

  it("says how to pass the GPU in when the device is there but nvidia-smi fails", async () => {
    root.command("nvidia-smi", "echo 'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver' >&2; exit 9");
    root.file("dev/nvidia0");
    const { stdout, stderr } = await root.run("detect-gpu.sh");
    expect(stdout).toBe("cpu\n");
    expect(stderr).toContain("nvidia0 exists but nvidia-smi does not answer: start the container with --gpus all");
  });

  it("picks Vulkan for an AMD render node, noting ROCm's device", async () => {
    renderNode("renderD128", "0x1002");
    root.file("dev/kfd");
    const { stdout, stderr } = await root.run("detect-gpu.sh");
    expect(stdout).toBe("vulkan\n");
    expect(stderr).toMatch(/AMD GPU at .*renderD128/);
    expect(stderr).toContain("kfd is here too (ROCm)");
  });

  it("passes over a render node of another vendor, and finds the AMD one after it", async () => {
    renderNode("renderD128", "0x8086");
    expect((await root.run("detect-gpu.sh")).stdout).toBe("cpu\n");
    renderNode("renderD129", "0x1002");
    const { stdout, stderr } = await root.run("detect-gpu.sh");
    expect(stdout).toBe("vulkan\n");
    expect(stderr).toContain("GPU vendor 0x8086 is not AMD: skipped");
  });

  it("takes a render node whose vendor sysfs does not show as not AMD", async () => {
    root.file("dev/dri/renderD128");
    const { stdout, stderr } = await root.run("detect-gpu.sh");
    expect(stdout).toBe("cpu\n");
    expect(stderr).toContain("GPU vendor unknown is not AMD");
  });
});
