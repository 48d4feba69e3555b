import type { RouteStep } from "@lantern/shared/contracts";
import type { GatewayDeps } from "../gateway-deps.js";
import { ApiError } from "../errors/api-error.js";
import { upstreamBody } from "../providers/proxied-request.js";
import { attemptUpstream } from "../providers/upstream-proxy.js";
import type { Delivery, Generation, Renderer, UpstreamRefusal } from "./generation.js";

type StepOutcome<R> = { kind: "served"; result: R } | { kind: "refused"; refusal: UpstreamRefusal };

/**
 * A route's upstream step: the client's body under the step's model, sent to its provider. A
 * refusal (any non-2xx answer) is returned for the route to judge; a timeout or a broken
 * connection before the answer throws ApiError.
 */
export async function upstreamStep<R>(
  deps: GatewayDeps,
  gen: Generation,
  renderer: Renderer<R>,
  step: RouteStep,
  delivery: (provider: string) => Delivery,
): Promise<StepOutcome<R>> {
  const provider = deps.providers.get(step.provider);
  if (!provider) {
    throw new ApiError(502, "server_error", `The route names an upstream provider '${step.provider}' that is not registered.`, { code: "provider_not_found" });
  }
  const { upstream } = gen;
  const attempt = await attemptUpstream(
    deps.upstream,
    { provider, endpoint: upstream.endpoint, body: upstreamBody(upstream, step.model), signal: gen.cancel, timeoutMs: step.timeoutMs, hops: gen.hops },
    upstream.stream,
  );
  if (attempt.kind === "refusal") return { kind: "refused", refusal: attempt };
  return { kind: "served", result: await renderer.upstream(attempt, delivery(provider.name)) };
}
