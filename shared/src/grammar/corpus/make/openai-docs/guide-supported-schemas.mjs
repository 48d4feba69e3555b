// The Structured Outputs guide's "Supported schemas" section and its introduction
// (platform.openai.com/docs/guides/structured-outputs), transcribed without access to the live page.
// Each entry: [file name, where, how it is sent, the JSON text as the docs show it].
import { GUIDE } from "./sources.mjs";

export const guideSupportedSchemas = [
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
];
