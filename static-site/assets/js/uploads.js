// Files go from the browser straight to the attachments bucket, never through the API
// (chalicelib/attachments): POST /attachments/uploads gives a presigned form → the file is POSTed to
// the storage with XMLHttpRequest (it reports upload progress, fetch does not) → POST …/confirm checks
// it and returns the file's id, which the case form then sends. Downloads: the API gives a presigned
// link valid for a minute, and the browser goes there (Content-Disposition makes it a download).

import { h, pluralRu } from "./ui.js";

// What the API accepts (chalicelib/attachments/rules.py); the server checks again, and also the size.
const ACCEPT = ".pdf,.jpg,.jpeg,.png,.zip,.rar";
const TYPES = {
  pdf: "application/pdf",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  zip: "application/zip",
  rar: "application/vnd.rar",
};
const WRONG_TYPE = "Допустимы файлы PDF, JPG, PNG, ZIP и RAR.";
const STORAGE_FAILED = "Хранилище не приняло файл. Повторите загрузку.";
const NETWORK_FAILED = "Файл не загрузился: нет связи с хранилищем. Проверьте подключение и повторите.";

let seq = 0;

// 1 536 000 → «1,5 МБ»
export function formatSize(bytes) {
  const units = [
    [1024 * 1024, "МБ"],
    [1024, "КБ"],
  ];
  for (const [size, unit] of units) {
    if (bytes >= size) return `${(bytes / size).toFixed(1).replace(/\.0$/, "").replace(".", ",")}\u00a0${unit}`;
  }
  return `${bytes}\u00a0Б`;
}

function contentType(file) {
  const extension = file.name.split(".").pop().toLowerCase();
  return file.name.includes(".") ? TYPES[extension] : undefined;
}

function postToStorage(ticket, file, onProgress, signal) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(ticket.fields)) form.append(name, value);
    form.append("file", file); // last: the storage ignores fields after the file
    const xhr = new XMLHttpRequest();
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error(STORAGE_FAILED))));
    xhr.addEventListener("error", () => reject(new Error(NETWORK_FAILED)));
    xhr.addEventListener("abort", () => reject(new DOMException("Загрузка отменена", "AbortError")));
    signal.addEventListener("abort", () => xhr.abort());
    xhr.open("POST", ticket.url);
    xhr.send(form);
  });
}

// Uploads one file; resolves to the confirmed file ({id, name, size, …}). Errors carry Russian messages.
async function uploadFile(api, file, purpose, onProgress, signal) {
  const type = contentType(file);
  if (!type) throw new Error(WRONG_TYPE);
  const ticket = await api.post("/attachments/uploads", {
    file_name: file.name,
    content_type: type,
    size: file.size,
    purpose,
  });
  await postToStorage(ticket, file, onProgress, signal);
  return api.post(`/attachments/uploads/${encodeURIComponent(ticket.upload_id)}/confirm`);
}

// Asks the API for a short-lived link and goes there: the file downloads, the page stays.
export async function downloadFile(api, path) {
  const link = await api.get(path);
  window.location.assign(link.url);
}

// A file picker that uploads each chosen file at once, with a progress bar per file.
// options: api, purpose, name (the field the API names in errors, e.g. "attachments"), label, hint,
// max (files; collect mode), titleHidden (the page already shows the title next to the picker), and either
//   - collect mode (default): files stay listed; `ids()` gives the confirmed ids for the form;
//   - attach(file) → Promise: called after confirmation (e.g. to add the file to an application);
//     the row goes away when it resolves, or shows the error when it fails.
export function filePicker({ api, purpose, name, label, hint, max = 5, titleHidden = false, attach }) {
  const id = `files-${++seq}`;
  // The native control says «Choose Files» in the browser's language: it stays (for keyboards and
  // screen readers) but is hidden behind a button-like label in Russian.
  const input = h("input", {
    type: "file",
    id,
    class: "files__input",
    multiple: Boolean(attach) || max > 1,
    accept: ACCEPT,
    "aria-describedby": `${id}-hint ${id}-error`,
  });
  const list = h("ul", { class: "uploads", "aria-live": "polite", "aria-label": label });
  const error = h("p", { class: "field-error", id: `${id}-error` });
  const rows = [];

  const limitText = () =>
    !attach && max > 1 ? ` Не более ${max} ${pluralRu(max, "файла", "файлов", "файлов")}.` : "";
  const refresh = () => {
    list.hidden = rows.length === 0;
    input.disabled = !attach && rows.length >= max;
  };

  const addRow = (file) => {
    const controller = new AbortController();
    const progress = h("progress", { class: "upload__bar", max: "100", value: "0", "aria-label": `Загрузка: ${file.name}` });
    const state = h("span", { class: "upload__state" }, "Загрузка…");
    const remove = h("button", { type: "button", class: "btn btn--link upload__remove" }, "Отменить");
    const li = h(
      "li",
      { class: "upload" },
      h("span", { class: "upload__name" }, file.name),
      h("span", { class: "upload__size" }, formatSize(file.size)),
      progress,
      state,
      remove,
    );
    const row = { file, li, uploaded: null, busy: true };
    const drop = () => {
      controller.abort();
      rows.splice(rows.indexOf(row), 1);
      li.remove();
      refresh();
      input.focus();
    };
    remove.addEventListener("click", drop);
    rows.push(row);
    list.append(li);
    refresh();

    (async () => {
      try {
        row.uploaded = await uploadFile(api, file, purpose, (share) => {
          progress.value = Math.round(share * 100);
        }, controller.signal);
        progress.value = 100;
        if (attach) {
          state.textContent = "Прикрепляем…";
          await attach(row.uploaded);
          row.busy = false;
          rows.splice(rows.indexOf(row), 1);
          li.remove();
          refresh();
          return;
        }
        row.busy = false;
        progress.hidden = true;
        state.textContent = "Загружен";
        li.classList.add("upload--done");
        remove.textContent = "Убрать";
      } catch (err) {
        if (err.name === "AbortError") return;
        row.busy = false;
        row.uploaded = null;
        progress.hidden = true;
        state.textContent = err.message;
        li.classList.add("upload--failed");
        remove.textContent = "Убрать";
      }
    })();
  };

  input.addEventListener("change", () => {
    error.textContent = "";
    const chosen = [...input.files];
    input.value = "";
    const room = attach ? chosen.length : max - rows.length;
    chosen.slice(0, room).forEach(addRow);
    if (chosen.length > room) error.textContent = `Можно приложить не более ${max} ${pluralRu(max, "файла", "файлов", "файлов")}.`;
  });

  refresh();
  const element = h(
    "div",
    { class: "field files", dataset: { field: name }, role: "group", "aria-labelledby": `${id}-title` },
    h("p", { class: titleHidden ? "visually-hidden" : "files__title", id: `${id}-title` }, label),
    h(
      "div",
      { class: "files__pick" },
      input,
      h("label", { for: id, class: "btn btn--small files__button" }, attach || max > 1 ? "Выбрать файлы" : "Выбрать файл"),
    ),
    h("p", { class: "hint", id: `${id}-hint` }, hint || "", `PDF, JPG, PNG, ZIP или RAR, до 20 МБ.${limitText()}`),
    list,
    error,
  );
  return {
    element,
    // Confirmed uploads in the order they were chosen.
    ids: () => rows.filter((r) => r.uploaded).map((r) => r.uploaded.id),
    busy: () => rows.some((r) => r.busy),
    failed: () => rows.some((r) => !r.busy && !r.uploaded),
    reset() {
      for (const row of [...rows]) row.li.remove();
      rows.length = 0;
      refresh();
    },
  };
}

// A list of a case's files with «Скачать» for each. pathOf(file) → the API path of its download link.
export function fileList(api, files, pathOf, { empty = "Файлов нет." } = {}) {
  if (!files.length) return h("p", { class: "hint" }, empty);
  const error = h("p", { class: "field-error", role: "alert" });
  return h(
    "div",
    {},
    h(
      "ul",
      { class: "files-list" },
      files.map((file) => {
        const button = h("button", { type: "button", class: "btn btn--link" }, "Скачать");
        button.addEventListener("click", async () => {
          error.textContent = "";
          button.disabled = true;
          try {
            await downloadFile(api, pathOf(file));
          } catch (err) {
            error.textContent = err.message;
          } finally {
            button.disabled = false;
          }
        });
        button.setAttribute("aria-label", `Скачать ${file.name}`);
        return h(
          "li",
          { class: "files-list__item" },
          h("span", { class: "files-list__name" }, file.name),
          h("span", { class: "files-list__meta" }, formatSize(file.size)),
          button,
        );
      }),
    ),
    error,
  );
}
