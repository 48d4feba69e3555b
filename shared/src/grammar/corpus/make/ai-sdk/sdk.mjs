// The AI SDK, its providers and zod from the scratch install in .data/ (see ../../README.md), the
// source labels of the fixtures, and the imports every fixture's `code` starts with.
import { tool as load, toolVersion } from "../capture.mjs";

export const { generateObject, generateText, tool, jsonSchema, zodSchema } = load("ai");
export const { createOpenAI } = load("@ai-sdk/openai");
export const { createOpenAICompatible } = load("@ai-sdk/openai-compatible");
export const { z } = load("zod");
export const z3 = load("zod/v3").z;

export const OPENAI = `@ai-sdk/openai ${toolVersion("@ai-sdk/openai")}, zod ${toolVersion("zod")}`;
export const COMPATIBLE = `@ai-sdk/openai-compatible ${toolVersion("@ai-sdk/openai-compatible")}, zod ${toolVersion("zod")}`;
export const HEADER = [
  'import { generateObject, generateText, tool, jsonSchema, zodSchema } from "ai";',
  'import { createOpenAI } from "@ai-sdk/openai";',
  'import { createOpenAICompatible } from "@ai-sdk/openai-compatible";',
  'import { z } from "zod";',
  'import { z as z3 } from "zod/v3";',
  "",
  "// baseURL: the local recording server, http://127.0.0.1:<port>/v1",
  "",
].join("\n");
