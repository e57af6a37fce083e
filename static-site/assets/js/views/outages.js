// Outages (seed 001 «Статистика отключений»): for an address and a date range, the planned and emergency
// outages with start and end. Public — no sign-in needed; signed-in users also manage SMS subscriptions
// to outages at their addresses: planned ones only, or emergencies too. A notification about an outage
// opens this page with its address (`?street_id=…&house=…`), searched at once.

import { loadLocalities, localitySelect, streetPicker } from "../streets.js";
import {
  checkbox,
  clearErrors,
  confirmDialog,
  field,
  formAlert,
  formatLocalDateTime,
  formatLocalRange,
  h,
  pluralRu,
  setBusy,
  showErrors,
} from "../ui.js";

const DEFAULT_DAYS = 14;
const KINDS_TEXT = { planned: "только плановые", all: "плановые и аварийные" };

const isoDay = (date) => date.toLocaleDateString("sv-SE");

function addDays(date, days) {
  const copy = new Date(date);
  copy.setDate(copy.getDate() + days);
  return copy;
}

// A planned outage whose times or houses changed after it was announced: say so, with the old times.
function changedNote(outage) {
  if (!outage.changed_at) return null;
  const when = `Изменено ${formatLocalDateTime(outage.changed_at)}`;
  const before = outage.previous_start ? `; ранее: ${formatLocalRange(outage.previous_start, outage.previous_end)}` : "";
  return h("p", { class: "outage__changed hint" }, `${when}${before}.`);
}

function outageItem(outage) {
  const emergency = outage.kind === "emergency";
  return h(
    "li",
    { class: `outage${emergency ? " outage--emergency" : ""}` },
    h(
      "div",
      { class: "outage__head" },
      h("span", { class: `pill ${emergency ? "pill--danger" : "pill--info"}` }, outage.kind_title),
      outage.changed_at ? h("span", { class: "pill pill--warn" }, "Изменено") : null,
      h("span", { class: "outage__time" }, formatLocalRange(outage.start, outage.end)),
    ),
    changedNote(outage),
    h(
      "p",
      { class: "outage__address" },
      `${outage.street.locality}, ${outage.street.name}`,
      outage.houses ? `, ${outage.houses.includes(",") || outage.houses.includes("–") ? "дома" : "дом"} ${outage.houses}` : ", вся улица",
    ),
    h("p", { class: "outage__reason" }, outage.reason),
  );
}

function subscriptionsCard(ctx, address) {
  const list = h("ul", { class: "subscriptions" });
  const status = h("p", { class: "status", role: "status", "aria-live": "polite" });
  const error = h("div", { class: "notice notice--error", role: "alert", hidden: true });
  const subscribe = h("button", { type: "button", class: "btn", disabled: true }, "Подписаться на SMS по этому адресу");
  const emergencyChoice = checkbox({ name: "emergency", label: "Также об аварийных отключениях" });
  const emergencyToo = emergencyChoice.querySelector("input");
  const addressHint = h("p", { class: "hint" });
  let items = [];
  let limit = 10;

  const fail = (err) => {
    error.textContent = err.message;
    error.hidden = false;
  };

  const render = () => {
    list.replaceChildren(
      ...items.map((item) => {
        const remove = h("button", { type: "button", class: "btn btn--link" }, "Отписаться");
        remove.addEventListener("click", async () => {
          const text = `${item.street}, д. ${item.house}`;
          const yes = await confirmDialog({
            title: "Отписаться от SMS?",
            text: `SMS о плановых отключениях по адресу ${item.locality}, ${text} больше не будут приходить.`,
            confirm: "Отписаться",
            cancel: "Отмена",
          });
          if (!yes) return;
          error.hidden = true;
          setBusy(remove, true);
          try {
            await ctx.api.delete(`/outages/subscriptions/${encodeURIComponent(item.street_id)}/${encodeURIComponent(item.house)}`);
            items = items.filter((i) => i !== item);
            status.textContent = `Подписка на адрес ${text} отменена.`;
            render();
          } catch (err) {
            setBusy(remove, false);
            fail(err);
          }
        });
        const everything = item.kinds === "all";
        const switchKinds = h(
          "button",
          { type: "button", class: "btn btn--link" },
          everything ? "Только плановые" : "Также аварийные",
        );
        switchKinds.addEventListener("click", async () => {
          error.hidden = true;
          setBusy(switchKinds, true);
          try {
            const changed = await ctx.api.patch(
              `/outages/subscriptions/${encodeURIComponent(item.street_id)}/${encodeURIComponent(item.house)}`,
              { kinds: everything ? "planned" : "all" },
            );
            items = items.map((i) => (i === item ? changed : i));
            status.textContent = `${changed.street}, д. ${changed.house}: ${KINDS_TEXT[changed.kinds]}.`;
            render();
          } catch (err) {
            setBusy(switchKinds, false);
            fail(err);
          }
        });
        return h(
          "li",
          {},
          h(
            "span",
            {},
            `${item.locality}, ${item.street}, д. ${item.house}`,
            h("span", { class: "hint" }, ` — ${KINDS_TEXT[item.kinds]}`),
          ),
          switchKinds,
          remove,
        );
      }),
    );
    list.hidden = !items.length;
    update();
  };

  const update = () => {
    const current = address();
    const full = items.length >= limit;
    subscribe.disabled = !current || full;
    addressHint.textContent = full
      ? `Можно подписаться не более чем на ${limit} ${pluralRu(limit, "адрес", "адреса", "адресов")}.`
      : current
        ? `Адрес: ${current.street.locality}, ${current.street.name}, д. ${current.house}.`
        : "Выберите улицу и укажите дом в форме поиска — на этот адрес можно подписаться.";
  };

  subscribe.addEventListener("click", async () => {
    const current = address();
    if (!current) return;
    error.hidden = true;
    setBusy(subscribe, true, "Подписываем…");
    try {
      const item = await ctx.api.post("/outages/subscriptions", {
        street_id: current.street.id,
        house: current.house,
        kinds: emergencyToo.checked ? "all" : "planned",
      });
      items = [...items, item];
      status.textContent = `Готово: SMS ${item.kinds === "all" ? "о плановых и аварийных" : "о плановых"} отключениях по адресу ${item.street}, д. ${item.house} придут на Ваш телефон.`;
    } catch (err) {
      fail(err);
    } finally {
      setBusy(subscribe, false);
      render();
    }
  });

  const card = h(
    "section",
    { class: "card", "aria-labelledby": "subs-title" },
    h("h2", { id: "subs-title", class: "card__title" }, "SMS об отключениях"),
    h(
      "p",
      { class: "hint" },
      "О плановых отключениях по выбранным адресам придёт SMS на телефон из Вашего профиля — и ещё одно, если время отключения изменят или его отменят. По желанию — и об аварийных отключениях, как только они случатся.",
    ),
    list,
    error,
    status,
    addressHint,
    emergencyChoice,
    h("div", { class: "form__actions" }, subscribe),
  );

  return {
    element: card,
    update,
    find: (streetId, house) => items.find((i) => i.street_id === streetId && i.house === house),
    async load() {
      const answer = await ctx.api.get("/outages/subscriptions");
      items = answer.items;
      limit = answer.limit;
      render();
    },
  };
}

export async function outagesView(ctx) {
  let localities = [];
  let directoryError = null;
  try {
    localities = await loadLocalities(ctx.api);
  } catch (error) {
    directoryError = error;
  }

  const results = h("div", { class: "outages-results", "aria-live": "polite" });
  const button = h("button", { type: "submit", class: "btn btn--primary" }, "Показать отключения");
  const today = new Date();
  const locality = localitySelect({ name: "locality", label: "Населённый пункт", localities });
  const localityControl = locality.querySelector("select");
  let searched = null; // the address of the last search: what «Подписаться» subscribes to
  let subscriptions = null;

  const street = streetPicker({
    api: ctx.api,
    name: "street_id",
    label: "Улица",
    required: true,
    hint: "Начните вводить название и выберите улицу из списка",
    locality: () => localityControl.value,
  });
  localityControl.addEventListener("change", () => street.reset());

  const kind = field({ name: "kind", label: "Вид отключения", size: "narrow" });
  const kindInput = kind.querySelector("input");
  kindInput.replaceWith(
    h(
      "select",
      { id: kindInput.id, name: "kind", "aria-describedby": kindInput.getAttribute("aria-describedby") },
      h("option", { value: "" }, "Все"),
      h("option", { value: "planned" }, "Плановые"),
      h("option", { value: "emergency" }, "Аварийные"),
    ),
  );

  const form = h(
    "form",
    { class: "form", novalidate: true },
    formAlert(),
    h(
      "div",
      { class: "grid" },
      locality,
      street.element,
      field({ name: "house", label: "Дом", hint: "Например, 12к2 или 14/1. Без дома — вся улица", size: "narrow" }),
      field({ name: "from", label: "С", type: "date", value: isoDay(today), size: "narrow" }),
      field({ name: "to", label: "По", type: "date", value: isoDay(addDays(today, DEFAULT_DAYS)), size: "narrow" }),
      kind,
    ),
    h("div", { class: "form__actions" }, button),
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const picked = street.value;
    if (!picked) {
      return showErrors(form, "Выберите улицу из справочника.", [
        { path: "street_id", message: "Начните вводить название и выберите улицу из списка" },
      ]);
    }
    const get = (name) => form.elements.namedItem(name).value.trim();
    const query = new URLSearchParams({ street_id: picked.id });
    for (const name of ["house", "from", "to", "kind"]) if (get(name)) query.set(name, get(name));
    clearErrors(form);
    setBusy(button, true, "Ищем…");
    try {
      const answer = await ctx.api.get(`/outages?${query}`, { auth: false });
      const house = get("house");
      searched = house ? { street: picked, house } : null;
      subscriptions?.update();
      const place = `${picked.name}${house ? `, д. ${house}` : ""}`;
      const period = `с ${answer.from.split("-").reverse().join(".")} по ${answer.to.split("-").reverse().join(".")}`;
      results.replaceChildren(
        h("h2", { class: "results__title" }, `${place}: ${period}`),
        answer.items.length
          ? h("ul", { class: "outages" }, answer.items.map(outageItem))
          : h("p", { class: "empty" }, "Отключений по этому адресу за выбранный период нет."),
      );
    } catch (error) {
      showErrors(form, error.message, error.fields);
    } finally {
      setBusy(button, false);
    }
  });

  let aside;
  if (ctx.user) {
    subscriptions = subscriptionsCard(ctx, () => searched);
    try {
      await subscriptions.load();
      aside = subscriptions.element;
      // Opened from a notification: search the subscribed address it is about.
      const linked = subscriptions.find(ctx.params.get("street_id"), ctx.params.get("house"));
      if (linked) {
        localityControl.value = linked.locality;
        street.set({ id: linked.street_id, name: linked.street, locality: linked.locality });
        form.elements.namedItem("house").value = linked.house;
        setTimeout(() => form.isConnected && form.requestSubmit()); // once the page is on screen
      }
    } catch (error) {
      aside = h("div", { class: "notice notice--error", role: "alert" }, error.message);
    }
  } else {
    aside = h(
      "section",
      { class: "card card--muted" },
      h("h2", { class: "card__title" }, "SMS об отключениях"),
      h(
        "p",
        {},
        h("a", { href: "#/login?next=%2Foutages" }, "Войдите в личный кабинет"),
        ", чтобы получать SMS о плановых отключениях по своему адресу.",
      ),
    );
  }

  return h(
    "section",
    { class: "page" },
    h("h1", { tabindex: "-1" }, "Отключения электроэнергии"),
    h("p", { class: "lead" }, "Плановые и аварийные отключения по адресу за выбранный период."),
    directoryError || !localities.length
      ? h(
          "div",
          { class: `notice${directoryError ? " notice--error" : ""}`, role: directoryError ? "alert" : "status" },
          directoryError ? directoryError.message : "Справочник адресов ещё не заполнен: поиск отключений пока недоступен.",
        )
      : h(
          "div",
          { class: "layout-aside" },
          h("div", {}, h("section", { class: "card", "aria-label": "Поиск отключений" }, form), results),
          h("aside", { class: "aside" }, aside),
        ),
  );
}
