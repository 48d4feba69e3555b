// Tools as the function calling guide (platform.openai.com/docs/guides/function-calling) and the
// Structured Outputs guide show them, transcribed without access to the live pages, and the examples
// of the cookbook notebook openai-cookbook/examples/Structured_Outputs_Intro.ipynb, checked against
// the notebook's text.
// Each entry: [file name, where, how it is sent, the JSON text as the docs show it].
import { COOKBOOK, FUNCTIONS, GUIDE } from "./sources.mjs";

export const toolAndCookbookExamples = [
  ["get-weather-tool", `${FUNCTIONS}, defining functions (get_weather, strict)`, "tool", `{
  "type": "function",
  "function": {
    "name": "get_weather",
    "description": "Retrieves current weather for the given location.",
    "parameters": {
      "type": "object",
      "properties": {
        "location": {
          "type": "string",
          "description": "City and country e.g. Bogotá, Colombia"
        },
        "units": {
          "type": "string",
          "enum": ["celsius", "fahrenheit"],
          "description": "Units the temperature will be returned in."
        }
      },
      "required": ["location", "units"],
      "additionalProperties": false
    },
    "strict": true
  }
}`],

  ["optional-via-null-tool", `${GUIDE}, Supported schemas: all fields must be required (emulating optional with null)`, "tool", `{
  "type": "function",
  "function": {
    "name": "get_weather",
    "description": "Fetches the weather in the given location",
    "strict": true,
    "parameters": {
      "type": "object",
      "properties": {
        "location": {
          "type": "string",
          "description": "The location to get the weather for"
        },
        "unit": {
          "type": ["string", "null"],
          "description": "The unit to return the temperature in",
          "enum": ["F", "C"]
        }
      },
      "additionalProperties": false,
      "required": ["location", "unit"]
    }
  }
}`],

  ["cookbook-math-tutor", `${COOKBOOK}, Example 1: Math tutor`, "response_format", `{
  "type": "json_schema",
  "json_schema": {
    "name": "math_reasoning",
    "schema": {
      "type": "object",
      "properties": {
        "steps": {
          "type": "array",
          "items": {
            "type": "object",
            "properties": {
              "explanation": {"type": "string"},
              "output": {"type": "string"}
            },
            "required": ["explanation", "output"],
            "additionalProperties": false
          }
        },
        "final_answer": {"type": "string"}
      },
      "required": ["steps", "final_answer"],
      "additionalProperties": false
    },
    "strict": true
  }
}`],

  ["cookbook-product-search-tool", `${COOKBOOK}, Example 3: Entity extraction from user input`, "tool", `{
  "type": "function",
  "function": {
    "name": "product_search",
    "description": "Search for a match in the product database",
    "parameters": {
      "type": "object",
      "properties": {
        "category": {
          "type": "string",
          "description": "The broad category of the product",
          "enum": ["shoes", "jackets", "tops", "bottoms"]
        },
        "subcategory": {
          "type": "string",
          "description": "The sub category of the product, within the broader category"
        },
        "color": {
          "type": "string",
          "description": "The color of the product"
        }
      },
      "required": ["category", "subcategory", "color"],
      "additionalProperties": false
    }
  },
  "strict": true
}`],
];
