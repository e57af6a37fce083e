// Meter card (seed 002, 004): every field billing knows, the owner's own name for the meter, links to
// reading entry and history; and the reading history by period (seed 000, 002).

import { tariffTitle, total, zoneTitle } from "../reading-rules.js";
import {
  clearErrors,
  field,
  formAlert,
  formatDateTime,
  formatDay,
  formatNumber,
  formValues,
  h,
  periodLabel,
  setBusy,
  showErrors,
  statusLine,
} from "../ui.js";
import { acceptsManualReadings, meterHref, meterName, meterPills } from "./accounts.js";
import { aiisCardBlock } from "./aiis.js";

const STATUS_TEXT = {
  active: "В работе",
  decommissioned: "Выведен из эксплуатации",
  aiis: "Подключён к АИИС КУЭ",
};

const NOT_MANUAL = {
  decommissioned: "Счётчик выведен из эксплуатации: показания по нему не принимаются.",
  aiis: "Показания этого счётчика передаются автоматически (АИИС КУЭ), вводить их вручную не нужно.",
};

const SOURCE_TEXT = { billing: "Биллинг", aiis: "АИИС КУЭ" };

// Who submitted a reading, as the history and the entry form show it.
export function submitterText(reading) {
  if (reading.source !== "user") return SOURCE_TEXT[reading.source] || reading.source;
  if (reading.submitted_by_you) return "Вы";
  return reading.submitted_by_name || "пользователь личного кабинета";
}

export function meterIdFrom(ctx) {
  const id = ctx.params.get("id");
  if (!id) throw new Error("Не указан прибор учёта. Откройте его из списка приборов учёта.");
  return id;
}

// Values by zone in one line: "99 958" for one zone, "Т1 — день: 1 010; Т2 — ночь: 505,5" for more.
export function zoneValues(values, zones) {
  const keys = zones?.length ? zones.filter((z) => z in values) : Object.keys(values).sort();
  if (keys.length === 1) return formatNumber(values[keys[0]]);
  return keys.map((z) => `${zoneTitle(z, keys)}: ${formatNumber(values[z])}`).join("; ");
}

export function kwh(value) {
  return value === null || value === undefined ? "—" : `${formatNumber(value)} кВт·ч`;
}

function facts(rows) {
  return h(
    "dl",
    { class: "facts facts--wide" },
    rows.filter(([, value]) => value !== null && value !== undefined && value !== "").map(([term, value]) => [
      h("dt", {}, term),
      h("dd", {}, value),
    ]),
  );
}

function renameForm(ctx, card, onRenamed) {
  const button = h("button", { type: "submit", class: "btn" }, "Сохранить название");
  const status = statusLine();
  const form = h(
    "form",
    { class: "form form--inline", novalidate: true },
    formAlert(),
    field({
      name: "label",
      label: "Своё название",
      value: card.label || "",
      maxlength: "60",
      hint: "Видно только Вам, например «Кухня» или «Гараж». Оставьте пустым, чтобы убрать",
    }),
    status,
    h("div", { class: "form__actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.textContent = "";
    clearErrors(form);
    const label = formValues(form).label || null;
    setBusy(button, true, "Сохраняем…");
    try {
      await ctx.api.patch(`/meters/${encodeURIComponent(card.id)}`, { label });
      onRenamed(label);
      status.textContent = label ? "Название сохранено." : "Название убрано.";
    } catch (error) {
      showErrors(form, error.message, error.fields);
    } finally {
      setBusy(button, false);
    }
  });
  return form;
}

export async function meterView(ctx) {
  const id = meterIdFrom(ctx);
  const card = await ctx.api.get(`/meters/${encodeURIComponent(id)}`);
  const title = h("h1", { tabindex: "-1" }, meterName(card));
  const current = card.current_reading;

  const actions = h(
    "div",
    { class: "form__actions" },
    acceptsManualReadings(card) && card.right !== "view"
      ? h(
          "a",
          { class: "btn btn--primary", href: meterHref("meter/reading", card.id) },
          current ? "Показания за период" : "Передать показания",
        )
      : null,
    h("a", { class: "btn", href: meterHref("meter/history", card.id) }, "История показаний"),
  );

  const lastBilling = Object.keys(card.last_billing_values || {}).length
    ? `${zoneValues(card.last_billing_values, card.zones)} (${periodLabel(card.last_billing_period)})`
    : null;

  return h(
    "section",
    { class: "page page--medium" },
    h("p", { class: "breadcrumbs" }, h("a", { href: "#/accounts" }, "Лицевые счета и приборы учёта")),
    title,
    h("p", { class: "meter__pills meter__pills--lead" }, meterPills(card)),
    card.status === "aiis"
      ? await aiisCardBlock(ctx, card)
      : NOT_MANUAL[card.status]
        ? h("div", { class: "notice" }, NOT_MANUAL[card.status])
        : null,
    current
      ? h(
          "div",
          { class: "notice notice--success" },
          `Показания за ${periodLabel(current.period)} переданы ${formatDateTime(current.submitted_at)}: `,
          zoneValues(current.values, card.zones),
          ".",
        )
      : null,
    actions,
    h(
      "section",
      { class: "card", "aria-labelledby": "card-title" },
      h("h2", { id: "card-title", class: "card__title" }, "Сведения о приборе учёта"),
      facts([
        ["Заводской номер", card.serial],
        ["Модель", card.model || "не указана"],
        ["Тариф", `${tariffTitle(card.zones)}`],
        ["Разрядность", `${card.digits} ${card.digits < 5 ? "цифры" : "цифр"}`],
        ["Расчётный коэффициент", formatNumber(card.coefficient)],
        ["Состояние", STATUS_TEXT[card.status] || card.status],
        ["Договор", card.contract ? `№ ${card.contract}` : null],
        ["Лицевой счёт", card.account],
        ["Объект", card.object_name],
        ["Местонахождение", card.location],
        ["Место установки", card.install_place],
        ["Дата установки", formatDay(card.install_date)],
        ["Дата последней поверки", formatDay(card.verified_on)],
        ["Дата следующей поверки", formatDay(card.next_verification)],
        ["Пломба", card.seal],
        ["Точка учёта", card.point_code],
        ["Последнее показание в биллинге", lastBilling],
      ]),
      card.virtual && !card.verified
        ? h("p", { class: "hint" }, "Счётчик заявлен Вами и ещё не сверен с данными биллинга.")
        : null,
    ),
    card.replacements?.length ? replacementsBlock(card) : null,
    h(
      "section",
      { class: "card", "aria-labelledby": "rename-title" },
      h("h2", { id: "rename-title", class: "card__title" }, "Название"),
      renameForm(ctx, card, (label) => {
        card.label = label;
        title.textContent = meterName(card);
        document.title = `${meterName(card)} — Личный кабинет`;
      }),
    ),
  );
}

// Seed 004: «информация по поверке и заменах приборов учёта» — each replacement billing reported,
// newest first, with the readings the period's consumption is counted from.
function replacementsBlock(card) {
  const row = (r) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, formatDay(r.date)),
      h("td", { "data-label": "Снят" }, `№ ${r.old_serial}`),
      h("td", { class: "num", "data-label": "Конечные показания" }, zoneValues(r.old_final)),
      h("td", { "data-label": "Установлен" }, `№ ${r.new_serial}`),
      h("td", { class: "num", "data-label": "Начальные показания" }, zoneValues(r.new_initial)),
    );
  return h(
    "section",
    { class: "card", "aria-labelledby": "replacements-title" },
    h("h2", { id: "replacements-title", class: "card__title" }, "Замены прибора учёта"),
    h(
      "table",
      { class: "table table--stack" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "Дата замены"),
          h("th", { scope: "col" }, "Снят"),
          h("th", { scope: "col", class: "num" }, "Конечные показания"),
          h("th", { scope: "col" }, "Установлен"),
          h("th", { scope: "col", class: "num" }, "Начальные показания"),
        ),
      ),
      h("tbody", {}, card.replacements.map(row)),
    ),
    h(
      "p",
      { class: "hint" },
      "Расход за месяц замены складывается из расхода снятого счётчика (конечные показания минус предыдущие) " +
        "и установленного (текущие показания минус начальные).",
    ),
  );
}

// --- history ----------------------------------------------------------------------------------

export async function historyView(ctx) {
  const id = meterIdFrom(ctx);
  const [card, history] = await Promise.all([
    ctx.api.get(`/meters/${encodeURIComponent(id)}`),
    ctx.api.get(`/meters/${encodeURIComponent(id)}/readings`),
  ]);
  const zones = card.zones;
  const multi = zones.length > 1;

  const head = h(
    "tr",
    {},
    h("th", { scope: "col" }, "Период"),
    zones.map((z) => h("th", { scope: "col", class: "num" }, multi ? `Показание ${zoneTitle(z, zones)}` : "Показание")),
    h("th", { scope: "col", class: "num" }, "Расход, кВт·ч"),
    h("th", { scope: "col" }, "Кто передал"),
  );
  const rows = history.items.map((item) => {
    const byZone = Object.fromEntries(item.zones.map((z) => [z.zone, z]));
    const consumption = item.total_consumption ?? total(item.zones.map((z) => z.consumption));
    return h(
      "tr",
      {},
      h("th", { scope: "row" }, periodLabel(item.period, true)),
      zones.map((z) =>
        h(
          "td",
          { class: "num", "data-label": multi ? `Показание ${zoneTitle(z, zones)}` : "Показание" },
          byZone[z] ? formatNumber(byZone[z].value) : "—",
          byZone[z]?.rollover ? h("span", { class: "pill pill--info pill--inline", title: "Переход через ноль" }, "через 0") : null,
        ),
      ),
      h("td", { class: "num", "data-label": "Расход, кВт·ч" }, consumption === null ? "—" : formatNumber(consumption)),
      h("td", { "data-label": "Кто передал" }, submitterText(item)),
    );
  });

  return h(
    "section",
    { class: "page page--medium" },
    h(
      "p",
      { class: "breadcrumbs" },
      h("a", { href: "#/accounts" }, "Лицевые счета и приборы учёта"),
      " / ",
      h("a", { href: meterHref("meter", card.id) }, meterName(card)),
    ),
    h("h1", { tabindex: "-1" }, "История показаний"),
    h("p", { class: "lead" }, `${meterName(card)}${card.label ? ` (№ ${card.serial})` : ""}`),
    history.items.length
      ? h(
          "div",
          { class: "table-wrap", tabindex: "0", role: "region", "aria-labelledby": "history-caption" },
          h(
            "table",
            { class: "table table--stack" },
            h("caption", { id: "history-caption", class: "visually-hidden" }, "Показания и расход по расчётным периодам"),
            h("thead", {}, head),
            h("tbody", {}, rows),
          ),
        )
      : h("p", { class: "empty" }, "Показаний за прошлые периоды пока нет."),
    h(
      "p",
      { class: "hint" },
      "Текущий расчётный период в историю не входит: его показания появятся здесь после окончания месяца. " +
        "«—» в расходе: расход рассчитывает сетевая компания (например, если нет предыдущего показания).",
    ),
    acceptsManualReadings(card) && card.right !== "view"
      ? h("p", {}, h("a", { class: "btn btn--primary", href: meterHref("meter/reading", card.id) }, "Показания за текущий период"))
      : null,
  );
}
