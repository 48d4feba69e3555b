import type { TokenUsage } from "@lantern/shared/contracts";
import type { MessageAssembly } from "../anthropic/message-assembly.js";
import type { RequestLedger } from "../context/request-ledger.js";
import { ClientGoneError } from "../errors/api-error.js";
import type { ChoiceCalls, ChoiceEvent } from "../jobs/choice-fan-out.js";
import type { AnthropicSse } from "./anthropic-sse.js";

/** Puts one of the fleet's output or finish events into the message; true when it was output. */
function assemble(assembly: MessageAssembly, event: ChoiceEvent): boolean {
  switch (event.kind) {
    case "text":
      assembly.text(event.text);
      return true;
    case "reasoning":
      assembly.thinking(event.text);
      return true;
    case "tool_call":
      assembly.toolCall(event.call);
      return true;
    case "finish":
      assembly.finish(event.finishReason, event.stopSequence);
      return false;
    default:
      return false;
  }
}

/** The fleet's one choice gathered into the message; its usage, or the choice's error thrown. */
export async function collectMessage(calls: ChoiceCalls, assembly: MessageAssembly, ledger: RequestLedger): Promise<TokenUsage> {
  for await (const event of calls.events()) {
    if (event.kind === "complete") {
      ledger.usage(event.usage);
      return event.usage;
    }
    if (event.kind === "error") throw event.error;
    if (assemble(assembly, event)) ledger.firstOutput();
  }
  // events() ends without complete or error only when the client went away.
  throw new ClientGoneError();
}

interface StreamOptions {
  ledger: RequestLedger;
  /** How often to ping while no output has come yet. */
  pingMs: number;
  /** Called with the usage once the whole message went out. */
  onComplete: (usage: TokenUsage) => void;
}

/** Streams the fleet's one choice as Anthropic's events (the assembly writes them to `out`) until it completes or fails. */
export async function streamMessage(out: AnthropicSse, calls: ChoiceCalls, assembly: MessageAssembly, opts: StreamOptions): Promise<void> {
  const { ledger } = opts;
  let waiting = true;
  const ping = setInterval(() => {
    if (waiting) out.send({ type: "ping" });
  }, opts.pingMs);
  try {
    assembly.start(calls.promptTokens);
    for await (const event of calls.events()) {
      if (event.kind === "complete") {
        ledger.usage(event.usage);
        assembly.end(event.usage);
        opts.onComplete(event.usage);
      } else if (event.kind === "error") {
        out.fail(event.error);
      } else if (assemble(assembly, event) && waiting) {
        waiting = false;
        ledger.firstOutput();
      }
    }
  } catch (err) {
    out.fail(err);
  } finally {
    clearInterval(ping);
    out.end();
  }
}
