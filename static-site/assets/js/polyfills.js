// What the browsers of seed 004 (Chrome 62+, Firefox 54+, Safari 11+, Yandex 19.3+, Opera 53+) lack of
// the APIs the site uses. The build (build.mjs) runs this file before every bundle; syntax is lowered
// by esbuild itself. When a source starts to use another newer API, `make test`'s compatibility lint
// (eslint.config.js) names it: add its core-js module here, or a small shim below.
import "core-js/modules/es.array.at.js";
import "core-js/modules/es.array.flat.js";
import "core-js/modules/es.array.flat-map.js";
import "core-js/modules/es.array.unscopables.flat.js";
import "core-js/modules/es.array.unscopables.flat-map.js";
import "core-js/modules/es.object.from-entries.js";
import "core-js/modules/es.promise.finally.js";
import "core-js/modules/es.string.replace-all.js";

// DOM methods core-js does not cover. Each is defined only where missing, so modern browsers run
// their own.

// ParentNode.replaceChildren: Chrome 86, Firefox 78, Safari 14.
for (const proto of [Element.prototype, Document.prototype, DocumentFragment.prototype]) {
  if (!proto.replaceChildren) {
    Object.defineProperty(proto, "replaceChildren", {
      configurable: true,
      writable: true,
      value(...nodes) {
        while (this.lastChild) this.removeChild(this.lastChild);
        this.append(...nodes);
      },
    });
  }
}

// Blob.arrayBuffer (reading a chosen file): Chrome 76, Firefox 69, Safari 14.
if (typeof Blob !== "undefined" && !Blob.prototype.arrayBuffer) {
  Object.defineProperty(Blob.prototype, "arrayBuffer", {
    configurable: true,
    writable: true,
    value() {
      return new Promise((resolve, reject) => {
        const reader = new FileReader();
        reader.onload = () => resolve(reader.result);
        reader.onerror = () => reject(reader.error);
        reader.readAsArrayBuffer(this);
      });
    },
  });
}

// AbortController (cancelling an upload): Chrome 66, Firefox 57, Safari 12.1. Only what uploads.js
// uses: `signal.addEventListener("abort", …)` and `abort()`.
if (typeof window.AbortController === "undefined") {
  window.AbortController = class AbortController {
    constructor() {
      const listeners = [];
      this.signal = {
        aborted: false,
        addEventListener: (type, listener) => type === "abort" && listeners.push(listener),
        removeEventListener: (type, listener) => {
          const at = listeners.indexOf(listener);
          if (at >= 0) listeners.splice(at, 1);
        },
      };
      this.abort = () => {
        if (this.signal.aborted) return;
        this.signal.aborted = true;
        for (const listener of listeners.slice()) listener({ type: "abort" });
      };
    }
  };
}

// ResizeObserver (Chart.js resizes its canvases with it): Chrome 64, Firefox 69, Safari 13.1. Reports
// each observed element's box on window resizes, and once when observed, which is what Chart.js needs.
if (typeof window.ResizeObserver === "undefined") {
  window.ResizeObserver = class ResizeObserver {
    constructor(callback) {
      this.targets = [];
      this.report = () => {
        const entries = this.targets.map((target) => ({ target, contentRect: target.getBoundingClientRect() }));
        if (entries.length) callback(entries, this);
      };
    }

    observe(target) {
      if (!this.targets.length) window.addEventListener("resize", this.report);
      this.targets.push(target);
      setTimeout(this.report);
    }

    unobserve(target) {
      this.targets = this.targets.filter((t) => t !== target);
      if (!this.targets.length) window.removeEventListener("resize", this.report);
    }

    disconnect() {
      this.targets = [];
      window.removeEventListener("resize", this.report);
    }
  };
}
