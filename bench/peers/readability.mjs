// Readability.js over the pages of a manifest (JSON lines with id, url, page relative to the
// manifest, uncompressed): prints the records score_extraction.py reads, and pages/s on stderr
// for the time spent parsing and extracting (reading the files not counted).
// Usage: NODE_PATH=<dir with @mozilla/readability and jsdom> node readability.mjs MANIFEST
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(resolve(process.env.NODE_PATH || ".", "noop.js"));
const { Readability } = require("@mozilla/readability");
const { JSDOM, VirtualConsole } = require("jsdom");

const manifest = process.argv[2];
const base = dirname(manifest);
const quiet = new VirtualConsole();
let pages = 0;
let spent = 0;
for (const line of readFileSync(manifest, "utf8").split("\n")) {
  if (!line.trim()) continue;
  const entry = JSON.parse(line);
  const html = readFileSync(join(base, entry.page), "utf8");
  const started = process.hrtime.bigint();
  let record = { id: entry.id, text: "" };
  try {
    const dom = new JSDOM(html, { url: entry.url || undefined, virtualConsole: quiet });
    const article = new Readability(dom.window.document).parse();
    if (article) {
      record = {
        id: entry.id,
        title: article.title,
        byline: article.byline,
        published: article.publishedTime,
        lang: article.lang,
        text: article.textContent,
      };
    }
    dom.window.close();
  } catch (e) {
    record.error = String(e);
  }
  spent += Number(process.hrtime.bigint() - started) / 1e9;
  pages += 1;
  process.stdout.write(JSON.stringify(record) + "\n");
}
process.stderr.write(
  `readability.js pages=${pages} seconds=${spent.toFixed(2)} pages_per_s=${(pages / spent).toFixed(1)}\n`,
);
