// API documentation page: renders /api/v1/openapi.json with the vendored Swagger UI.

const SPEC_URL = "/api/v1/openapi.json";
const target = document.getElementById("swagger");

function fail(message) {
  const box = document.createElement("div");
  box.className = "notice notice--error";
  box.setAttribute("role", "alert");
  box.textContent = message;
  target.replaceChildren(box);
}

async function start() {
  // Fetch first so an unreachable API gets a clear message instead of Swagger UI's own.
  let spec;
  try {
    const response = await fetch(SPEC_URL, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(String(response.status));
    spec = await response.json();
  } catch {
    fail("Не удалось загрузить описание API. Повторите попытку позже.");
    return;
  }
  if (!window.SwaggerUIBundle) {
    fail("Не удалось загрузить модуль просмотра документации.");
    return;
  }
  target.replaceChildren();
  window.SwaggerUIBundle({
    spec,
    domNode: target,
    deepLinking: true,
    defaultModelsExpandDepth: 0,
    docExpansion: "list",
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
}

// Deferred scripts run in document order: Swagger UI's bundle is already loaded here.
start();
