// OpenAI documentation examples, written out as the docs show them (the JSON a user copies into
// `response_format` or `tools`). Each fixture's `code` is that JSON text with a comment naming where
// it comes from; `schema` is parsed out of the same text, so the two cannot drift apart.
//
// Sources: the Structured Outputs guide (platform.openai.com/docs/guides/structured-outputs,
// "Examples" and "Supported schemas" sections), the function calling guide
// (platform.openai.com/docs/guides/function-calling), and the cookbook notebook
// openai-cookbook/examples/Structured_Outputs_Intro.ipynb. The cookbook examples were checked
// against the notebook's text; the guide examples were transcribed without access to the live
// page (this environment has no internet), so descriptions may differ in wording from today's docs.
//
//   node shared/src/grammar/corpus/make/openai-docs.mjs
import { writeFixture } from "./capture.mjs";

const GUIDE = "OpenAI Structured Outputs guide";
const FUNCTIONS = "OpenAI function calling guide";
const COOKBOOK = "openai-cookbook examples/Structured_Outputs_Intro.ipynb";

/** [file name, where, how it is sent, the JSON text as the docs show it] */
const examples = [
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

  ["string-pattern-format", `${GUIDE}, Supported schemas: string properties (pattern, format)`, "response_format", `{
  "type": "json_schema",
  "json_schema": {
    "name": "user_data",
    "strict": true,
    "schema": {
      "type": "object",
      "properties": {
        "name": {
          "type": "string",
          "description": "The name of the user"
        },
        "username": {
          "type": "string",
          "description": "The username of the user. Must start with @",
          "pattern": "^@[a-zA-Z0-9_]+$"
        },
        "email": {
          "type": "string",
          "description": "The email of the user",
          "format": "email"
        }
      },
      "additionalProperties": false,
      "required": ["name", "username", "email"]
    }
  }
}`],

  ["number-range-nullable-enum", `${GUIDE}, Supported schemas: number properties (minimum, maximum)`, "response_format", `{
  "type": "json_schema",
  "json_schema": {
    "name": "weather_data",
    "strict": true,
    "schema": {
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
        },
        "value": {
          "type": "number",
          "description": "The actual temperature value in the location",
          "minimum": -130,
          "maximum": 130
        }
      },
      "additionalProperties": false,
      "required": ["location", "unit", "value"]
    }
  }
}`],

  ["any-of", `${GUIDE}, Supported schemas: anyOf`, "response_format", `{
  "type": "json_schema",
  "json_schema": {
    "name": "database_insert",
    "strict": true,
    "schema": {
      "type": "object",
      "properties": {
        "item": {
          "anyOf": [
            {
              "type": "object",
              "description": "The user object to insert into the database",
              "properties": {
                "name": { "type": "string", "description": "The name of the user" },
                "age": { "type": "number", "description": "The age of the user" }
              },
              "additionalProperties": false,
              "required": ["name", "age"]
            },
            {
              "type": "object",
              "description": "The address object to insert into the database",
              "properties": {
                "number": { "type": "string", "description": "The number of the address. Eg. for 123 main st, this would be 123" },
                "street": { "type": "string", "description": "The street name. Eg. for 123 main st, this would be main st" },
                "city": { "type": "string", "description": "The city of the address" }
              },
              "additionalProperties": false,
              "required": ["number", "street", "city"]
            }
          ]
        }
      },
      "additionalProperties": false,
      "required": ["item"]
    }
  }
}`],

  ["definitions", `${GUIDE}, Supported schemas: definitions ($defs)`, "response_format", `{
  "type": "json_schema",
  "json_schema": {
    "name": "math_response",
    "strict": true,
    "schema": {
      "type": "object",
      "properties": {
        "steps": {
          "type": "array",
          "items": { "$ref": "#/$defs/step" }
        },
        "final_answer": { "type": "string" }
      },
      "$defs": {
        "step": {
          "type": "object",
          "properties": {
            "explanation": { "type": "string" },
            "output": { "type": "string" }
          },
          "required": ["explanation", "output"],
          "additionalProperties": false
        }
      },
      "required": ["steps", "final_answer"],
      "additionalProperties": false
    }
  }
}`],

  ["recursive-linked-list", `${GUIDE}, Supported schemas: recursive schema with explicit recursion ($defs)`, "response_format", `{
  "type": "json_schema",
  "json_schema": {
    "name": "linked_list",
    "strict": true,
    "schema": {
      "type": "object",
      "properties": {
        "linked_list": { "$ref": "#/$defs/linked_list_node" }
      },
      "$defs": {
        "linked_list_node": {
          "type": "object",
          "properties": {
            "value": { "type": "number" },
            "next": {
              "anyOf": [
                { "$ref": "#/$defs/linked_list_node" },
                { "type": "null" }
              ]
            }
          },
          "additionalProperties": false,
          "required": ["next", "value"]
        }
      },
      "additionalProperties": false,
      "required": ["linked_list"]
    }
  }
}`],

  ["calendar-event", `${GUIDE}, Introduction (calendar event extraction; JSON form of the CalendarEvent model)`, "response_format", `{
  "type": "json_schema",
  "json_schema": {
    "name": "calendar_event",
    "schema": {
      "type": "object",
      "properties": {
        "name": { "type": "string" },
        "date": { "type": "string" },
        "participants": {
          "type": "array",
          "items": { "type": "string" }
        }
      },
      "required": ["name", "date", "participants"],
      "additionalProperties": false
    },
    "strict": true
  }
}`],

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

for (const [name, where, kind, text] of examples) {
  const sent = JSON.parse(text);
  const code = `// ${where}\n${text}\n`;
  if (kind === "response_format") {
    const js = sent.json_schema;
    writeFixture(`openai-docs-${name}.json`, {
      source: "openai docs",
      code,
      via: "response_format",
      strict: js.strict ?? false,
      name: js.name,
      schema: js.schema,
    });
  } else {
    const fn = sent.function;
    writeFixture(`openai-docs-${name}.json`, {
      source: "openai docs",
      code,
      via: "tool_parameters",
      // The cookbook puts "strict" next to "function" rather than inside it; record where it is.
      strict: fn.strict ?? false,
      name: fn.name,
      schema: fn.parameters,
    });
  }
}
