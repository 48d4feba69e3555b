#!/usr/bin/env node
// A stand-in `docker` for running start.sh where no Docker engine is: `compose version|up|down` succeed,
// `compose ps -q` lists the containers of $FAKE_DOCKER_CONTAINERS (a JSON file), `inspect -f` renders
// Go templates over them (the constructs start.sh uses: fields, if/else, range, println), `logs` prints a line.
import { readFileSync } from "node:fs";

const containers = JSON.parse(readFileSync(process.env.FAKE_DOCKER_CONTAINERS, "utf8"));
const args = process.argv.slice(2);

/** Splits a template into text and `{{...}}` actions, then into a tree of if/range blocks. */
function parse(template) {
  const tokens = template.split(/(\{\{.*?\}\})/).filter(Boolean);
  let at = 0;
  const block = () => {
    const nodes = [];
    while (at < tokens.length) {
      const token = tokens[at++];
      const action = /^\{\{(.*)\}\}$/.exec(token)?.[1].trim();
      if (action === undefined) nodes.push({ text: token });
      else if (action === "end" || action === "else") return { nodes, closedBy: action };
      else if (/^(if|range) /.test(action)) {
        const [kind, path] = action.split(/\s+/);
        const body = block();
        const otherwise = body.closedBy === "else" ? block() : { nodes: [] };
        nodes.push({ kind, path, body: body.nodes, otherwise: otherwise.nodes });
      } else nodes.push({ action });
    }
    return { nodes, closedBy: undefined };
  };
  return block().nodes;
}

const lookup = (dot, path) => path.split(".").filter(Boolean).reduce((v, key) => (v == null ? undefined : v[key]), dot);

function render(nodes, dot) {
  let out = "";
  for (const node of nodes) {
    if ("text" in node) out += node.text;
    else if (node.action === "println") out += "\n";
    else if (node.action) out += String(lookup(dot, node.action) ?? "<no value>");
    else if (node.kind === "if") out += render(lookup(dot, node.path) ? node.body : node.otherwise, dot);
    else for (const item of lookup(dot, node.path) ?? []) out += render(node.body, item);
  }
  return out;
}

if (args[0] === "compose") {
  if (args.includes("ps")) process.stdout.write(containers.map((c) => `${c.Id}\n`).join(""));
  process.exit(0);
}
if (args[0] === "inspect") {
  const container = containers.find((c) => c.Id === args.at(-1));
  if (!container) process.exit(1);
  process.stdout.write(`${render(parse(args[args.indexOf("-f") + 1]), container)}\n`);
  process.exit(0);
}
if (args[0] === "logs") {
  process.stdout.write(`(log of ${args.at(-1)})\n`);
  process.exit(0);
}
process.exit(0);
