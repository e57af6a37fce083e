// Builds the served site into ../build/site: the sources in assets/js stay readable ES modules, the
// browsers get minified classic scripts that parse as ES2017, lowered and polyfilled for the browsers
// of seed 004 (package.json "browserslist"; esbuild takes the same list as engine versions below).
//   node build.mjs            build once
// Served by `make run` (infra/local/run.py), the browser tests, and published from there (docs/deploy.md).
import { cpSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "build", "site");

// Yandex Browser 19.3 is Chromium 72, above Chrome 62; iOS: Safari 11 on iPhone and iPad.
const TARGET = ["es2017", "chrome62", "firefox54", "safari11", "ios11", "opera53"];
// Safari runs destructuring since 10; esbuild's table marks it before 15 for one edge case (a default
// value that reads a binding of the same pattern), which it cannot lower and the sources do not use.
const common = {
  bundle: true,
  minify: true,
  sourcemap: "linked",
  target: TARGET,
  supported: { destructuring: true },
  charset: "utf8", // Russian texts as UTF-8, not \u escapes: a third of the size; the pages are UTF-8
  legalComments: "external",
  logLevel: "warning",
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// The pages, the stylesheet's images, the icon; README.md is for developers only.
for (const name of readdirSync(here)) {
  if (name.endsWith(".html")) cpSync(join(here, name), join(out, name));
}
cpSync(join(here, "assets", "logo.svg"), join(out, "assets", "logo.svg"));
for (const name of ["chartjs", "swagger-ui"]) {
  cpSync(join(here, "vendor", name), join(out, "vendor", name), { recursive: true, filter: (src) => !src.endsWith(".js") });
}

await Promise.all([
  // The site and the console: the application bundles, run only when supported.js found the browser
  // able (window.kabinetUnsupported is set otherwise), with the polyfills first.
  esbuild.build({
    ...common,
    entryPoints: { app: "assets/js/app.js", staff: "assets/js/staff.js" },
    absWorkingDir: here,
    outdir: join(out, "assets", "js"),
    format: "iife",
    inject: ["assets/js/polyfills.js"],
    banner: { js: "if(!window.kabinetUnsupported){" },
    footer: { js: "}" },
  }),
  // The proof-of-work worker (a classic worker), the documentation page's script, and the browser
  // check, which must stay ES5.
  esbuild.build({
    ...common,
    entryPoints: { "pow-worker": "assets/js/pow-worker.js", docs: "assets/js/docs.js" },
    absWorkingDir: here,
    outdir: join(out, "assets", "js"),
    format: "iife",
  }),
  esbuild.build({
    ...common,
    entryPoints: { supported: "assets/js/supported.js" },
    absWorkingDir: here,
    outdir: join(out, "assets", "js"),
    target: "es5",
  }),
  esbuild.build({ ...common, entryPoints: ["assets/app.css"], absWorkingDir: here, outdir: join(out, "assets") }),
  // Vendored libraries, lowered to the same browsers: Chart.js (loaded by the АИИС pages only) and
  // Swagger UI (the documentation page).
  esbuild.build({
    ...common,
    bundle: false,
    sourcemap: false,
    entryPoints: ["vendor/chartjs/chart.umd.min.js", "vendor/swagger-ui/swagger-ui-bundle.js"],
    absWorkingDir: here,
    outbase: here,
    outdir: out,
    legalComments: "inline",
  }),
]);
