// The Structured Outputs guide's "Examples" section (platform.openai.com/docs/guides/structured-outputs),
// transcribed without access to the live page.
// Each entry: [file name, where, how it is sent, the JSON text as the docs show it].
import { GUIDE } from "./sources.mjs";

export const guideExamples = [
  ["chain-of-thought-math-tutor", `${GUIDE}, Examples: Chain of thought (math tutor)`, "response_format", `{
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
              "explanation": { "type": "string" },
              "output": { "type": "string" }
            },
            "required": ["explanation", "output"],
            "additionalProperties": false
          }
        },
        "final_answer": { "type": "string" }
      },
      "required": ["steps", "final_answer"],
      "additionalProperties": false
    },
    "strict": true
  }
}`],

  ["research-paper-extraction", `${GUIDE}, Examples: Structured data extraction (research paper)`, "response_format", `{
  "type": "json_schema",
  "json_schema": {
    "name": "research_paper_extraction",
    "schema": {
      "type": "object",
      "properties": {
        "title": { "type": "string" },
        "authors": {
          "type": "array",
          "items": { "type": "string" }
        },
        "abstract": { "type": "string" },
        "keywords": {
          "type": "array",
          "items": { "type": "string" }
        }
      },
      "required": ["title", "authors", "abstract", "keywords"],
      "additionalProperties": false
    },
    "strict": true
  }
}`],

  ["ui-generation-recursive", `${GUIDE}, Examples: UI generation (recursive, $ref "#")`, "response_format", `{
  "type": "json_schema",
  "json_schema": {
    "name": "ui",
    "description": "Dynamically generated UI",
    "schema": {
      "type": "object",
      "properties": {
        "type": {
          "type": "string",
          "description": "The type of the UI component",
          "enum": ["div", "button", "header", "section", "field", "form"]
        },
        "label": {
          "type": "string",
          "description": "The label of the UI component, used for buttons or form fields"
        },
        "children": {
          "type": "array",
          "description": "Nested UI components",
          "items": { "$ref": "#" }
        },
        "attributes": {
          "type": "array",
          "description": "Arbitrary attributes for the UI component, suitable for any element",
          "items": {
            "type": "object",
            "properties": {
              "name": {
                "type": "string",
                "description": "The name of the attribute, for example onClick or className"
              },
              "value": {
                "type": "string",
                "description": "The value of the attribute"
              }
            },
            "required": ["name", "value"],
            "additionalProperties": false
          }
        }
      },
      "required": ["type", "label", "children", "attributes"],
      "additionalProperties": false
    },
    "strict": true
  }
}`],

  ["moderation", `${GUIDE}, Examples: Moderation`, "response_format", `{
  "type": "json_schema",
  "json_schema": {
    "name": "content_compliance",
    "description": "Determines if content is violating specific moderation rules",
    "schema": {
      "type": "object",
      "properties": {
        "is_violating": {
          "type": "boolean",
          "description": "Indicates if the content is violating guidelines"
        },
        "category": {
          "type": ["string", "null"],
          "description": "Type of violation, if the content is violating guidelines. Null otherwise.",
          "enum": ["violence", "sexual", "self_harm"]
        },
        "explanation_if_violating": {
          "type": ["string", "null"],
          "description": "Explanation of why the content is violating"
        }
      },
      "required": ["is_violating", "category", "explanation_if_violating"],
      "additionalProperties": false
    },
    "strict": true
  }
}`],
];
