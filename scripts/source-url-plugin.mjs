// An esbuild plugin for bundles of our TypeScript: every module of ours keeps its own
// `import.meta.url` (and `import.meta.dirname`/`filename`), the location of its source file, instead of
// the bundle's. Code that finds files relative to itself (`../../drizzle`, `../../presets.json`,
// `../../../web/dist`, a package resolved with createRequire) then finds them as it does from source,
// even with two services' modules in one bundle.
//   where(file): the source file's location as the running bundle should see it; by default the file
//   itself. The URL is written relative to the bundle, so a built tree can move as a whole.
import { readFile } from "node:fs/promises";
import { dirname, relative, sep } from "node:path";

export function sourceUrlPlugin({ outfile, where = (file) => file }) {
  return {
    name: "source-url",
    setup(build) {
      build.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const contents = await readFile(args.path, "utf8");
        if (!contents.includes("import.meta.")) return { contents, loader: "ts" };
        const rel = relative(dirname(outfile), where(args.path)).split(sep).join("/");
        const url = `new URL(${JSON.stringify(rel)}, import.meta.url)`;
        const replaced = contents
          .replaceAll("import.meta.url", `${url}.href`)
          .replaceAll("import.meta.dirname", `__lanternDirname(${url})`)
          .replaceAll("import.meta.filename", `__lanternFilename(${url})`);
        if (replaced === contents.replaceAll("import.meta.url", `${url}.href`)) return { contents: replaced, loader: "ts" };
        const helpers =
          'import { fileURLToPath as __lanternPath } from "node:url";\n' +
          'import { dirname as __lanternDir } from "node:path";\n' +
          "const __lanternFilename = (u: URL) => __lanternPath(u);\n" +
          "const __lanternDirname = (u: URL) => __lanternDir(__lanternPath(u));\n";
        return { contents: helpers + replaced, loader: "ts" };
      });
    },
  };
}
