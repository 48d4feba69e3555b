import type { TokenUsage } from "@lantern/shared/contracts";
import { ClientGoneError } from "../errors/api-error.js";
import type { RequestLedger } from "../context/request-ledger.js";
import type { ChoiceCalls, ChoiceEvent } from "../jobs/choice-fan-out.js";
import type { ChoiceResult, ResponseShape } from "../openai/response-shapes.js";

/** What the whole answer is handed to once complete: the non-streamed body and the usage. */
export type AnswerSink = (body: object, usage: TokenUsage) => void;

export function emptyChoices(n: number, logprobs: boolean): ChoiceResult[] {
  return Array.from({ length: n }, () => ({
    text: "",
    reasoning: "",
    toolCalls: [],
    finishReason: "stop",
    logprobs: logprobs ? [] : undefined,
  }));
}

/** Adds one output or finish event to the choices of the non-streamed body. */
export function recordEvent(choices: ChoiceResult[], event: ChoiceEvent): void {
  if (event.kind === "text") {
    const choice = choices[event.index]!;
    choice.text += event.text;
    if (event.logprobs) choice.logprobs?.push(...event.logprobs);
  } else if (event.kind === "reasoning") {
    choices[event.index]!.reasoning += event.text;
  } else if (event.kind === "tool_call") {
    const { toolCalls } = choices[event.index]!;
    const { index, name, arguments: args } = event.call;
    const known = toolCalls.find((call) => call.index === index);
    if (known) known.arguments += args;
    else toolCalls.push({ index, name, arguments: args });
  } else if (event.kind === "finish") {
    const choice = choices[event.index]!;
    choice.finishReason = event.finishReason;
    choice.toolCalls.sort((a, b) => a.index - b.index);
  }
}

interface BodyOptions {
  shape: ResponseShape;
  n: number;
  logprobs: boolean;
  onAnswer?: AnswerSink | undefined;
}

/** The fleet's events gathered into one non-streamed body; throws the first choice's error. */
export async function collectBody(calls: ChoiceCalls, opts: BodyOptions, ledger: RequestLedger): Promise<object> {
  const choices = emptyChoices(opts.n, opts.logprobs);
  for await (const event of calls.events()) {
    if (event.kind === "text" || event.kind === "reasoning" || event.kind === "tool_call") ledger.firstOutput();
    if (event.kind === "complete") {
      ledger.usage(event.usage);
      const body = opts.shape.body(choices, event.usage);
      opts.onAnswer?.(body, event.usage);
      return body;
    }
    if (event.kind === "error") throw event.error;
    recordEvent(choices, event);
  }
  // events() ends without complete or error only when the client went away.
  throw new ClientGoneError();
}
