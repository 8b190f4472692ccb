// The last build step: name app.js and app.css by their content (app.<hash>.js), so a browser
// may keep them for a year and still never run an old script after an upgrade, and write
// index.html pointing at those names. index.html itself is revalidated on every visit.
import { createHash } from "node:crypto";
import { copyFileSync, readFileSync, renameSync, writeFileSync } from "node:fs";

const src = "src/mixcoach/web/src";
const dist = "src/mixcoach/web/dist";

const names = {};
for (const file of ["app.js", "app.css"]) {
  const hash = createHash("sha256").update(readFileSync(`${dist}/${file}`)).digest("hex").slice(0, 10);
  const [stem, ext] = file.split(".");
  names[file] = `${stem}.${hash}.${ext}`;
  renameSync(`${dist}/${file}`, `${dist}/${names[file]}`);
}
let html = readFileSync(`${src}/index.html`, "utf8");
for (const [plain, hashed] of Object.entries(names)) {
  const attribute = plain.endsWith(".js") ? `src="${plain}"` : `href="${plain}"`;
  if (!html.includes(attribute)) throw new Error(`index.html does not load ${plain} as ${attribute}`);
  html = html.replace(attribute, attribute.replace(plain, hashed));
}
writeFileSync(`${dist}/index.html`, html);
copyFileSync(`${src}/favicon.svg`, `${dist}/favicon.svg`);
// The service worker keeps its name (a worker is found again by its URL) and is revalidated.
copyFileSync(`${src}/sw.js`, `${dist}/sw.js`);
