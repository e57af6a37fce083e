// АИИС КУЭ (seeds 000, 003, 004): the service is connected per contract in this personal account
// («Подключить» with the contract number; «Отключить» affects only this account); per meter: registers A+ A− R+ R− with the read time, the consumption chart with drill-down
// (year → month → day and back; calendar or billing period; energy type) with its points as CSV, the
// load profile in the meter's own interval (1–60 min) for a chosen period with a CSV download, the
// readings table with the day-start registers (показания на начало суток) and paging, the event
// journal by severity (and as CSV), and the relay state. Missing and estimated intervals are always
// marked, never drawn as 0.
//
// Charts: Chart.js 4 (MIT), vendored as static-site/vendor/chartjs/chart.umd.min.js, loaded on demand.

import {
  clearErrors,
  confirmDialog,
  field,
  fill,
  formAlert,
  formatDay,
  formatLocalDateTime,
  formatNumber,
  formValues,
  h,
  setBusy,
  showErrors,
  statusLine,
} from "../ui.js";
import { meterName } from "./accounts.js";

const CHANNELS = [
  ["A+", "Активная, приём (A+)"],
  ["A-", "Активная, отдача (A−)"],
  ["R+", "Реактивная, приём (R+)"],
  ["R-", "Реактивная, отдача (R−)"],
];
const CHANNEL_SHORT = { "A+": "A+", "A-": "A−", "R+": "R+", "R-": "R−" };
const MONTHS = ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь"];
const MONTHS_GEN = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"];
const SEVERITY = {
  critical: ["Авария", "pill--danger"],
  warning: ["Предупреждение", "pill--warn"],
  info: ["Информация", "pill--info"],
};
const COLORS = {
  ok: "#1a4f86",
  estimated: "#d18b00",
  partial: "#d18b00",
  missing: "#9aa5b4",
  no_data: "#c5ccd6",
};
const STATUS_TEXT = {
  ok: "достоверно",
  estimated: "расчётное значение счётчика",
  partial: "есть пропуски или расчётные интервалы",
  missing: "нет значения в счётчике",
  no_data: "данные не поступили",
};

const enc = encodeURIComponent;
const capital = (s) => s[0].toUpperCase() + s.slice(1);

// A CSV file of the API (UTF-8 with BOM, «;»): fetched with the session's token, saved under `name`.
async function saveCsv(ctx, path, name) {
  const blob = await ctx.api.get(path, { raw: true });
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
}

function csvButton(onClick) {
  const button = h("button", { type: "button", class: "btn btn--small" }, "Скачать CSV");
  button.addEventListener("click", async () => {
    setBusy(button, true, "Готовим…");
    try {
      await onClick();
    } finally {
      setBusy(button, false);
    }
  });
  return button;
}

// --- Chart.js, loaded once on demand -------------------------------------------------------------

let chartLib = null;
function loadChart() {
  if (window.Chart) return Promise.resolve(window.Chart);
  chartLib ||= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = "vendor/chartjs/chart.umd.min.js";
    script.onload = () => resolve(window.Chart);
    script.onerror = () => reject(new Error("Не удалось загрузить модуль графиков. Обновите страницу."));
    document.head.append(script);
  });
  return chartLib;
}

// A bar chart whose bars are coloured by status. Points without a value get a short grey stub with a
// hatched look (a separate «нет данных» dataset) so they are never mistaken for zero consumption.
async function barChart(canvas, { labels, points, unit, onClick }) {
  const Chart = await loadChart();
  const values = points.map((p) => (p.value === null || p.value === undefined ? null : Number(p.value)));
  const max = Math.max(0, ...values.filter((v) => v !== null));
  const stub = max > 0 ? max * 0.04 : 1;
  const existing = Chart.getChart(canvas);
  if (existing) existing.destroy();
  return new Chart(canvas, {
    type: "bar",
    data: {
      labels,
      datasets: [
        {
          label: `Потребление, ${unit}`,
          data: values,
          backgroundColor: points.map((p) => COLORS[p.status] || COLORS.ok),
          borderWidth: 0,
          grouped: false,
        },
        {
          label: "Нет данных",
          data: values.map((v) => (v === null ? stub : null)),
          backgroundColor: "rgba(154,165,180,0.35)",
          borderColor: COLORS.missing,
          borderWidth: 1,
          borderDash: [3, 3],
          grouped: false,
        },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (item) => {
              const p = points[item.dataIndex];
              if (item.datasetIndex === 1) return `нет данных (${STATUS_TEXT[p.status] || p.status})`;
              const text = `${formatNumber(String(Math.round(item.raw * 1000) / 1000))} ${unit}`;
              return p.status === "ok" ? text : `${text} — ${STATUS_TEXT[p.status] || p.status}`;
            },
          },
        },
      },
      scales: { y: { beginAtZero: true, title: { display: true, text: unit } }, x: { ticks: { autoSkip: true, maxRotation: 0 } } },
      onClick: onClick
        ? (event, elements) => {
            if (elements.length) onClick(elements[0].index);
          }
        : undefined,
      onHover: onClick
        ? (event, elements) => {
            event.native.target.style.cursor = elements.length ? "pointer" : "default";
          }
        : undefined,
    },
  });
}

function legend(extra = []) {
  const item = (color, text, dashed = false) =>
    h("li", {}, h("span", { class: `aiis-legend__swatch${dashed ? " aiis-legend__swatch--empty" : ""}`, dataset: { color } }), text);
  const list = h(
    "ul",
    { class: "aiis-legend", "aria-label": "Обозначения" },
    item("ok", "достоверно"),
    item("estimated", "расчётные или неполные данные"),
    item("missing", "нет данных (не ноль)", true),
    extra,
  );
  return list;
}

// --- relay / registers --------------------------------------------------------------------------

export function relayBadge(relay) {
  if (!relay || relay.state === null || relay.state === undefined) {
    return h("span", { class: "pill pill--muted", title: "Состояние реле нагрузки" }, "Реле: нет данных");
  }
  const on = relay.state === "on";
  return h(
    "span",
    { class: `pill ${on ? "pill--ok" : "pill--danger"} aiis-relay`, title: relay.at ? `на ${formatLocalDateTime(relay.at)}` : "" },
    `Реле: ${on ? "ВКЛ" : "ОТКЛ"} — ${relay.state_title}`,
  );
}

// The block on a meter card of a meter on АИИС КУЭ: relay state and a way to the meter's data.
export async function aiisCardBlock(ctx, card) {
  let relay = null;
  try {
    relay = await ctx.api.get(`/meters/${enc(card.id)}/aiis/relay`);
  } catch (error) {
    if (error.code === "aiis_not_connected") {
      return h(
        "div",
        { class: "notice aiis-card" },
        h("p", {}, "Счётчик подключён к АИИС КУЭ, но сервис не подключён к его договору в Вашем личном кабинете."),
        h("p", { class: "aiis-card__row" }, h("a", { class: "btn btn--primary btn--small", href: "#/aiis" }, "Подключить АИИС КУЭ")),
      );
    }
    relay = null;
  }
  return h(
    "div",
    { class: "notice aiis-card" },
    h("p", {}, "Счётчик подключён к АИИС КУЭ: показания, профиль мощности и журнал событий поступают автоматически."),
    h(
      "p",
      { class: "aiis-card__row" },
      relayBadge(relay),
      h("a", { class: "btn btn--primary btn--small", href: `#/aiis/meter?id=${enc(card.id)}` }, "Данные АИИС КУЭ"),
    ),
  );
}

function registersCard(data) {
  const units = data.units || {};
  const rows = CHANNELS.map(([key, title]) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, title),
      h("td", { class: "num", "data-label": "Показание" }, data.values?.[key] == null ? "нет данных" : formatNumber(data.values[key])),
      h("td", { "data-label": "Ед." }, units[key] || ""),
    ),
  );
  return h(
    "section",
    { class: "card", "aria-labelledby": "aiis-registers" },
    h("h2", { id: "aiis-registers", class: "card__title" }, "Показания (накопленные)"),
    h("p", { class: "hint" }, data.read_at ? `Сняты ${formatLocalDateTime(data.read_at)}` : "Показания ещё не поступали."),
    data.coefficient && data.coefficient !== "1"
      ? h("p", { class: "hint" }, `Счётчик включён через трансформаторы, расчётный коэффициент ${data.coefficient}: показания — как на табло счётчика, а потребление, профиль и графики уже умножены на коэффициент.`)
      : null,
    h(
      "div",
      { class: "table-wrap" },
      h("table", { class: "table" }, h("thead", {}, h("tr", {}, h("th", {}, "Энергия"), h("th", { class: "num" }, "Показание"), h("th", {}, "Ед."))), h("tbody", {}, rows)),
    ),
  );
}

// --- consumption chart with drill-down ------------------------------------------------------------

function pointLabel(scale, point) {
  const d = point.start.slice(0, 10);
  if (scale === "year") return capital(MONTHS[Number(d.slice(5, 7)) - 1]);
  if (scale === "month") return String(Number(d.slice(8, 10)));
  return point.start.slice(11, 16);
}

function periodTitle(data) {
  const s = data.period_start.slice(0, 10);
  const e = data.period_end.slice(0, 10);
  if (data.scale === "day") return `${Number(s.slice(8))} ${MONTHS_GEN[Number(s.slice(5, 7)) - 1]} ${s.slice(0, 4)}`;
  if (data.scale === "year") return data.basis === "billing" ? `${formatDay(s)} — ${formatDay(e)}` : `${s.slice(0, 4)} год`;
  return data.basis === "billing"
    ? `${formatDay(s)} — ${formatDay(e)}`
    : `${capital(MONTHS[Number(s.slice(5, 7)) - 1])} ${s.slice(0, 4)}`;
}

// The chart opens on the server's today in the company's time zone: the first request has no `date`
// (nor does a level reached back to from there), and drill-down takes its dates from the points the
// API sent — the browser's clock and time zone never choose the period.
function consumptionSection(ctx, meterId) {
  const state = { scale: "year", date: null, basis: "calendar", channel: "A+", stack: [] };
  const title = h("h3", { class: "aiis-chart__period", "aria-live": "polite" });
  const back = h("button", { type: "button", class: "btn btn--small", hidden: true }, "← Назад");
  const crumbs = h("p", { class: "aiis-crumbs" });
  const total = h("p", { class: "aiis-total" });
  const canvas = h("canvas", { role: "img", "aria-label": "График потребления" });
  const table = h("div", { class: "table-wrap aiis-points" });
  const error = h("div", { class: "notice notice--error", role: "alert", hidden: true });
  const channel = h("select", { name: "channel", "aria-label": "Вид энергии" }, CHANNELS.map(([v, t]) => h("option", { value: v }, t)));
  const basis = h(
    "select",
    { name: "basis", "aria-label": "Период" },
    h("option", { value: "calendar" }, "Календарный период"),
    h("option", { value: "billing" }, "Расчётный период"),
  );
  const SCALE_NAME = { year: "Год", month: "Месяц", day: "Сутки" };
  const NEXT = { year: "month", month: "day" };

  function chartQuery() {
    const query = new URLSearchParams({ scale: state.scale, basis: state.basis, channel: state.channel });
    if (state.date) query.set("date", state.date);
    return query;
  }
  const csv = csvButton(async () => {
    error.hidden = true;
    try {
      await saveCsv(ctx, `/meters/${enc(meterId)}/aiis/consumption.csv?${chartQuery()}`, `consumption_${meterId}_${state.scale}_${canvas.dataset.period || ""}.csv`);
    } catch (e) {
      error.hidden = false;
      error.textContent = e.message;
    }
  });

  async function load() {
    error.hidden = true;
    const query = chartQuery();
    let data;
    try {
      data = await ctx.api.get(`/meters/${enc(meterId)}/aiis/consumption?${query}`);
    } catch (e) {
      error.hidden = false;
      error.textContent = e.message;
      return;
    }
    back.hidden = state.stack.length === 0;
    fill(
      crumbs,
      [...state.stack, { scale: state.scale }].map((s, i, all) =>
        i < all.length - 1 ? [h("span", {}, SCALE_NAME[s.scale]), " → "] : h("strong", {}, SCALE_NAME[s.scale]),
      ),
    );
    title.textContent = periodTitle(data);
    const incomplete = data.points.filter((p) => p.status !== "ok").length;
    total.textContent =
      `Итого: ${data.total === null ? "нет данных" : `${formatNumber(data.total)} ${data.unit}`}` +
      (incomplete ? ` · интервалов без полных данных: ${incomplete}` : "");
    const labels = data.points.map((p) => pointLabel(data.scale, p));
    const drill = NEXT[data.scale]
      ? (index) => {
          state.stack.push({ scale: state.scale, date: state.date });
          state.scale = NEXT[data.scale];
          state.date = data.points[index].start.slice(0, 10);
          load();
        }
      : null;
    await barChart(canvas, { labels, points: data.points, unit: data.unit, onClick: drill });
    // After drawing: tests and assistive tools read the level the chart now shows.
    canvas.dataset.scale = data.scale;
    canvas.dataset.period = data.period_start.slice(0, 10);
    fill(
      table,
      h(
        "table",
        { class: "table table--compact" },
        h("caption", { class: "visually-hidden" }, `Потребление: ${periodTitle(data)}`),
        h("thead", {}, h("tr", {}, h("th", {}, data.scale === "day" ? "Интервал" : data.scale === "month" ? "День" : "Месяц"), h("th", { class: "num" }, data.unit), h("th", {}, "Данные"))),
        h(
          "tbody",
          {},
          data.points.map((p, i) =>
            h(
              "tr",
              { class: p.status === "ok" ? "" : "aiis-row--flag" },
              h(
                "th",
                { scope: "row" },
                drill
                  ? h("button", { type: "button", class: "btn--link", onclick: () => drill(i) }, labels[i])
                  : `${labels[i]}–${p.end.slice(11, 16)}`,
              ),
              h("td", { class: "num" }, p.value === null ? "—" : formatNumber(p.value)),
              h("td", {}, STATUS_TEXT[p.status] || p.status),
            ),
          ),
        ),
      ),
    );
  }

  back.addEventListener("click", () => {
    const previous = state.stack.pop();
    if (!previous) return;
    state.scale = previous.scale;
    state.date = previous.date;
    load();
  });
  channel.addEventListener("change", () => {
    state.channel = channel.value;
    load();
  });
  basis.addEventListener("change", () => {
    state.basis = basis.value;
    load();
  });

  const details = h("details", { class: "aiis-details" }, h("summary", {}, "Таблица значений"), table);
  const section = h(
    "section",
    { class: "card", "aria-labelledby": "aiis-consumption" },
    h("h2", { id: "aiis-consumption", class: "card__title" }, "График потребления"),
    h("p", { class: "hint" }, "Нажмите на столбец, чтобы перейти к месяцу или к суткам; «Назад» — на уровень выше."),
    h("div", { class: "aiis-controls" }, channel, basis, back, csv),
    crumbs,
    title,
    error,
    h("div", { class: "aiis-chart" }, canvas),
    legend(),
    total,
    details,
  );
  section.load = load;
  return section;
}

// --- load profile ---------------------------------------------------------------------------------

function profileSection(ctx, meterId) {
  // The period starts empty: the server's default (the last three days by the company's calendar)
  // fills it, so the browser's clock never decides which days are "today".
  const form = h(
    "form",
    { class: "form form--inline aiis-controls", novalidate: true },
    formAlert(),
    field({ name: "from", label: "С", type: "date", size: "narrow" }),
    field({ name: "to", label: "По", type: "date", size: "narrow" }),
    h(
      "div",
      { class: "field field--narrow" },
      h("label", { for: "aiis-profile-channel" }, "Энергия"),
      h("select", { id: "aiis-profile-channel", name: "channel" }, CHANNELS.map(([v, t]) => h("option", { value: v }, t))),
    ),
    h("div", { class: "form__actions" }, h("button", { type: "submit", class: "btn btn--primary" }, "Показать"), h("button", { type: "button", class: "btn", name: "csv" }, "Скачать CSV")),
  );
  const summary = h("p", { class: "aiis-total" });
  const canvas = h("canvas", { role: "img", "aria-label": "Профиль мощности по интервалам счётчика" });
  const status = statusLine();
  let last = null;

  function period(values) {
    const query = new URLSearchParams();
    if (values.from) query.set("from", values.from);
    if (values.to) query.set("to", values.to);
    return query.toString();
  }

  async function load() {
    clearErrors(form);
    const values = formValues(form);
    let data;
    try {
      data = await ctx.api.get(`/meters/${enc(meterId)}/aiis/profile?${period(values)}`);
    } catch (e) {
      showErrors(form, e.message, e.fields);
      return;
    }
    last = data;
    form.elements.namedItem("from").value = data.from;
    form.elements.namedItem("to").value = data.to;
    const ch = values.channel;
    const s = data.summary;
    summary.textContent =
      `Интервалов по ${data.interval_minutes} мин: достоверных ${s.ok}, расчётных ${s.estimated}, ` +
      `без значения в счётчике ${s.missing}, не поступило ${s.no_data}.`;
    // Energy of an interval (kWh) → mean power (kW): divided by its length in hours. Each interval
    // carries its own bounds: a meter whose interval changed keeps each day's own length.
    const hours = (i) => (Date.parse(i.end) - Date.parse(i.start)) / 3600000;
    const points = data.intervals.map((i) => ({ status: i.status, value: i.values?.[ch] == null ? null : String(Number(i.values[ch]) / hours(i)) }));
    const multiDay = data.from !== data.to;
    const labels = data.intervals.map((i) => (multiDay ? `${i.start.slice(8, 10)}.${i.start.slice(5, 7)} ${i.start.slice(11, 16)}` : i.start.slice(11, 16)));
    await barChart(canvas, { labels, points, unit: ch.startsWith("R") ? "квар" : "кВт" });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  form.elements.namedItem("channel").addEventListener("change", () => last && load());
  form.querySelector('[name="csv"]').addEventListener("click", async (event) => {
    const button = event.currentTarget;
    const values = formValues(form);
    setBusy(button, true, "Готовим…");
    try {
      await saveCsv(ctx, `/meters/${enc(meterId)}/aiis/profile.csv?${period(values)}`, `profile_${meterId}_${values.from}_${values.to}.csv`);
      status.textContent = "Файл CSV скачан.";
    } catch (e) {
      showErrors(form, e.message, e.fields);
    } finally {
      setBusy(button, false);
    }
  });

  const section = h(
    "section",
    { class: "card", "aria-labelledby": "aiis-profile" },
    h("h2", { id: "aiis-profile", class: "card__title" }, "Профиль мощности"),
    h("p", { class: "hint" }, "Средняя мощность по интервалам профиля счётчика (у большинства счётчиков — 30 минут) за выбранный период (до 31 дня)."),
    form,
    status,
    h("div", { class: "aiis-chart aiis-chart--wide" }, canvas),
    legend(),
    summary,
  );
  section.load = load;
  return section;
}

// --- readings table -------------------------------------------------------------------------------

function readingsSection(ctx, meterId) {
  let page = 1;
  const body = h("div", { class: "table-wrap" });
  const caption = h("p", { class: "hint", "aria-live": "polite" });
  const newer = h("button", { type: "button", class: "btn btn--small" }, "← Новее");
  const older = h("button", { type: "button", class: "btn btn--small" }, "Старше →");

  async function load() {
    const data = await ctx.api.get(`/meters/${enc(meterId)}/aiis/readings?page=${page}&size=10`);
    caption.textContent = `${formatDay(data.from)} — ${formatDay(data.to)}, страница ${data.page}`;
    newer.disabled = data.page <= 1;
    older.disabled = !data.has_more;
    const head = h(
      "tr",
      {},
      h("th", {}, "Дата"),
      CHANNELS.map(([k]) => h("th", { class: "num" }, `${CHANNEL_SHORT[k]} на начало суток`)),
      h("th", { class: "num" }, "A+ за сутки"),
      h("th", { class: "num" }, "Последнее A+"),
      h("th", {}, "Полнота"),
    );
    let afterMidnight = false;
    const rows = data.rows.map((r) => {
      // Показания на начало суток: stored by the meter, or (marked «*») its first reading after midnight.
      const start = r.day_start;
      const mark = start?.source === "first_after_midnight";
      afterMidnight = afterMidnight || mark;
      const opening = (k) =>
        start?.values?.[k] == null
          ? "—"
          : [formatNumber(start.values[k]), mark ? h("abbr", { class: "aiis-mark", title: "первое показание после полуночи" }, "*") : null];
      const flags = [];
      if (r.estimated) flags.push(h("span", { class: "pill pill--warn" }, `расч.: ${r.estimated}`));
      if (r.missing) flags.push(h("span", { class: "pill pill--muted" }, `пропуск: ${r.missing}`));
      if (r.no_data) flags.push(h("span", { class: "pill pill--muted" }, `не поступило: ${r.no_data}`));
      return h(
        "tr",
        {},
        h("th", { scope: "row" }, formatDay(r.date)),
        CHANNELS.map(([k]) => h("td", { class: "num", "data-label": `${CHANNEL_SHORT[k]} на начало суток` }, opening(k))),
        h("td", { class: "num", "data-label": "A+ за сутки" }, r.consumption?.["A+"] == null ? "—" : formatNumber(r.consumption["A+"])),
        h(
          "td",
          { class: "num", "data-label": "Последнее A+" },
          r.values?.["A+"] == null ? "—" : [formatNumber(r.values["A+"]), h("span", { class: "hint" }, ` (${formatLocalDateTime(r.read_at).slice(11)})`)],
        ),
        h("td", { "data-label": "Полнота" }, flags.length ? flags : h("span", { class: "pill pill--ok" }, "полные")),
      );
    });
    fill(
      body,
      h("table", { class: "table table--compact table--stack aiis-readings" }, h("thead", {}, head), h("tbody", {}, rows)),
      afterMidnight ? h("p", { class: "hint" }, "* У счётчика нет суточных снимков: показано первое показание после полуночи.") : null,
    );
  }
  newer.addEventListener("click", () => {
    page = Math.max(1, page - 1);
    load();
  });
  older.addEventListener("click", () => {
    page += 1;
    load();
  });
  const section = h(
    "section",
    { class: "card", "aria-labelledby": "aiis-readings" },
    h("h2", { id: "aiis-readings", class: "card__title" }, "Показания по суткам"),
    h("p", { class: "hint" }, "Показания на начало суток (0:00) — основа расчёта за электроэнергию; расход за сутки — по профилю мощности."),
    caption,
    body,
    h("div", { class: "aiis-pager" }, newer, older),
  );
  section.load = load;
  return section;
}

// --- event journal --------------------------------------------------------------------------------

function eventsSection(ctx, meterId) {
  const checks = Object.entries(SEVERITY).map(([key, [title, pill]]) =>
    h("label", { class: `aiis-sev ${pill}` }, h("input", { type: "checkbox", name: "severity", value: key, checked: true }), ` ${title} `, h("span", { class: "aiis-sev__count", dataset: { severity: key } })),
  );
  const journal = h(
    "select",
    { name: "journal", "aria-label": "Журнал" },
    h("option", { value: "" }, "Все журналы"),
    [["voltage", "Напряжение"], ["current", "Ток"], ["power", "Включение и отключение"], ["relay", "Реле нагрузки"], ["tamper", "Внешние воздействия"], ["diagnostics", "Самодиагностика"], ["clock", "Часы счётчика"]].map(([v, t]) =>
      h("option", { value: v }, t),
    ),
  );
  const list = h("div", { class: "table-wrap" });
  const note = h("p", { class: "hint", "aria-live": "polite" });
  const severities = () => checks.map((c) => c.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
  function filters() {
    const params = new URLSearchParams({ severity: severities().join(",") });
    if (journal.value) params.set("journal", journal.value);
    return params;
  }
  const csv = csvButton(async () => {
    if (!severities().length) return;
    try {
      await saveCsv(ctx, `/meters/${enc(meterId)}/aiis/events.csv?${filters()}`, `events_${meterId}.csv`);
    } catch (e) {
      note.textContent = e.message;
    }
  });

  async function load() {
    if (!severities().length) {
      note.textContent = "Отметьте хотя бы один уровень важности.";
      fill(list);
      return;
    }
    const params = filters();
    const data = await ctx.api.get(`/meters/${enc(meterId)}/aiis/events?${params}`);
    for (const c of checks) {
      const span = c.querySelector(".aiis-sev__count");
      span.textContent = `(${data.counts[span.dataset.severity] ?? 0})`;
    }
    note.textContent = `${formatDay(data.from)} — ${formatDay(data.to)}: событий ${data.events.length}${data.truncated ? " (показаны последние 500)" : ""}.`;
    fill(
      list,
      data.events.length
        ? h(
            "table",
            { class: "table table--compact table--stack aiis-events" },
            h("thead", {}, h("tr", {}, h("th", {}, "Время"), h("th", {}, "Важность"), h("th", {}, "Журнал"), h("th", {}, "Событие"))),
            h(
              "tbody",
              {},
              data.events.map((e) =>
                h(
                  "tr",
                  { class: `aiis-event aiis-event--${e.severity}` },
                  h("td", { "data-label": "Время" }, formatLocalDateTime(e.at)),
                  h("td", { "data-label": "Важность" }, h("span", { class: `pill ${SEVERITY[e.severity]?.[1] || "pill--muted"}` }, e.severity_title)),
                  h("td", { "data-label": "Журнал" }, e.journal_title),
                  h("td", { "data-label": "Событие" }, e.text),
                ),
              ),
            ),
          )
        : h("div", { class: "empty" }, "Событий за период нет."),
    );
  }
  for (const c of checks) c.querySelector("input").addEventListener("change", load);
  journal.addEventListener("change", load);
  const section = h(
    "section",
    { class: "card", "aria-labelledby": "aiis-events" },
    h("h2", { id: "aiis-events", class: "card__title" }, "Журнал событий"),
    h("div", { class: "aiis-controls" }, checks, journal, csv),
    note,
    list,
  );
  section.load = load;
  return section;
}

// --- pages ----------------------------------------------------------------------------------------

export async function aiisMeterView(ctx) {
  const id = ctx.params.get("id");
  if (!id) throw new Error("Не указан прибор учёта. Откройте его из раздела «АИИС КУЭ».");
  const [card, registers, relay] = await Promise.all([
    ctx.api.get(`/meters/${enc(id)}`),
    ctx.api.get(`/meters/${enc(id)}/aiis/registers`),
    ctx.api.get(`/meters/${enc(id)}/aiis/relay`),
  ]);
  const sections = [consumptionSection(ctx, id), profileSection(ctx, id), readingsSection(ctx, id), eventsSection(ctx, id)];
  const page = h(
    "section",
    { class: "page aiis" },
    h("p", { class: "breadcrumbs" }, h("a", { href: "#/aiis" }, "АИИС КУЭ"), " · ", h("a", { href: `#/meter?id=${enc(id)}` }, "Карточка счётчика")),
    h("h1", { tabindex: "-1" }, `АИИС КУЭ: ${meterName(card)}`),
    h("p", { class: "meter__pills" }, relayBadge(relay), card.point_code ? h("span", { class: "pill pill--muted" }, `Точка учёта ${card.point_code}`) : null),
    h(
      "nav",
      { class: "aiis-toc", "aria-label": "Разделы страницы" },
      [["aiis-consumption", "Потребление"], ["aiis-profile", "Профиль мощности"], ["aiis-readings", "Показания"], ["aiis-events", "Журнал событий"], ["aiis-registers", "Накопленные"]].map(([anchor, text]) =>
        h("a", { href: "#", onclick: (e) => { e.preventDefault(); document.getElementById(anchor)?.scrollIntoView(); } }, text),
      ),
    ),
    registersCard(registers),
    sections,
  );
  // Charts need the canvases in the document: load once the page is shown.
  requestAnimationFrame(() => {
    for (const s of sections) s.load().catch(() => {});
  });
  return page;
}

function connectForm(ctx, contracts) {
  const button = h("button", { type: "submit", class: "btn btn--primary" }, "Подключить");
  const form = h(
    "form",
    { class: "form form--inline", novalidate: true, "aria-label": "Подключение АИИС КУЭ" },
    formAlert(),
    field({
      name: "contract",
      label: "Номер договора энергоснабжения",
      required: true,
      value: contracts.length === 1 ? contracts[0] : "",
      hint: "Договор должен быть привязан к личному кабинету",
    }),
    h("div", { class: "form__actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const contract = (formValues(form).contract || "").trim();
    if (!contract) {
      showErrors(form, "Укажите номер договора", [{ path: "contract", message: "Укажите номер договора" }]);
      return;
    }
    setBusy(button, true, "Подключаем…");
    try {
      await ctx.api.post(`/accounts/${enc(contract)}/aiis`);
      ctx.flash(`Услуга АИИС КУЭ подключена к договору № ${contract}.`);
      ctx.navigate("/aiis");
    } catch (e) {
      showErrors(form, e.message, e.fields);
    } finally {
      setBusy(button, false);
    }
  });
  return form;
}

function disconnectButton(ctx, contract) {
  const button = h(
    "button",
    { type: "button", class: "btn btn--ghost btn--small", "aria-label": `Отключить АИИС КУЭ от договора № ${contract}` },
    "Отключить",
  );
  const error = h("div", { class: "notice notice--error", role: "alert", hidden: true });
  button.addEventListener("click", async () => {
    const yes = await confirmDialog({
      title: `Отключить АИИС КУЭ от договора № ${contract}?`,
      text:
        "Данные АИИС КУЭ по счётчикам договора перестанут показываться в Вашем личном кабинете. Другие " +
        "пользователи договора доступ не потеряют. Подключить сервис снова можно в любой момент.",
      confirm: "Отключить",
      cancel: "Отмена",
      danger: true,
    });
    if (!yes) return;
    error.hidden = true;
    setBusy(button, true, "Отключаем…");
    try {
      await ctx.api.delete(`/accounts/${enc(contract)}/aiis`);
      ctx.flash(`Услуга АИИС КУЭ отключена от договора № ${contract} в Вашем личном кабинете.`, "info");
      ctx.navigate("/aiis");
    } catch (e) {
      setBusy(button, false);
      error.textContent = e.message;
      error.hidden = false;
    }
  });
  return [button, error];
}

export async function aiisView(ctx) {
  const tree = await ctx.api.get("/accounts");
  const numbers = tree.contracts.map((c) => c.number);
  const statuses = await Promise.all(numbers.map((n) => ctx.api.get(`/accounts/${enc(n)}/aiis`)));
  const connected = statuses.filter((s) => s.connected);
  const notConnected = statuses.filter((s) => !s.connected).map((s) => s.contract);
  return h(
    "section",
    { class: "page page--medium" },
    h("h1", { tabindex: "-1" }, "АИИС КУЭ"),
    h("p", { class: "lead" }, "Данные автоматизированного учёта: показания, профиль мощности, журнал событий и состояние реле."),
    connected.map((s) =>
      h(
        "section",
        { class: "card", "aria-label": `Договор № ${s.contract}` },
        h("h2", { class: "card__title" }, `Договор № ${s.contract}`, " ", h("span", { class: "pill pill--ok" }, "Подключено")),
        disconnectButton(ctx, s.contract),
        s.meters.some((m) => m.status === "aiis")
          ? h(
              "ul",
              { class: "aiis-meters" },
              s.meters
                .filter((m) => m.status === "aiis")
                .map((m) => h("li", {}, h("a", { href: `#/aiis/meter?id=${enc(m.id)}` }, m.label ? `${m.label} (№ ${m.serial})` : `Счётчик № ${m.serial}`))),
            )
          : h("p", { class: "empty" }, "По договору нет счётчиков, подключённых к АИИС КУЭ."),
      ),
    ),
    connected.length && !notConnected.length
      ? null
      : h(
          "section",
          { class: "card", "aria-labelledby": "aiis-connect" },
          h("h2", { id: "aiis-connect", class: "card__title" }, "Подключение сервиса"),
          numbers.length
            ? [h("p", {}, "Сервис не подключён к договору в этом личном кабинете. Введите номер договора энергоснабжения и нажмите «Подключить»."), connectForm(ctx, notConnected)]
            : h("p", {}, "Сначала ", h("a", { href: "#/accounts" }, "привяжите договор"), " к личному кабинету."),
        ),
  );
}
