// A staff card that sends one text file (CSV or JSON) to the API: the file picker with its label and
// hints, a button, and the answer shown under the form. Used by the billing drop and the outage import.

import { clearErrors, fill, formAlert, h, readTextFile, setBusy, showErrors } from "../ui.js";

// input: {id, name, accept, required} of the picker; its name is the path a missing file is reported on.
// missing: the message then. send(file, text) posts it and resolves to what to show under the form.
// filePaths: API error paths that speak of the file (shown under the picker, not above the form).
export function fileCard({ title, titleId, input, label, hints, button, missing, send, filePaths = [] }) {
  const file = h("input", { type: "file", ...input });
  const submit = h("button", { type: "submit", class: "btn" }, button);
  const result = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { class: "form", novalidate: true },
    formAlert(),
    h(
      "div",
      { class: "field", dataset: { field: input.name } },
      h("label", { for: input.id }, label),
      file,
      hints.map((hint) => h("p", { class: "hint" }, hint)),
      h("p", { class: "field-error" }),
    ),
    h("div", { class: "form__actions" }, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    result.replaceChildren();
    const chosen = file.files[0];
    if (!chosen) return showErrors(form, "Выберите файл.", [{ path: input.name, message: missing }]);
    clearErrors(form);
    setBusy(submit, true, "Загружаем…");
    try {
      fill(result, await send(chosen, await readTextFile(chosen)));
      form.reset();
    } catch (error) {
      const fields = (error.fields || []).map((f) => (filePaths.includes(f.path) ? { ...f, path: input.name } : f));
      showErrors(form, error.message, fields);
    } finally {
      setBusy(submit, false);
    }
  });
  return h(
    "section",
    { class: "card", "aria-labelledby": titleId },
    h("h2", { id: titleId, class: "card__title" }, title),
    form,
    result,
  );
}
