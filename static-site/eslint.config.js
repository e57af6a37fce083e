// Compatibility gate for the browsers of seed 004 (package.json "browserslist"): the sources are checked
// for web APIs those browsers lack (eslint-plugin-compat), and the built files the browsers load
// (../build/site, `make site`) must parse as ES2017 classic scripts and pass the same check.
import compat from "eslint-plugin-compat";
import globals from "globals";
import pkg from "./package.json" with { type: "json" };

// Provided by assets/js/polyfills.js (core-js and small shims), so the plugin lets them pass. The
// plugin also flags `document.body` for Firefox 54, where it lives on HTMLDocument but works the same.
const polyfills = ["Object.fromEntries", "AbortController", "ResizeObserver", "document.body"];
// The list is named here rather than looked up: the built files sit outside this package.
const compatRules = {
  plugins: { compat },
  settings: { polyfills, browsers: pkg.browserslist },
  rules: { "compat/compat": "error" },
};

export default [
  { ignores: ["static-site/node_modules/**", "static-site/vendor/**", "build/site/**/*.map"] },
  {
    files: ["static-site/assets/js/**/*.js"],
    languageOptions: { ecmaVersion: "latest", sourceType: "module", globals: { ...globals.browser } },
    ...compatRules,
  },
  {
    files: ["static-site/assets/js/supported.js"],
    languageOptions: { ecmaVersion: 5, sourceType: "script" },
  },
  {
    files: ["build/site/**/*.js"],
    languageOptions: { ecmaVersion: 2017, sourceType: "script", globals: { ...globals.browser } },
    ...compatRules,
  },
  // Swagger UI (docs.html, the API description for developers integrating with the API) must parse,
  // but its run-time APIs are its own: it supports evergreen browsers only.
  { files: ["build/site/vendor/swagger-ui/**/*.js"], rules: { "compat/compat": "off" } },
];
