// Where the OpenAI documentation examples come from, as each fixture's comment names it.
export const GUIDE = "OpenAI Structured Outputs guide";
export const FUNCTIONS = "OpenAI function calling guide";
export const COOKBOOK = "openai-cookbook examples/Structured_Outputs_Intro.ipynb";
