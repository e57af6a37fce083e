// Staff console «Обмен с биллингом»: the reading-entry lock, the run log with counts, a run's report
// with row errors, and (administrators) running the exchange now and putting a billing file in the inbox.

import { reporter } from "../cases-common.js";
import { confirmDialog, formatDateTime, h, setBusy } from "../ui.js";
import { fileCard } from "./file-card.js";
import { resultsTable } from "./list.js";

const STATUS = {
  running: ["Идёт", "pill--info"],
  ok: ["Успешно", "pill--ok"],
  failed: ["Сбой", "pill--danger"],
  skipped: ["Пропущен", "pill--muted"],
  interrupted: ["Прерван", "pill--warn"],
};

function statusPill(status) {
  const [text, kind] = STATUS[status] || [status, "pill--muted"];
  return h("span", { class: `pill ${kind}` }, text);
}

const trigger = (run) => (run.trigger === "manual" ? `вручную${run.started_by ? ` (${run.started_by})` : ""}` : "по расписанию");

function lockCard(lock) {
  return h(
    "section",
    { class: `card ${lock.held ? "card--warn" : "card--muted"}`, "aria-labelledby": "lock-title" },
    h("h2", { id: "lock-title", class: "card__title" }, "Ввод показаний"),
    lock.held
      ? [
          h("p", {}, h("span", { class: "pill pill--warn" }, "Заблокирован"), " идёт обмен с биллингом."),
          h(
            "p",
            { class: "hint" },
            `Начат ${formatDateTime(lock.acquired_at)}`,
            lock.expires_at ? `; блокировка истечёт сама не позже ${formatDateTime(lock.expires_at)}` : "",
            lock.run_id ? `. Запуск ${lock.run_id}.` : ".",
          ),
        ]
      : h("p", {}, h("span", { class: "pill pill--ok" }, "Открыт"), " обмен сейчас не идёт."),
  );
}

const RUN_COLUMNS = [
  { title: "Начало", header: true, cell: (run) => [formatDateTime(run.started_at), h("span", { class: "cell-sub" }, trigger(run))] },
  { title: "Состояние", cell: (run) => [statusPill(run.status), run.message ? h("span", { class: "cell-sub" }, run.message) : null] },
  { title: "Выгружено", label: "Выгружено показаний", num: true, cell: (run) => String(run.exported) },
  { title: "Загружено", label: "Загружено строк", num: true, cell: (run) => String(run.imported) },
  { title: "Пропущено", label: "Пропущено строк", num: true, cell: (run) => String(run.skipped) },
  { title: "Отчёт", action: true, cell: (run) => h("a", { href: `#/exchange/run?id=${encodeURIComponent(run.run_id)}` }, "Отчёт") },
];

const runsTable = (items) => resultsTable({ caption: "Журнал обменов", columns: RUN_COLUMNS, items, empty: "Обменов ещё не было." });

const DROP_COLUMNS = [
  { title: "Файл", header: true, cell: (d) => d.key },
  { title: "Строк", num: true, cell: (d) => String(d.rows) },
  { title: "Применено", num: true, cell: (d) => String(d.applied) },
  { title: "Пропущено", num: true, cell: (d) => String(d.skipped) },
];

function uploadCard(ctx, onUploaded) {
  return fileCard({
    title: "Файл от биллинга",
    titleId: "drop-title",
    input: { id: "drop-file", name: "content", accept: ".csv,.json,text/csv,application/json" },
    label: "Файл биллинга (CSV или JSON, до 5 МБ)",
    hints: ["Файл проверяется сразу; загрузится он при следующем обмене (или запустите обмен сейчас)."],
    button: "Положить во входящие",
    missing: "Выберите файл .csv или .json",
    filePaths: ["name"],
    send: async (chosen, content) => {
      const uploaded = await ctx.api.post("/staff/exchange/drops", { name: chosen.name, content });
      onUploaded();
      return [
        h(
          "div",
          { class: `notice ${uploaded.errors.length ? "notice--error" : "notice--success"}`, role: "status" },
          `Файл принят: строк ${uploaded.rows}, без ошибок ${uploaded.valid}.`,
          uploaded.errors.length ? " Строки с ошибками обмен пропустит:" : "",
        ),
        uploaded.errors.length ? errorsTable(uploaded.errors) : null,
      ];
    },
  });
}

function errorsTable(errors) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "table table--compact" },
      h("caption", { class: "visually-hidden" }, "Ошибки строк"),
      h(
        "thead",
        {},
        h("tr", {}, h("th", { scope: "col" }, "Файл"), h("th", { scope: "col", class: "num" }, "Строка"), h("th", { scope: "col" }, "Ошибка")),
      ),
      h(
        "tbody",
        {},
        errors.map((e) =>
          h(
            "tr",
            {},
            h("td", {}, e.drop),
            h("td", { class: "num" }, e.row === 0 ? "файл" : String(e.row)),
            h("td", {}, e.message),
          ),
        ),
      ),
    ),
  );
}

async function overview(ctx) {
  const admin = ctx.staff.role === "admin";
  const fetchState = () => Promise.all([ctx.api.get("/staff/exchange/lock"), ctx.api.get("/staff/exchange/runs?limit=30")]);
  const [lock, runs] = await fetchState();
  const lockSlot = h("div", {}, lockCard(lock));
  const runsSlot = h("div", {}, runsTable(runs.items));
  const { element: message, report } = reporter();
  const refresh = async () => {
    const [freshLock, freshRuns] = await fetchState();
    lockSlot.replaceChildren(lockCard(freshLock));
    runsSlot.replaceChildren(runsTable(freshRuns.items));
  };

  let runButton = null;
  if (admin) {
    runButton = h("button", { type: "button", class: "btn btn--primary" }, "Запустить обмен");
    runButton.addEventListener("click", async () => {
      const yes = await confirmDialog({
        title: "Запустить обмен сейчас?",
        text: "На время обмена ввод показаний у потребителей будет заблокирован (обычно на несколько минут).",
        confirm: "Запустить",
        cancel: "Отмена",
      });
      if (!yes) return;
      setBusy(runButton, true, "Обмен идёт…");
      try {
        const run = await ctx.api.post("/staff/exchange/run");
        const counts = `Выгружено показаний: ${run.exported}, загружено строк: ${run.imported}, пропущено: ${run.skipped}.`;
        if (run.status === "ok") report(`Обмен завершён. ${counts}`, "success");
        else report(`Обмен не выполнен (${STATUS[run.status]?.[0] || run.status}): ${run.message || "причина не указана"}.`, "error");
      } catch (error) {
        report(error.message, "error");
      } finally {
        setBusy(runButton, false);
        await refresh().catch(() => {});
      }
    });
  }

  return h(
    "div",
    { class: "stack" },
    h(
      "p",
      { class: "lead" },
      "Обмен идёт по расписанию дважды в сутки; на это время ввод показаний блокируется. " +
        (admin ? "" : "Запускать обмен и загружать файлы может администратор."),
    ),
    message,
    lockSlot,
    runButton ? h("div", { class: "form__actions" }, runButton) : null,
    h("section", { class: "card", "aria-labelledby": "runs-title" }, h("h2", { id: "runs-title", class: "card__title" }, "Журнал обменов"), runsSlot),
    admin ? uploadCard(ctx, () => report("Файл положен во входящие: он загрузится при следующем обмене.", "success")) : null,
  );
}

async function runReport(ctx) {
  const id = ctx.params.get("id");
  if (!id) throw new Error("Не указан запуск обмена.");
  const run = await ctx.api.get(`/staff/exchange/runs/${encodeURIComponent(id)}`);
  const rows = [
    ["Запуск", trigger(run)],
    ["Начало", formatDateTime(run.started_at)],
    ["Окончание", run.finished_at ? formatDateTime(run.finished_at) : "ещё идёт"],
    ["Выгружено показаний", String(run.exported)],
    ["Загружено строк", String(run.imported)],
    ["Пропущено строк", String(run.skipped)],
    ["Ошибок всего", String(run.error_count)],
    ["Причина", run.message],
    ["Принял блокировку у запуска", run.taken_over_from],
    ["Файлы выгрузки", run.export_keys.length ? run.export_keys.join(", ") : null],
  ].filter(([, value]) => value);
  return h(
    "div",
    { class: "stack" },
    h("p", { class: "breadcrumbs" }, h("a", { href: "#/exchange" }, "← Журнал обменов")),
    h("p", {}, statusPill(run.status), " ", h("span", { class: "muted" }, run.run_id)),
    h("dl", { class: "facts facts--wide" }, rows.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
    h(
      "section",
      { "aria-labelledby": "drops-title" },
      h("h2", { id: "drops-title", class: "card__title" }, "Загруженные файлы"),
      run.drops.length
        ? resultsTable({ caption: "Загруженные файлы", columns: DROP_COLUMNS, items: run.drops })
        : h("p", { class: "hint" }, "Новых файлов от биллинга не было."),
    ),
    h(
      "section",
      { "aria-labelledby": "errors-title" },
      h("h2", { id: "errors-title", class: "card__title" }, "Ошибки строк"),
      run.errors.length
        ? [
            run.error_count > run.errors.length
              ? h("p", { class: "hint" }, `Показаны первые ${run.errors.length} из ${run.error_count}.`)
              : null,
            errorsTable(run.errors),
          ]
        : h("p", { class: "hint" }, "Ошибок нет."),
    ),
  );
}

export async function exchangeSection(ctx, sub) {
  if (sub === "run") return { title: "Отчёт об обмене", body: await runReport(ctx) };
  return { title: "Обмен с биллингом", body: await overview(ctx) };
}
