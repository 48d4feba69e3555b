import { Hono, type Context } from "hono";
import { natsNames, SopCompatibilityBody, SopLoadBody, SopPresetBody, SopRegisterBody, SopUnloadBody, type ServedModel, type WorkerHeartbeat } from "@lantern/shared/contracts";
import type { GatewayDeps } from "../gateway-deps.js";
import type { GatewayEnv } from "../context/gateway-env.js";
import { readJsonObject } from "../context/read-body.js";
import { renderSopError, SopHttpError } from "../compat/sop/sop-errors.js";
import { fleetModelNames, sopModelInfo } from "../compat/sop/sop-model-info.js";
import { gpuLayersOf, loadModel, pickWorker, unloadModel } from "../compat/sop/sop-model-control.js";
import { fetchPresets, findPreset, sopCompatibility, sopPresetList } from "../compat/sop/sop-presets.js";
import { pullPreset } from "../compat/sop/sop-pull.js";

/**
 * The SOP executor's `/api/v1/models`: the fleet's models (workers' heartbeats), the fetchers'
 * presets and pulls, and loads and unloads on the workers' control subjects.
 */
export function sopModelsRoutes(deps: GatewayDeps) {
  const names = natsNames(deps.config.NATS_NAMESPACE);
  const nc = deps.nats.nc;
  const live = () => deps.registry.liveWorkers();
  const body = async (c: Context<GatewayEnv>) => (await readJsonObject(c, deps.config)).object;
  /** A loaded model's info from the worker's reply (its next heartbeat is still to come). */
  const infoAfterLoad = (worker: WorkerHeartbeat, served: ServedModel) => sopModelInfo(served.name, [{ ...worker, models: [served] }]);
  const load = async (name: string, file: string, options: { contextSize?: number; gpuLayers?: number; workerId?: string }) => {
    const worker = pickWorker(live(), name, options.workerId);
    const spec = { name, file, ...(options.contextSize !== undefined ? { contextSize: options.contextSize } : {}), ...(options.gpuLayers !== undefined ? { gpuLayers: gpuLayersOf(options.gpuLayers) } : {}) };
    return infoAfterLoad(worker, await loadModel(nc, names, worker.workerId, spec));
  };

  const app = new Hono<GatewayEnv>();
  app.onError((err, c) => renderSopError(err, c));
  return app
    .get("/models", (c) => {
      const workers = live();
      const models = fleetModelNames(workers).map((name) => sopModelInfo(name, workers));
      return c.json({ models, total: models.length });
    })
    .get("/models/presets", async (c) => c.json(sopPresetList(await fetchPresets(nc, names))))
    .post("/models/check-compatibility", async (c) => {
      const req = SopCompatibilityBody.parse(await body(c));
      return c.json(sopCompatibility(findPreset(await fetchPresets(nc, names), req.preset_name), live()));
    })
    .post("/models/register", async (c) => {
      const req = SopRegisterBody.parse(await body(c));
      if (req.provider !== "local") {
        throw new SopHttpError(400, `Provider '${req.provider}' is registered through the admin API (upstream providers and model routes), not here.`);
      }
      if (!req.config.model_path) throw new SopHttpError(400, "A local model needs config.model_path (relative to the workers' models dir).");
      if (fleetModelNames(live()).includes(req.name)) throw new SopHttpError(409, `Model '${req.name}' is already registered`);
      return c.json(await load(req.name, req.config.model_path, { contextSize: req.config.context_window, gpuLayers: req.config.gpu_layers }), 201);
    })
    .post("/models/register-from-preset", async (c) => {
      const req = SopPresetBody.parse(await body(c));
      const preset = findPreset(await fetchPresets(nc, names), req.preset_name);
      if (fleetModelNames(live()).includes(preset.name)) throw new SopHttpError(409, `Model '${preset.name}' is already registered`);
      // Without auto_download the file must already be in the workers' models dir.
      const file = req.auto_download ? (await pullPreset(nc, names, preset.name, preset.name)).file : preset.file;
      return c.json(await load(preset.name, file, {}), 201);
    })
    .post("/models/load", async (c) => {
      const req = SopLoadBody.parse(await body(c));
      const info = await load(req.model_name, req.model_path ?? `${req.model_name}.gguf`, { contextSize: req.context_window, gpuLayers: req.gpu_layers, workerId: req.worker_id });
      return c.json({ status: "loaded", model_name: req.model_name, model: info });
    })
    .post("/models/unload", async (c) => {
      const req = SopUnloadBody.parse(await body(c));
      const workers = await unloadModel(nc, names, live(), req.model_name, req.worker_id);
      return c.json({ status: "unloaded", model_name: req.model_name, workers });
    })
    .get("/models/:name", (c) => {
      const name = c.req.param("name");
      const workers = live();
      if (!fleetModelNames(workers).includes(name)) {
        throw new SopHttpError(404, `Model '${name}' not found. Available: ${fleetModelNames(workers).join(", ") || "none"}`);
      }
      return c.json(sopModelInfo(name, workers));
    })
    .delete("/models/:name", async (c) => {
      // The executor's delete unregisters and frees memory, never the file: here, an unload from every worker.
      await unloadModel(nc, names, live(), c.req.param("name"));
      return c.body(null, 204);
    });
}
