// Reading entry (seed 000, 003): one input per tariff zone, the previous value, «Разность» and «Расход»
// computed while typing, the question «Переход электросчётчика через ноль?», the entry window and the
// billing-exchange lock (what was typed stays on the page, and in the browser until it is saved), edits
// with a version, conflicts, who submitted the saved values. The company's rule of who may submit is shown
// before anything is typed. And the period summary: which meters have readings this period (seed 000).

import { ROLLOVER_QUESTION, evaluateZone, total, zoneTitle } from "../reading-rules.js";
import {
  clearErrors,
  confirmDialog,
  field,
  fill,
  formAlert,
  formatDateTime,
  formatNumber,
  h,
  periodLabel,
  pluralRu,
  setBusy,
  showErrors,
} from "../ui.js";
import { meterHref, meterName, meterPills } from "./accounts.js";
import { kwh, meterIdFrom, submitterText, zoneValues } from "./meter.js";

// While the exchange holds the lock, the page asks the server every so often whether entry is open
// again (the server's clock is the one that counts, not the browser's).
const LOCK_POLL_MS = 15_000;

function daysLeftText(days) {
  if (days === 1) return "Последний день";
  return `${pluralRu(days, "Остался", "Осталось", "Осталось")} ${days} ${pluralRu(days, "день", "дня", "дней")}`;
}

// The badge beside the period: visual only, the window message next to it says the same in words.
export function windowBadge(window) {
  if (!window.open) return h("span", { class: "pill pill--muted", "aria-hidden": "true" }, "Приём закрыт");
  if (window.locked) return h("span", { class: "pill pill--warn", "aria-hidden": "true" }, "Идёт обмен данными");
  return h("span", { class: "pill pill--ok", "aria-hidden": "true" }, daysLeftText(window.days_left));
}

const inputValue = (value) => String(value ?? "").replace(".", ",");

// --- what was typed, kept in the browser until saved --------------------------------------------
// Only the values typed into this form (and the reading date of a declared meter) are stored, per meter
// and period, with the version of the saved reading they correct (null for a new one). Nothing else.

const TYPED_PREFIX = "kabinet.typed-reading.";
const typedKey = (meterId, period) => `${TYPED_PREFIX}${meterId}.${period}`;

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null; // storage blocked by the browser's settings: the page still works, a reload loses values
  }
}

function readTyped(meterId, period) {
  const store = storage();
  if (!store) return null;
  // Values of a period that is over can no longer be saved: drop them.
  const own = `${TYPED_PREFIX}${meterId}.`;
  for (let i = store.length - 1; i >= 0; i -= 1) {
    const key = store.key(i);
    if (key?.startsWith(own) && key !== typedKey(meterId, period)) store.removeItem(key);
  }
  try {
    const kept = JSON.parse(store.getItem(typedKey(meterId, period)) || "null");
    return kept && kept.values && typeof kept.values === "object" ? kept : null;
  } catch {
    return null;
  }
}

function keepTyped(meterId, period, kept) {
  const store = storage();
  if (!store) return;
  const typed = Object.values(kept.values).some((v) => v);
  try {
    if (typed) store.setItem(typedKey(meterId, period), JSON.stringify(kept));
    else store.removeItem(typedKey(meterId, period));
  } catch {
    // storage full or blocked: the values stay on the page
  }
}

function forgetTyped(meterId, period) {
  storage()?.removeItem(typedKey(meterId, period));
}

// Signing out (or closing the account) drops every kept value: the next person at this browser may be
// another account of the same meter, and must neither see them nor send them as their own.
export function forgetTypedReadings() {
  const store = storage();
  if (!store) return;
  for (let i = store.length - 1; i >= 0; i -= 1) {
    const key = store.key(i);
    if (key?.startsWith(TYPED_PREFIX)) store.removeItem(key);
  }
}

// --- the saved readings of the period ---------------------------------------------------------

function savedBy(reading) {
  if (reading.source !== "user") return ` — по данным ${reading.source === "aiis" ? "АИИС КУЭ" : "биллинга"}`;
  return reading.submitted_by_you ? " — переданы Вами" : ` — передал ${submitterText(reading)}`;
}

function receipt(reading, zones) {
  const multi = zones.length > 1;
  return h(
    "div",
    { class: "receipt" },
    h("p", { class: "receipt__time" }, `Сохранены ${formatDateTime(reading.submitted_at)}${savedBy(reading)}`),
    h(
      "ul",
      { class: "receipt__zones" },
      reading.zones.map((z) =>
        h(
          "li",
          { class: "receipt__zone" },
          multi ? h("p", { class: "receipt__zone-title" }, zoneTitle(z.zone, zones)) : null,
          h(
            "dl",
            { class: "figures" },
            h("div", {}, h("dt", {}, "Показание"), h("dd", { class: "figures__main" }, formatNumber(z.value))),
            h("div", {}, h("dt", {}, "Предыдущее"), h("dd", {}, z.previous === null ? "—" : formatNumber(z.previous))),
            h("div", {}, h("dt", {}, "Разность"), h("dd", {}, kwh(z.difference))),
            h("div", {}, h("dt", {}, "Расход"), h("dd", {}, kwh(z.consumption))),
          ),
          z.rollover ? h("p", { class: "hint" }, "Учтён переход счётчика через ноль.") : null,
          z.note ? h("p", { class: "hint" }, z.note) : null,
        ),
      ),
    ),
    multi && reading.total_consumption !== null
      ? h("p", { class: "receipt__total" }, "Расход за период: ", h("strong", {}, kwh(reading.total_consumption)))
      : null,
  );
}

// --- the entry form -----------------------------------------------------------------------------

function zoneInput(form, zone, onInput) {
  const single = form.zones.length === 1;
  const wrapper = field({
    name: `values.${zone}`,
    label: single ? "Текущее показание" : zoneTitle(zone, form.zones),
    inputmode: "decimal",
    hint:
      form.previous[zone] === null
        ? "Предыдущего показания нет: расход будет рассчитан после проверки"
        : `Предыдущее показание: ${formatNumber(form.previous[zone])}` +
          (form.previous_period ? ` (${periodLabel(form.previous_period)})` : ""),
  });
  wrapper.classList.add("reading");
  const input = wrapper.querySelector("input");
  // The previous value is read before typing the new one: it goes between the label and the input.
  input.before(wrapper.querySelector(".hint"));
  input.classList.add("reading__input");
  input.setAttribute("enterkeyhint", "done");
  const resultId = `${input.id}-result`;
  const result = h("output", { class: "reading__result", id: resultId, for: input.id, "aria-live": "polite" });
  input.setAttribute("aria-describedby", `${input.getAttribute("aria-describedby")} ${resultId}`);
  input.after(result);
  input.addEventListener("input", () => {
    // What the server said about the old value no longer applies to the new one.
    wrapper.classList.remove("field--invalid");
    input.removeAttribute("aria-invalid");
    wrapper.querySelector(".field-error").textContent = "";
    onInput();
  });
  return { wrapper, input, result };
}

function showZoneResult(result, outcome, coefficient) {
  const factor = coefficient !== "1" ? ` (× ${formatNumber(coefficient)})` : "";
  const figures = (difference, consumption) =>
    h(
      "dl",
      { class: "figures figures--live" },
      h("div", {}, h("dt", {}, "Разность"), h("dd", {}, difference)),
      h("div", {}, h("dt", {}, `Расход${factor}`), h("dd", {}, consumption)),
    );
  result.className = "reading__result";
  if (outcome.empty) {
    result.replaceChildren(figures("—", "—"));
  } else if (outcome.error) {
    result.classList.add("reading__result--warn");
    result.replaceChildren(h("p", {}, outcome.error));
  } else if (outcome.firstReading) {
    result.replaceChildren(); // the hint above the input already says there is nothing to subtract from
  } else {
    const note = h("p", { class: "reading__note" }, "Показание меньше предыдущего: при сохранении спросим, перешёл ли счётчик через ноль.");
    result.replaceChildren(figures(kwh(outcome.difference), kwh(outcome.consumption)), ...(outcome.rollover ? [note] : []));
  }
}

export async function entryView(ctx) {
  const id = meterIdFrom(ctx);
  const path = `/meters/${encodeURIComponent(id)}`;
  const [card, first] = await Promise.all([ctx.api.get(path), ctx.api.get(`${path}/readings/current`)]);
  let form = first;
  let editing = false;
  let pollTimer = null;
  let refused = false; // the server said no for good (window closed, meter refused): saving stays off

  const root = h("section", { class: "page page--medium" });
  const windowNotice = h("div", { class: "notice", role: "status" });
  const periodLine = h("p", { class: "period" });
  const saved = h("section", { class: "card", "aria-labelledby": "saved-title" });
  const entry = h("section", { class: "card", "aria-labelledby": "entry-title" });
  const message = h("div", { class: "notice", role: "status", hidden: true });
  const previousBox = h("div", { class: "card card--muted", hidden: true });
  // The company's rule of who may submit, stated above the inputs, before anything is typed (seed 002 §4.7).
  const ruleNote = h("p", { class: "notice reading__rule", hidden: true });
  // Correcting values another user of the contract saved: they will be told, so say so first.
  const othersNote = h("p", { class: "hint", hidden: true });
  const period = form.window.period;

  const meterRefusal = () => (form.refusal && form.refusal !== form.window.message ? form.refusal : null);
  const canEnter = () => !meterRefusal() && form.window.open;

  const say = (text, kind = "info") => {
    message.className = `notice notice--${kind}`;
    message.setAttribute("role", kind === "error" ? "alert" : "status");
    message.textContent = text;
    message.hidden = !text;
  };

  const renderWindow = () => {
    periodLine.replaceChildren(
      h("span", {}, "Расчётный период: ", h("strong", {}, periodLabel(form.window.period))),
      windowBadge(form.window),
    );
    const refusal = meterRefusal();
    windowNotice.className = `notice${refusal ? "" : form.window.accepts_entry ? " notice--success" : ""}`;
    windowNotice.textContent = refusal || form.window.message;
    // While the lock box beside the form says the exchange is running, the same words are not repeated here.
    windowNotice.hidden = form.window.locked && !lockBox.hidden;
    // A refusal by the rule already states it.
    const rule = form.submitters_rule;
    ruleNote.hidden = !rule || (form.refusal || "").startsWith(rule);
    ruleNote.textContent = rule ? `${rule}.` : "";
  };

  // --- the form ---
  const zoneControls = form.zones.map((zone) => zoneInput(form, zone, () => recompute()));
  const totalLine = h("p", { class: "reading__total", "aria-live": "polite" });
  const dateField = card.virtual
    ? field({
        name: "reading_date",
        label: "Дата снятия показаний",
        type: "date",
        value: new Date().toLocaleDateString("sv-SE"),
        size: "narrow",
      })
    : null;
  // A reading taken in the future is refused by the server; the date picker does not offer it.
  if (dateField) dateField.querySelector("input").max = new Date().toLocaleDateString("sv-SE");
  const submit = h("button", { type: "submit", class: "btn btn--primary btn--large" }, "Сохранить показания");
  const cancelEdit = h("button", { type: "button", class: "btn btn--ghost", hidden: true }, "Не исправлять");
  const lockText = h("p", {});
  const retry = h("button", { type: "submit", class: "btn btn--primary", disabled: true }, "Повторить сохранение");
  const lockBox = h("div", { class: "lockbox", role: "status", hidden: true }, lockText, retry);
  const formEl = h(
    "form",
    { class: "form", novalidate: true, dataset: { draft: `reading-${id}` } },
    formAlert(),
    othersNote,
    zoneControls.map((c) => c.wrapper),
    form.zones.length > 1 ? totalLine : null,
    dateField,
    lockBox,
    h("div", { class: "form__actions" }, submit, cancelEdit),
    h(
      "p",
      { class: "hint" },
      "Расход на сайте предварительный: окончательный рассчитывает сетевая компания при выставлении счёта.",
    ),
  );

  function recompute() {
    const outcomes = zoneControls.map((c, i) => {
      const zone = form.zones[i];
      const outcome = evaluateZone(c.input.value, form.previous[zone], form.digits, form.coefficient);
      showZoneResult(c.result, outcome, form.coefficient);
      return outcome;
    });
    const sum = total(outcomes.map((o) => o.consumption));
    totalLine.replaceChildren(...(sum === null ? [] : ["Итого расход: ", h("strong", {}, kwh(sum))]));
    return outcomes;
  }

  // A message under a field replaces the live warning of the same zone, so a problem is not said twice.
  const reportErrors = (text, fields = []) => {
    showErrors(formEl, text, fields);
    for (const c of zoneControls) {
      if (c.wrapper.classList.contains("field--invalid") && c.result.classList.contains("reading__result--warn")) {
        c.result.className = "reading__result";
        c.result.replaceChildren();
      }
    }
  };

  const values = () => Object.fromEntries(form.zones.map((zone, i) => [zone, zoneControls[i].input.value.trim()]));

  const keep = () =>
    keepTyped(id, period, {
      version: editing && form.current ? form.current.version : null,
      values: values(),
      date: dateField ? dateField.querySelector("input").value : null,
    });
  formEl.addEventListener("input", keep);

  const stopPolling = () => {
    clearInterval(pollTimer);
    pollTimer = null;
  };

  const reload = async () => {
    form = await ctx.api.get(`${path}/readings/current`);
    renderWindow();
  };

  // The exchange holds the lock: nothing typed is lost; saving comes back when the server says so.
  const lockedOut = (text) => {
    lockText.textContent = text;
    lockBox.hidden = false;
    windowNotice.hidden = true;
    submit.hidden = true;
    retry.disabled = true;
    if (pollTimer) return;
    pollTimer = setInterval(async () => {
      if (!root.isConnected) return stopPolling();
      try {
        await reload();
      } catch {
        return; // try again at the next tick
      }
      if (form.window.accepts_entry) {
        stopPolling();
        lockText.textContent = "Обмен данными завершён: показания можно сохранить.";
        retry.disabled = false;
      } else if (!form.window.open) {
        stopPolling();
        lockBox.hidden = true;
        showState();
      }
    }, LOCK_POLL_MS);
  };

  const unlocked = () => {
    lockBox.hidden = true;
    submit.hidden = false;
  };

  const send = async (rollover) => {
    const body = { values: values() };
    if (rollover) body.rollover_confirmed = rollover;
    if (editing && form.current) body.version = form.current.version;
    if (dateField) body.reading_date = dateField.querySelector("input").value || undefined;
    return ctx.api.post(`${path}/readings`, body);
  };

  const saveFlow = async (button) => {
    say("");
    clearErrors(formEl);
    const empty = form.zones.filter((zone, i) => !zoneControls[i].input.value.trim());
    if (empty.length) {
      return reportErrors(
        "Введите показания.",
        empty.map((zone) => ({ path: `values.${zone}`, message: "Введите показание" })),
      );
    }
    setBusy(button, true, "Сохраняем…");
    try {
      let reading;
      try {
        reading = await send(null);
      } catch (error) {
        if (error.code !== "rollover_confirmation_required") throw error;
        setBusy(button, false);
        const asked = error.fields.map((f) => f.path.replace(/^values\./, "")).filter((z) => form.zones.includes(z));
        const outcomes = recompute();
        const yes = await confirmDialog({
          title: ROLLOVER_QUESTION,
          text: asked.map((zone) => {
            const i = form.zones.indexOf(zone);
            const o = outcomes[i];
            return h(
              "p",
              {},
              form.zones.length > 1 ? `${zoneTitle(zone, form.zones)}: т` : "Т",
              `екущее показание ${zoneControls[i].input.value.trim()} меньше предыдущего ` +
                `${formatNumber(form.previous[zone])}.`,
              o.difference ? ` Если счётчик перешёл через ноль, разность составит ${kwh(o.difference)}.` : "",
            );
          }),
          confirm: "Да",
          cancel: "Нет — исправить",
        });
        if (!yes) {
          reportErrors(
            "Исправьте показание: оно меньше предыдущего.",
            asked.map((zone) => ({ path: `values.${zone}`, message: "Проверьте показание: оно меньше предыдущего" })),
          );
          zoneControls[form.zones.indexOf(asked[0])]?.input.select();
          return;
        }
        setBusy(button, true, "Сохраняем…");
        reading = await send(Object.fromEntries(asked.map((zone) => [zone, true])));
      }
      stopPolling();
      unlocked();
      forgetTyped(id, period);
      form.current = reading;
      editing = false;
      formEl.reset();
      if (dateField) dateField.querySelector("input").value = new Date().toLocaleDateString("sv-SE");
      showState();
      say("Показания сохранены.", "success");
      saved.querySelector("h2")?.focus();
    } catch (error) {
      await handleError(error);
    } finally {
      setBusy(button, false);
      retry.disabled = pollTimer !== null;
      submit.disabled = refused;
    }
  };

  const handleError = async (error) => {
    if (error.code === "sync_locked") {
      lockedOut(error.message);
      reload().catch(() => {}); // the period line then says the exchange is running
      return;
    }
    if (error.code === "conflict") {
      const typed = form.zones.map((zone) => (form.zones.length > 1 ? `${zoneTitle(zone, form.zones)}: ` : "") + values()[zone]).join("; ");
      forgetTyped(id, period); // they were typed against values that are no longer the saved ones
      await reload().catch(() => {});
      editing = false;
      showState();
      say(
        "Показания этого счётчика уже изменены в другом окне или на другом устройстве. Ниже — сохранённые значения. " +
          `Введённые Вами (${typed}) не сохранены: при необходимости исправьте показания ещё раз.`,
        "error",
      );
      return;
    }
    if (["window_closed", "period_closed", "decommissioned", "aiis", "category_not_allowed", "view_only"].includes(error.code)) {
      await reload().catch(() => {});
      refused = true;
      reportErrors(error.message);
      return;
    }
    reportErrors(error.message, error.fields);
  };

  formEl.addEventListener("submit", (event) => {
    event.preventDefault();
    saveFlow(lockBox.hidden ? submit : retry);
  });
  cancelEdit.addEventListener("click", () => {
    editing = false;
    forgetTyped(id, period);
    formEl.reset();
    clearErrors(formEl);
    showState();
  });

  const startEdit = () => {
    editing = true;
    form.zones.forEach((zone, i) => {
      zoneControls[i].input.value = inputValue(form.current.zones.find((z) => z.zone === zone)?.value);
    });
    showState();
    zoneControls[0].input.focus();
  };

  function showState() {
    renderWindow();
    const current = form.current;
    saved.hidden = !current;
    if (current) {
      fill(
        saved,
        h("h2", { id: "saved-title", class: "card__title", tabindex: "-1" }, `Показания за ${periodLabel(current.period)}`),
        receipt(current, form.zones),
        canEnter() && !editing
          ? h("div", { class: "form__actions" }, h("button", { type: "button", class: "btn", onclick: startEdit }, "Исправить показания"))
          : null,
      );
    }
    const showForm = canEnter() && (!current || editing);
    previousBox.hidden = showForm || Boolean(current);
    if (!previousBox.hidden) {
      const known = form.zones.filter((zone) => form.previous[zone] !== null);
      previousBox.replaceChildren(
        known.length
          ? h(
              "p",
              {},
              "Предыдущее показание",
              form.previous_period ? ` (${periodLabel(form.previous_period)})` : "",
              ": ",
              h("strong", {}, zoneValues(Object.fromEntries(known.map((z) => [z, form.previous[z]])), form.zones)),
            )
          : h("p", {}, "Показаний за прошлые периоды нет."),
      );
    }
    entry.hidden = !showForm;
    if (showForm) {
      entry.querySelector("h2").textContent = editing ? "Исправление показаний" : "Ввод показаний";
      const other = editing && current && current.source === "user" && !current.submitted_by_you;
      othersNote.hidden = !other;
      othersNote.textContent = other
        ? `Эти показания передал ${submitterText(current)}. После исправления ему и другим пользователям договора ` +
          "придёт уведомление."
        : "";
      cancelEdit.hidden = !editing;
      recompute();
      if (form.window.locked) lockedOut(form.window.message);
    }
  }

  entry.append(h("h2", { id: "entry-title", class: "card__title" }, "Ввод показаний"), formEl);

  // Values typed before a reload (or a lost connection, or the exchange lock) come back until saved.
  const restoreTyped = () => {
    const kept = readTyped(id, period);
    if (!kept || !canEnter()) return;
    const savedVersion = form.current ? form.current.version : null;
    const typed = form.zones.map((zone) => kept.values[zone]).filter(Boolean).join("; ");
    if (kept.version !== savedVersion) {
      // The saved reading changed since these were typed: they must not silently replace it.
      forgetTyped(id, period);
      say(
        "Показания этого счётчика изменены после того, как Вы ввели значения на этой странице. Ниже — сохранённые " +
          `значения. Введённые Вами (${typed}) не сохранены: при необходимости исправьте показания ещё раз.`,
        "error",
      );
      return;
    }
    editing = kept.version !== null;
    form.zones.forEach((zone, i) => {
      zoneControls[i].input.value = typeof kept.values[zone] === "string" ? kept.values[zone] : "";
    });
    if (dateField && typeof kept.date === "string") dateField.querySelector("input").value = kept.date;
    say("Восстановлены значения, введённые ранее на этой странице. Они ещё не сохранены: проверьте их и сохраните.");
  };

  const meta = [card.label ? `№ ${card.serial}` : null, card.model].filter(Boolean).join(" · ");
  root.append(
    h(
      "p",
      { class: "breadcrumbs" },
      h("a", { href: "#/accounts" }, "Лицевые счета и приборы учёта"),
      " / ",
      h("a", { href: meterHref("meter", card.id) }, meterName(card)),
    ),
    h("h1", { tabindex: "-1" }, "Передача показаний"),
    h("p", { class: "lead" }, meterName(card), meta ? ` · ${meta}` : "", " ", meterPills(card)),
    periodLine,
    windowNotice,
    ruleNote,
    message,
    saved,
    previousBox,
    entry,
    h(
      "ul",
      { class: "links" },
      h("li", {}, h("a", { href: meterHref("meter/history", card.id) }, "История показаний")),
      h("li", {}, h("a", { href: "#/readings" }, "Сводка за период")),
    ),
  );
  restoreTyped();
  showState();
  return root;
}

// --- the summary of the period ----------------------------------------------------------------

const NOT_MANUAL = { aiis: "передаются автоматически", decommissioned: "не принимаются" };

function summaryRow(row, meter, window) {
  const reading = row.reading;
  const name = meter ? meterName(meter) : row.label || `Счётчик № ${row.serial}`;
  // The server's answer: the meter takes manual readings, the contract's category is admitted and this
  // account may submit (a view-only co-user may not).
  const manual = row.accepts_manual;
  let action = null;
  if (manual && window.open) {
    action = reading
      ? h("a", { href: meterHref("meter/reading", row.meter_id) }, "Исправить")
      : h("a", { class: "btn btn--small btn--primary", href: meterHref("meter/reading", row.meter_id) }, "Передать");
  }
  const consumption = reading ? reading.total_consumption ?? total(reading.zones.map((z) => z.consumption)) : null;
  return h(
    "tr",
    { class: !reading && manual ? "row--missing" : false },
    h(
      "th",
      { scope: "row" },
      h("a", { href: meterHref("meter", row.meter_id) }, name),
      meter?.label ? h("span", { class: "cell-sub" }, `№ ${row.serial}`) : null,
      meter ? meterPills(meter) : null,
    ),
    h(
      "td",
      { class: "num", "data-label": "Показание" },
      reading
        ? zoneValues(Object.fromEntries(reading.zones.map((z) => [z.zone, z.value])), meter?.zones)
        : h("span", { class: "muted" }, manual ? "не передано" : NOT_MANUAL[row.status] || "только просмотр"),
    ),
    h("td", { class: "num", "data-label": "Расход" }, reading ? kwh(consumption) : "—"),
    h(
      "td",
      { "data-label": "Передано" },
      reading ? formatDateTime(reading.submitted_at) : "—",
      reading && !reading.submitted_by_you ? h("span", { class: "cell-sub" }, submitterText(reading)) : null,
    ),
    h("td", { class: "cell-action" }, action),
  );
}

function summaryTable(rows, meters, window, caption) {
  return h(
    "div",
    { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
    h(
      "table",
      { class: "table table--stack" },
      h("caption", { class: "visually-hidden" }, caption),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "Счётчик"),
          h("th", { scope: "col", class: "num" }, "Показание"),
          h("th", { scope: "col", class: "num" }, "Расход"),
          h("th", { scope: "col" }, "Передано"),
          h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Действие")),
        ),
      ),
      h("tbody", {}, rows.map((row) => summaryRow(row, meters.get(row.meter_id), window))),
    ),
  );
}

export async function summaryView(ctx) {
  const [summary, tree] = await Promise.all([ctx.api.get("/readings/summary"), ctx.api.get("/accounts")]);
  const byId = new Map(summary.meters.map((row) => [row.meter_id, row]));
  const meters = new Map();
  const groups = [];
  for (const contract of tree.contracts) {
    for (const object of contract.objects) {
      object.meters.forEach((m) => meters.set(m.id, m));
      const rows = object.meters.map((m) => byId.get(m.id)).filter(Boolean);
      if (rows.length) {
        groups.push({ title: object.name, sub: `Договор № ${contract.number} · ${object.address}`, rows });
      }
    }
  }
  tree.declared_meters.forEach((m) => meters.set(m.id, m));
  const rest = summary.meters.filter((row) => !groups.some((g) => g.rows.includes(row)));
  if (rest.length) groups.push({ title: "Заявленные счётчики", sub: "", rows: rest });

  return h(
    "section",
    { class: "page page--medium" },
    h("h1", { tabindex: "-1" }, `Показания за ${periodLabel(summary.period)}`),
    summary.total
      ? h(
          "div",
          { class: "period" },
          h(
            "p",
            { class: "counter" },
            h("span", { class: "counter__text" }, "Передано "),
            h("strong", { class: "counter__number" }, `${summary.submitted} из ${summary.total}`),
          ),
          windowBadge(summary.window),
        )
      : null,
    h("div", { class: `notice${summary.window.accepts_entry ? " notice--success" : ""}`, role: "status" }, summary.window.message),
    summary.total
      ? groups.map((group) =>
          h(
            "section",
            { class: "card summary-group", "aria-label": group.title },
            h("h2", { class: "card__title" }, group.title),
            group.sub ? h("p", { class: "hint" }, group.sub) : null,
            summaryTable(group.rows, meters, summary.window, `Показания: ${group.title}`),
          ),
        )
      : h(
          "div",
          { class: "empty" },
          h("p", {}, "Приборов учёта в личном кабинете пока нет."),
          h("p", {}, h("a", { href: "#/accounts" }, "Привязать договор")),
        ),
  );
}
