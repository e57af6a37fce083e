// Street autocomplete over the public directory (GET /reference/streets?locality=&q=): an ARIA 1.2
// combobox — type the beginning of a name, pick with the mouse or ↑/↓ and Enter, Esc closes the list.
// Only a street picked from the directory counts: the API takes its id, not the typed text.

import { field, h } from "./ui.js";

const DEBOUNCE_MS = 200;
let listSeq = 0;

// Localities of the directory for a <select>; an empty list when the directory cannot be read.
export async function loadLocalities(api) {
  const { items } = await api.get("/reference/localities", { auth: false });
  return items;
}

export function localitySelect({ name, label, localities, value }) {
  const wrapper = field({ name, label, required: true });
  const input = wrapper.querySelector("input");
  const select = h(
    "select",
    {
      id: input.id,
      name,
      required: true,
      "aria-describedby": input.getAttribute("aria-describedby"),
    },
    localities.map((locality) => h("option", { value: locality }, locality)),
  );
  if (value) select.value = value;
  input.replaceWith(select);
  return wrapper;
}

// options: api, name (the API field the errors name, e.g. "street_id"), label, hint, required,
// locality() → the locality to search in, onChange(street | null).
export function streetPicker({ api, name, label, hint, required = false, locality, onChange }) {
  const wrapper = field({ name, label, hint, required, autocomplete: "off", size: "wide" });
  const input = wrapper.querySelector("input");
  const listId = `street-list-${++listSeq}`;
  const list = h("ul", { class: "combobox__list", id: listId, role: "listbox", "aria-label": label, hidden: true });
  const live = h("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", listId);
  input.spellcheck = false;
  const box = h("div", { class: "combobox" });
  input.replaceWith(box);
  box.append(input, list);
  wrapper.append(live);

  let selected = null;
  let results = [];
  let active = -1;
  let timer = null;
  let requestSeq = 0;

  const setSelected = (street) => {
    const changed = (selected?.id || null) !== (street?.id || null);
    selected = street;
    if (street) input.value = street.name;
    if (changed) onChange?.(street);
  };

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };

  const highlight = (index) => {
    active = index;
    [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
    const current = list.children[index];
    if (current) {
      input.setAttribute("aria-activedescendant", current.id);
      current.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  };

  const choose = (index) => {
    const street = results[index];
    if (!street) return;
    setSelected(street);
    close();
  };

  const show = () => {
    list.replaceChildren(
      ...results.map((street, i) =>
        h(
          "li",
          {
            id: `${listId}-${i}`,
            role: "option",
            "aria-selected": "false",
            class: "combobox__option",
            // mousedown, not click: the input must not lose focus (and close the list) first.
            onmousedown: (event) => {
              event.preventDefault();
              choose(i);
            },
          },
          street.name,
        ),
      ),
    );
    const open = results.length > 0 && document.activeElement === input;
    list.hidden = !open;
    input.setAttribute("aria-expanded", String(open));
    active = -1;
  };

  const search = async () => {
    const q = input.value.trim();
    const place = locality();
    const seq = ++requestSeq;
    if (!q || !place) {
      results = [];
      show();
      return;
    }
    try {
      const query = new URLSearchParams({ locality: place, q });
      const { items } = await api.get(`/reference/streets?${query}`, { auth: false });
      if (seq !== requestSeq) return;
      results = items;
      show();
      live.textContent = items.length ? `Найдено улиц: ${items.length}` : "Улица не найдена в справочнике";
    } catch {
      if (seq !== requestSeq) return;
      results = [];
      show();
      live.textContent = "Не удалось загрузить список улиц";
    }
  };

  input.addEventListener("input", () => {
    if (selected && input.value !== selected.name) setSelected(null);
    clearTimeout(timer);
    timer = setTimeout(search, DEBOUNCE_MS);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden) {
        if (results.length) {
          list.hidden = false;
          input.setAttribute("aria-expanded", "true");
        }
        return;
      }
      const step = event.key === "ArrowDown" ? 1 : -1;
      highlight((active + step + results.length) % results.length);
    } else if (event.key === "Enter" && !list.hidden && active >= 0) {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", () => {
    // A name typed in full counts as picked.
    if (!selected) {
      const typed = input.value.trim().toLowerCase();
      const exact = results.find((street) => street.name.toLowerCase() === typed);
      if (exact) setSelected(exact);
    }
    close();
  });

  return {
    element: wrapper,
    input,
    get value() {
      return selected;
    },
    set(street) {
      setSelected(street);
      if (!street) input.value = "";
    },
    reset() {
      results = [];
      setSelected(null);
      input.value = "";
      close();
    },
  };
}
