// Staff console «Настройки» (administrators): the company settings document, in groups. Every save is
// a new version; the form sends the version it was opened at, and a save over a newer one is refused
// (409) — the page then offers to load the newer version. Lists are typed one item per line.

import { clearErrors, field, fill, formAlert, formatDateTime, formValues, h, setBusy, showErrors } from "../ui.js";

const lines = (text) =>
  (text || "")
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);

// "00:55-01:25" per line → [{start, end}]; a line that is not a range is sent as typed, for the API to name.
function lockWindows(text) {
  return lines(text).map((line) => {
    const [start, end = ""] = line.split(/\s*[-–—]\s*/);
    return { start: start.trim(), end: end.trim() };
  });
}

// A whole number as a number; anything else as typed, so the API answers on the field in Russian.
const wholeNumber = (text) => (/^\d+$/.test(text) ? Number(text) : text);

// Errors of list items ("…lock_windows.0.start") belong to the list's one control.
const LIST_FIELDS = ["settings.readings.lock_windows", "settings.contacts.hours", "settings.appeal_addressees",
  "settings.readings.submitters"];
function onControls(fields = []) {
  return fields.map((f) => {
    const list = LIST_FIELDS.find((name) => f.path === name || f.path.startsWith(`${name}.`));
    return list ? { ...f, path: list } : f;
  });
}

function group(title, hint, ...children) {
  return h(
    "fieldset",
    { class: "fieldset" },
    h("legend", {}, title),
    hint ? h("p", { class: "hint" }, hint) : null,
    h("div", { class: "grid" }, ...children),
  );
}

function submittersField(categories, selected) {
  // Named outside "settings.…" so formValues leaves them to `payload`; the error goes to the fieldset.
  return h(
    "fieldset",
    { class: "fieldset field field--wide", dataset: { field: "settings.readings.submitters" } },
    h("legend", {}, "Показания через личный кабинет принимают от"),
    Object.entries(categories).map(([code, name]) =>
      h(
        "div",
        { class: "check" },
        h("input", { type: "checkbox", id: `submitter-${code}`, name: `submitter.${code}`, checked: selected.includes(code) }),
        h("label", { for: `submitter-${code}` }, name),
      ),
    ),
    // The control errors of the group are placed on (showErrors needs a named control).
    h("input", { type: "hidden", name: "settings.readings.submitters" }),
    h("p", { class: "field-error" }),
  );
}

function payload(form, categories) {
  const values = formValues(form).settings;
  const checked = Object.keys(categories).filter((code) => form.elements.namedItem(`submitter.${code}`).checked);
  return {
    ...values,
    billing_period_end_day: wholeNumber(values.billing_period_end_day),
    connection_reminder_working_days: wholeNumber(values.connection_reminder_working_days),
    appeal_addressees: lines(values.appeal_addressees),
    readings: {
      window_start_day: wholeNumber(values.readings.window_start_day),
      lock_windows: lockWindows(values.readings.lock_windows),
      submitters: checked,
    },
    contacts: { ...values.contacts, hours: lines(values.contacts.hours) },
  };
}

function versionLine(data) {
  return h(
    "p",
    { class: "lead", dataset: { settingsVersion: String(data.version) } },
    `Версия ${data.version}`,
    data.saved_at ? ` · сохранена ${formatDateTime(data.saved_at)}` : "",
    data.saved_by ? ` · ${data.saved_by}` : "",
  );
}

function historyBlock(data) {
  if (!data.history?.length) return null;
  return h(
    "details",
    { class: "card" },
    h("summary", {}, "История версий"),
    h(
      "ul",
      {},
      data.history.map((v) => h("li", {}, `Версия ${v.version} — ${formatDateTime(v.saved_at)}, ${v.saved_by}`)),
    ),
  );
}

function settingsForm(ctx, data, rerender) {
  const s = data.settings;
  const r = s.readings;
  const c = s.contacts;
  const b = s.branding;
  const button = h("button", { type: "submit", class: "btn btn--primary" }, "Сохранить новую версию");
  const form = h(
    "form",
    { class: "form stack", novalidate: true, "aria-label": "Настройки компании" },
    formAlert(),
    group(
      "Компания и реквизиты",
      "ИНН указывается в выгрузках АТС 80020.",
      field({ name: "settings.requisites.name", label: "Название", required: true, value: s.requisites.name, size: "wide" }),
      field({ name: "settings.requisites.inn", label: "ИНН", value: s.requisites.inn, inputmode: "numeric", size: "narrow" }),
      field({ name: "settings.requisites.kpp", label: "КПП", value: s.requisites.kpp, inputmode: "numeric", size: "narrow" }),
      field({ name: "settings.requisites.ogrn", label: "ОГРН", value: s.requisites.ogrn, inputmode: "numeric", size: "narrow" }),
      field({ name: "settings.time_zone", label: "Часовой пояс", required: true, value: s.time_zone, hint: "Имя из базы IANA, например Europe/Moscow" }),
    ),
    group(
      "Приём показаний и обмен с биллингом",
      "Приём открыт с указанного дня до конца месяца. Во время окон блокировки идёт обмен с биллингом: " +
        "он запускается в начале каждого окна, приём показаний на это время закрыт.",
      field({ name: "settings.readings.window_start_day", label: "День начала приёма показаний", required: true,
        value: String(r.window_start_day), inputmode: "numeric", size: "narrow", hint: "От 1 до 31" }),
      field({ name: "settings.readings.lock_windows", label: "Окна блокировки (обмен с биллингом)", type: "textarea",
        rows: 3, value: r.lock_windows.map((w) => `${w.start}-${w.end}`).join("\n"),
        hint: "По одному на строке, ЧЧ:ММ-ЧЧ:ММ по местному времени, например 00:55-01:25" }),
      field({ name: "settings.billing_period_end_day", label: "День окончания расчётного периода АИИС КУЭ",
        value: String(s.billing_period_end_day), inputmode: "numeric", size: "narrow", hint: "0 — последний день месяца" }),
      submittersField(data.categories, r.submitters),
    ),
    group(
      "Контакты и часы работы",
      null,
      field({ name: "settings.contacts.support_title", label: "Служба поддержки", value: c.support_title, size: "wide" }),
      field({ name: "settings.contacts.phone", label: "Телефон", value: c.phone, type: "tel" }),
      field({ name: "settings.contacts.email", label: "E-mail", value: c.email, type: "email" }),
      field({ name: "settings.contacts.address", label: "Адрес приёма посетителей", value: c.address, size: "wide" }),
      field({ name: "settings.contacts.hours", label: "Часы работы", type: "textarea", rows: 4, value: c.hours.join("\n"),
        hint: "По одной строке, например «Пн–Чт: 8:00–17:00»", size: "wide" }),
      field({ name: "settings.contacts.emergency_title", label: "Аварийная служба", value: c.emergency_title }),
      field({ name: "settings.contacts.emergency_phone", label: "Телефон аварийной службы", value: c.emergency_phone, type: "tel" }),
      field({ name: "settings.contacts.emergency_hours", label: "Часы аварийной службы", value: c.emergency_hours }),
    ),
    group(
      "Обращения",
      null,
      field({ name: "settings.appeal_addressees", label: "Кому можно адресовать обращение", type: "textarea", rows: 3,
        value: s.appeal_addressees.join("\n"), hint: "По одному на строке", size: "wide" }),
    ),
    group(
      "Оформление сайта",
      null,
      field({ name: "settings.branding.site_name", label: "Название сайта", required: true, value: b.site_name }),
      field({ name: "settings.branding.logo_url", label: "Логотип", required: true, value: b.logo_url,
        hint: "Путь на сайте (assets/logo.svg) или адрес https://…" }),
      field({ name: "settings.branding.primary_color", label: "Основной цвет", type: "color", value: b.primary_color, size: "narrow" }),
      field({ name: "settings.branding.accent_color", label: "Цвет акцента", type: "color", value: b.accent_color, size: "narrow" }),
    ),
    group(
      "Технологическое присоединение",
      null,
      field({ name: "settings.connection_rates", label: "Таблица ставок платы (код)", required: true, value: s.connection_rates,
        hint: "Файлы chalicelib/calculator/rates/<код>-<год>.json" }),
      field({ name: "settings.connection_reminder_working_days", label: "Напоминать о сроке заявки за, раб. дн.",
        value: String(s.connection_reminder_working_days), inputmode: "numeric", size: "narrow",
        hint: "Сотруднику — о сроках сетевой организации, заявителю — о сроке представления документов (ПП РФ № 861)" }),
    ),
    h("div", { class: "form__actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    setBusy(button, true, "Сохраняем…");
    try {
      const saved = await ctx.api.put("/staff/settings", { version: data.version, settings: payload(form, data.categories) });
      rerender(saved, `Сохранена версия ${saved.version}`);
    } catch (error) {
      setBusy(button, false);
      if (error.status === 409) {
        showErrors(form, error.message);
        form.querySelector(".form-alert").append(
          h("button", { type: "button", class: "btn btn--small", onclick: () => reload(ctx, rerender) }, "Открыть новую версию"),
        );
      } else {
        showErrors(form, error.message, onControls(error.fields));
      }
    }
  });
  return form;
}

async function reload(ctx, rerender) {
  rerender(await ctx.api.get("/staff/settings"));
}

export async function settingsSection(ctx) {
  const body = h("div", { class: "stack" });
  const render = (data, notice) => {
    fill(
      body,
      notice ? h("div", { class: "notice notice--success", role: "status" }, notice) : null,
      versionLine(data),
      settingsForm(ctx, data, render),
      historyBlock(data),
    );
  };
  render(await ctx.api.get("/staff/settings"));
  return { title: "Настройки", body };
}
