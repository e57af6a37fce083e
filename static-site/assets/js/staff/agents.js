// Staff console «Агенты УСПД»: each concentrator's last contact, overdue flag, upload backlog, clock
// skew and version; per meter the last read, the last error and the meter clock's drift.
// An agent's page manages it: engineers and administrators choose its meters (by contract and serial);
// administrators register agents, rename, disable and enable them and change their secret — the
// secret for the agent's key file is shown once. Controls a role may not use are not shown (the API
// checks the roles too).

import { facts, reporter, selectField } from "../cases-common.js";
import {
  clearErrors,
  confirmDialog,
  field,
  formAlert,
  formatDateTime,
  formatLocalDateTime,
  formatNumber,
  formValues,
  h,
  setBusy,
  showErrors,
} from "../ui.js";

const enc = encodeURIComponent;
const ADMINS = ["admin"];
const ASSIGNERS = ["metering", "admin"];
const may = (ctx, roles) => (ctx.staff.roles || [ctx.staff.role]).some((role) => roles.includes(role));
const agentPath = (id) => `/agents/agent?id=${enc(id)}`;
const SECRET_WARNING = "Сохраните секрет в файл ключа агента: больше он показан не будет.";

// A company-local time with its offset ("…+03:00") is shown as the company's wall clock, an instant
// in UTC ("…Z", what the agents API sends) like the other instants of the console.
const when = (iso) => (/[+-]\d{2}:\d{2}$/.test(iso || "") ? formatLocalDateTime(iso) : formatDateTime(iso));

function ago(iso) {
  if (!iso) return "никогда";
  const minutes = Math.round((Date.now() - new Date(iso).getTime()) / 60000);
  const text = when(iso);
  if (minutes < 1) return `${text} (только что)`;
  if (minutes < 120) return `${text} (${minutes} мин назад)`;
  return `${text} (${Math.round(minutes / 60)} ч назад)`;
}

const future = (iso) => Boolean(iso) && new Date(iso).getTime() > Date.now();

const seconds = (s) => (s === null || s === undefined ? "—" : `${s > 0 ? "+" : ""}${Math.round(s)} с`);

function statePill(agent) {
  if (!agent.enabled) return h("span", { class: "pill pill--muted" }, "Отключён");
  if (agent.overdue) return h("span", { class: "pill pill--danger" }, "Нет связи");
  return h("span", { class: "pill pill--ok" }, "На связи");
}

function agentFacts(agent) {
  return facts([
    ["Идентификатор", agent.id],
    ["Последняя связь", ago(agent.last_contact_at)],
    ["Не доставлено записей", agent.backlog === null || agent.backlog === undefined ? "—" : String(agent.backlog)],
    ["Часы УСПД", seconds(agent.clock_skew_s)],
    ["Версия агента", agent.version || "—"],
    ["Ключ выдан", when(agent.key_rotated_at)],
    // While the previous key still works after a change of the secret (older APIs omit the field; the
    // API keeps a lapsed time until the agent signs with its new key, so a past one is not shown).
    ["Прежний ключ действует до", future(agent.previous_key_valid_until) ? when(agent.previous_key_valid_until) : null],
  ]);
}

function unassignedNotice(agent) {
  return agent.unassigned_serials?.length
    ? h("div", { class: "notice notice--error" }, `Опрашивает незакреплённые счётчики (данные не принимаются): ${agent.unassigned_serials.join(", ")}`)
    : null;
}

function metersTable(agent) {
  if (!agent.meters.length) return h("p", { class: "empty" }, "Счётчики за агентом не закреплены: его данные не принимаются.");
  // «Расч. коэф.» (Ктт×Ктн from billing) where the API sends it.
  const withCoefficient = agent.meters.some((m) => m.coefficient !== undefined);
  const columns = [
    ["Договор", (m) => m.contract],
    ["Точка учёта", (m) => m.point_code || "—"],
    withCoefficient ? ["Расч. коэф.", (m) => (m.coefficient === null ? "—" : formatNumber(m.coefficient))] : null,
    ["Последний опрос", (m) => (m.last_read_at ? when(m.last_read_at) : "—")],
    ["Расхождение часов", (m) => (m.drift_alarm ? h("span", { class: "pill pill--warn" }, seconds(m.clock_drift_s)) : seconds(m.clock_drift_s))],
    ["Ошибка", (m) => (m.last_error ? h("span", { class: "pill pill--danger" }, m.last_error) : "—")],
  ].filter(Boolean);
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "table table--compact table--stack" },
      h("caption", { class: "visually-hidden" }, `Счётчики агента ${agent.id}`),
      h(
        "thead",
        {},
        h("tr", {}, h("th", { scope: "col" }, "Счётчик"), columns.map(([title]) => h("th", { scope: "col" }, title))),
      ),
      h(
        "tbody",
        {},
        agent.meters.map((m) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, m.serial),
            columns.map(([title, value]) => h("td", { "data-label": title }, value(m))),
          ),
        ),
      ),
    ),
  );
}

function agentCard(agent) {
  return h(
    "section",
    { class: "card", "aria-label": `Агент ${agent.id}` },
    h("h2", { class: "card__title" }, h("a", { href: `#${agentPath(agent.id)}` }, agent.name), " ", statePill(agent)),
    agentFacts(agent),
    unassignedNotice(agent),
    metersTable(agent),
  );
}

async function listView(ctx) {
  const { agents } = await ctx.api.get("/staff/agents");
  const overdue = agents.filter((a) => a.enabled && a.overdue).length;
  return h(
    "div",
    { class: "stack" },
    h(
      "div",
      { class: "toolbar" },
      h("p", { class: "toolbar__text" }, `Агентов: ${agents.length}. Без связи: ${overdue}.`),
      may(ctx, ADMINS) ? h("a", { class: "btn btn--primary", href: "#/agents/new" }, "Зарегистрировать агента") : null,
    ),
    agents.length ? agents.map(agentCard) : h("div", { class: "empty" }, "Агенты ещё не зарегистрированы."),
  );
}

// --- meters by contract and serial ----------------------------------------------------------------

// Rows of contract + serial whose controls are named meters.N.contract / meters.N.serial, so the API's
// per-row errors (fields[].path = "meters.2.serial") land next to their row.
function meterRows(initial) {
  const box = h("div", { class: "meter-rows" });
  const rows = [];
  const addButton = h("button", { type: "button", class: "btn btn--ghost btn--small" }, "Добавить счётчик");

  const reindex = () =>
    rows.forEach((row, i) => {
      row.legend.textContent = `Счётчик ${i + 1}`;
      for (const key of ["contract", "serial"]) {
        row[key].dataset.field = `meters.${i}.${key}`;
        row[key].querySelector("input").name = `meters.${i}.${key}`;
      }
    });

  const add = (meter) => {
    const row = {
      legend: h("legend", { class: "visually-hidden" }),
      contract: field({ name: "contract", label: "Договор", value: meter?.contract || "", maxlength: "40" }),
      serial: field({ name: "serial", label: "Заводской номер", value: meter?.serial || "", maxlength: "40" }),
      remove: h("button", { type: "button", class: "btn btn--ghost btn--small meter-row__remove" }, "Убрать"),
    };
    row.element = h("fieldset", { class: "meter-row" }, row.legend, row.contract, row.serial, row.remove);
    row.remove.addEventListener("click", () => {
      const index = rows.indexOf(row);
      rows.splice(index, 1);
      row.element.remove();
      reindex();
      const next = rows[index] || rows[index - 1];
      if (next) next.contract.querySelector("input").focus();
      else addButton.focus();
    });
    rows.push(row);
    box.append(row.element);
    reindex();
    return row;
  };
  addButton.addEventListener("click", () => add(null).contract.querySelector("input").focus());
  initial.forEach(add);

  const value = (row, key) => row[key].querySelector("input").value.trim();
  return {
    element: h("div", {}, box, h("p", {}, addButton)),
    // Drops the rows left blank, then answers the list to send — or the problems of half-filled rows.
    collect() {
      for (const row of rows.filter((r) => !value(r, "contract") && !value(r, "serial"))) {
        rows.splice(rows.indexOf(row), 1);
        row.element.remove();
      }
      reindex();
      const problems = [];
      rows.forEach((row, i) => {
        if (!value(row, "contract")) problems.push({ path: `meters.${i}.contract`, message: "Укажите номер договора" });
        if (!value(row, "serial")) problems.push({ path: `meters.${i}.serial`, message: "Укажите заводской номер" });
      });
      return { meters: rows.map((row) => ({ contract: value(row, "contract"), serial: value(row, "serial") })), problems };
    },
  };
}

// --- a secret shown once --------------------------------------------------------------------------

async function copyText(input) {
  try {
    // eslint-disable-next-line compat/compat -- older browsers take the execCommand path below
    await navigator.clipboard.writeText(input.value);
    return true;
  } catch {
    input.select();
    try {
      return document.execCommand("copy");
    } catch {
      return false;
    }
  }
}

// rotated: the secret replaces another — previousValidUntil says till when that one is still accepted
// (null, or absent from an API without the grace period: it stopped working at once).
function secretPanel({ title, secret, rotated = false, previousValidUntil }) {
  // A textarea: the 64 hex digits wrap on a phone instead of scrolling out of sight.
  const input = h("textarea", { id: "agent-secret", class: "secret__value", rows: "2", readonly: true, spellcheck: "false", autocomplete: "off" });
  input.value = secret;
  const copied = h("p", { class: "status", role: "status", "aria-live": "polite" });
  const copy = h("button", { type: "button", class: "btn btn--primary" }, "Скопировать");
  copy.addEventListener("click", async () => {
    copied.textContent = (await copyText(input))
      ? "Секрет скопирован в буфер обмена."
      : "Не удалось скопировать: выделите секрет и скопируйте его вручную (Ctrl+C).";
  });
  const heading = h("h2", { class: "card__title", tabindex: "-1" }, title);
  const hide = h("button", { type: "button", class: "btn btn--ghost" }, "Секрет сохранён, скрыть");
  const panel = h(
    "section",
    { class: "card card--warn", "aria-label": "Секрет агента" },
    heading,
    h("p", { class: "notice notice--error" }, h("strong", {}, SECRET_WARNING)),
    h("label", { for: input.id }, "Секрет агента"),
    h("div", { class: "secret" }, input, copy),
    copied,
    rotated
      ? h(
          "p",
          {},
          previousValidUntil
            ? `Прежний ключ действует до ${when(previousValidUntil)}: замените файл ключа на УСПД до этого времени.`
            : "Прежний ключ больше не действует: пока файл ключа на УСПД не заменён, его данные не принимаются.",
        )
      : null,
    h("div", { class: "form__actions" }, hide),
  );
  hide.addEventListener("click", () => {
    input.value = "";
    panel.replaceWith(h("p", { class: "hint", role: "status" }, "Секрет скрыт. Если он утерян, смените секрет агента."));
  });
  requestAnimationFrame(() => heading.isConnected && heading.focus());
  return panel;
}

// The agent's page is rendered anew after every change; what a change hands to that rendering — a
// secret to show once or the reason the change was refused — waits here and is taken by it.
let handOver = null;

function reopen(ctx, agentId, data) {
  handOver = { agentId, ...data };
  ctx.navigate(agentPath(agentId));
}

function takeHandOver(agentId) {
  const data = handOver?.agentId === agentId ? handOver : null;
  handOver = null;
  return data || {};
}

// 409 without fields: someone changed the agent meanwhile — show its current state and say so.
function refused(ctx, agentId) {
  reopen(ctx, agentId, { error: "Агента только что изменил другой сотрудник, Ваше изменение не сохранено. Показаны актуальные данные: проверьте их и повторите." });
}

// --- registering an agent ------------------------------------------------------------------------

function createView(ctx) {
  const meters = meterRows([null]);
  const save = h("button", { type: "submit", class: "btn btn--primary" }, "Зарегистрировать");
  const form = h(
    "form",
    { class: "form", novalidate: true },
    formAlert(),
    h(
      "div",
      { class: "grid" },
      field({
        name: "id",
        label: "Идентификатор агента",
        required: true,
        maxlength: "64",
        hint: "Как agent_id в настройках агента: латиница, цифры, точка, дефис, подчёркивание. Например tp-17-uspd-1",
      }),
      field({ name: "name", label: "Где стоит УСПД", required: true, maxlength: "200", hint: "Например «ТП-17, ул. Ленина, 5»" }),
    ),
    h(
      "fieldset",
      { class: "fieldset" },
      h("legend", {}, "Счётчики"),
      h("p", { class: "hint" }, "Данные принимаются только от закреплённых счётчиков. Их можно добавить и позже."),
      meters.element,
    ),
    h("div", { class: "form__actions" }, save, h("a", { class: "btn btn--ghost", href: "#/agents" }, "Отмена")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { id, name } = formValues(form);
    const { meters: list, problems: rowProblems } = meters.collect();
    const problems = [
      id ? null : { path: "id", message: "Укажите идентификатор" },
      name ? null : { path: "name", message: "Укажите, где стоит УСПД" },
      ...rowProblems,
    ].filter(Boolean);
    if (problems.length) return showErrors(form, "Проверьте заполнение полей.", problems);
    clearErrors(form);
    setBusy(save, true, "Регистрируем…");
    try {
      const created = await ctx.api.post("/staff/agents", { id, name, meters: list });
      ctx.flash(`Агент «${created.agent.name}» зарегистрирован.`);
      reopen(ctx, created.agent.id, { secret: created.secret, title: "Секрет нового агента" });
    } catch (error) {
      setBusy(save, false);
      // 409 without fields: the identifier is taken.
      const fields = error.status === 409 && !error.fields.length ? [{ path: "id", message: error.message }] : error.fields;
      showErrors(form, error.message, fields);
    }
  });
  return h("div", { class: "stack" }, h("p", { class: "breadcrumbs" }, h("a", { href: "#/agents" }, "← Все агенты")), form);
}

// --- one agent -----------------------------------------------------------------------------------

function metersEditor(ctx, agent) {
  const rows = meterRows(agent.meters.length ? agent.meters : [null]);
  const save = h("button", { type: "submit", class: "btn btn--primary" }, "Сохранить счётчики");
  const cancel = h("button", { type: "button", class: "btn btn--ghost" }, "Отмена");
  const open = h("button", { type: "button", class: "btn" }, "Изменить список счётчиков");
  const form = h(
    "form",
    { class: "form", novalidate: true, hidden: true, "aria-label": "Счётчики агента" },
    formAlert(),
    h("p", { class: "hint" }, "Полный список: счётчики, которых в нём нет, снимаются с агента."),
    rows.element,
    h("div", { class: "form__actions" }, save, cancel),
  );
  open.addEventListener("click", () => {
    form.hidden = false;
    open.hidden = true;
    form.querySelector("input")?.focus();
  });
  cancel.addEventListener("click", () => ctx.navigate(agentPath(agent.id)));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { meters, problems } = rows.collect();
    if (problems.length) return showErrors(form, "Проверьте заполнение строк.", problems);
    clearErrors(form);
    const kept = new Set(meters.map((m) => `${m.contract}\n${m.serial.toUpperCase()}`));
    const removed = agent.meters.filter((m) => !kept.has(`${m.contract}\n${m.serial.toUpperCase()}`)).map((m) => m.serial);
    if (removed.length) {
      const yes = await confirmDialog({
        title: "Снять счётчики с агента?",
        text: `Данные ${removed.length === 1 ? "счётчика" : "счётчиков"} ${removed.join(", ")} от этого УСПД перестанут приниматься.`,
        confirm: "Снять и сохранить",
        cancel: "Назад",
        danger: true,
      });
      if (!yes) return;
    }
    setBusy(save, true, "Сохраняем…");
    try {
      const saved = await ctx.api.put(`/staff/agents/${enc(agent.id)}/meters`, { meters, revision: agent.revision });
      ctx.flash(`Список счётчиков сохранён: ${saved.meters.length}.`);
      ctx.navigate(agentPath(agent.id));
    } catch (error) {
      setBusy(save, false);
      // 409 with fields: a meter belongs to another agent (shown at its row, like 422's).
      if (error.status === 409 && !error.fields.length) return refused(ctx, agent.id);
      showErrors(form, error.message, error.fields);
    }
  });
  return [h("p", {}, open), form];
}

function renameForm(ctx, agent) {
  const save = h("button", { type: "submit", class: "btn" }, "Сохранить название");
  const form = h(
    "form",
    { class: "form", novalidate: true, "aria-label": "Название агента" },
    formAlert(),
    h("div", { class: "grid" }, field({ name: "name", label: "Где стоит УСПД", required: true, maxlength: "200", value: agent.name, size: "wide" })),
    h("div", { class: "form__actions" }, save),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { name } = formValues(form);
    if (!name) return showErrors(form, "Укажите название.", [{ path: "name", message: "Укажите, где стоит УСПД" }]);
    clearErrors(form);
    setBusy(save, true, "Сохраняем…");
    try {
      await ctx.api.patch(`/staff/agents/${enc(agent.id)}`, { name, revision: agent.revision });
      ctx.flash("Название агента изменено.");
      ctx.navigate(agentPath(agent.id));
    } catch (error) {
      setBusy(save, false);
      if (error.status === 409) return refused(ctx, agent.id);
      showErrors(form, error.message, error.fields);
    }
  });
  return form;
}

// An administrator's button: asks first (when `question` is given: the dialog's texts, or a function
// answering them at the click), then runs `action`; a refusal is reported in the page, a conflict
// reopens it with the agent's current state.
function actionButton(ctx, agent, { text, busy, danger = false, question, action }, report) {
  const button = h("button", { type: "button", class: `btn ${danger ? "btn--danger" : ""}` }, text);
  button.addEventListener("click", async () => {
    const texts = typeof question === "function" ? question() : question;
    if (texts && !(await confirmDialog({ cancel: "Отмена", danger, ...texts }))) return;
    setBusy(button, true, busy);
    try {
      await action();
    } catch (error) {
      setBusy(button, false);
      if (error.status === 409) return refused(ctx, agent.id);
      report(error.message, "error");
    }
  });
  return button;
}

function adminCard(ctx, agent, report) {
  const path = `/staff/agents/${enc(agent.id)}`;
  const toggle = agent.enabled
    ? actionButton(ctx, agent, {
        text: "Отключить агента",
        busy: "Отключаем…",
        danger: true,
        question: {
          title: "Отключить агента?",
          text: "Пока агент отключён, данные от этого УСПД не принимаются. Включить его можно здесь же.",
          confirm: "Отключить",
        },
        action: async () => {
          await ctx.api.patch(path, { enabled: false, revision: agent.revision });
          ctx.flash("Агент отключён: его данные не принимаются.");
          ctx.navigate(agentPath(agent.id));
        },
      }, report)
    : actionButton(ctx, agent, {
        text: "Включить агента",
        busy: "Включаем…",
        action: async () => {
          await ctx.api.patch(path, { enabled: true, revision: agent.revision });
          ctx.flash("Агент включён.");
          ctx.navigate(agentPath(agent.id));
        },
      }, report);
  // How long the previous secret keeps working, so the concentrator goes on delivering until its key
  // file is replaced (an API without the grace period ignores the choice: the old key stops at once).
  const keep = selectField({
    name: "keep_previous_hours",
    label: "Прежний секрет после смены",
    options: [
      ["24", "действует ещё 24 часа"],
      ["72", "действует ещё 72 часа"],
      ["0", "перестаёт действовать сразу (секрет скомпрометирован)"],
    ],
    value: "24",
    hint: "Первый же запрос УСПД с новым секретом прекращает действие прежнего.",
    size: "wide",
  });
  const rotate = actionButton(ctx, agent, {
    text: "Сменить секрет",
    busy: "Меняем…",
    danger: true,
    question: () => {
      const hours = Number(keep.querySelector("select").value);
      return {
        title: "Сменить секрет агента?",
        text:
          "Новый секрет будет показан один раз: запишите его в файл ключа на УСПД. " +
          (hours
            ? `Прежний будет действовать ещё ${hours} ч или до первого запроса УСПД с новым.`
            : "Прежний перестанет действовать сразу: пока файл ключа не заменён, данные от УСПД не принимаются."),
        confirm: "Сменить секрет",
      };
    },
    action: async () => {
      const answer = await ctx.api.post(`${path}/secret`, { keep_previous_hours: Number(keep.querySelector("select").value) });
      ctx.flash("Секрет агента сменён.");
      reopen(ctx, agent.id, { secret: answer.secret, rotated: true, previousValidUntil: answer.previous_valid_until, title: "Новый секрет агента" });
    },
  }, report);
  return h(
    "section",
    { class: "card card--muted", "aria-labelledby": "agent-admin-title" },
    h("h2", { id: "agent-admin-title", class: "card__title" }, "Управление агентом"),
    renameForm(ctx, agent),
    h("h3", { class: "subhead" }, "Работа агента"),
    h("p", {}, agent.enabled ? "Агент включён: данные от УСПД принимаются." : "Агент отключён: данные от УСПД не принимаются."),
    h("div", { class: "form__actions" }, toggle),
    h("h3", { class: "subhead" }, "Секрет агента"),
    h("p", {}, `Ключ выдан ${when(agent.key_rotated_at)}. Секрет хранится на УСПД в файле ключа; в кабинете он не хранится и не показывается.`),
    h("div", { class: "grid" }, keep),
    h("div", { class: "form__actions" }, rotate),
  );
}

function agentPage(ctx, agent, handed) {
  const { element: notice, report } = reporter();
  if (handed.error) report(handed.error, "error");
  const hint = may(ctx, ADMINS)
    ? null
    : h(
        "p",
        { class: "hint" },
        may(ctx, ASSIGNERS)
          ? "Переименовать, отключить агента и сменить его секрет может администратор."
          : "Изменять агентов могут инженер и администратор.",
      );
  return h(
    "div",
    { class: "stack" },
    h("p", { class: "breadcrumbs" }, h("a", { href: "#/agents" }, "← Все агенты")),
    notice,
    handed.secret ? secretPanel(handed) : null,
    h("p", { class: "meter__pills" }, statePill(agent)),
    agentFacts(agent),
    unassignedNotice(agent),
    h(
      "section",
      { "aria-labelledby": "agent-meters-title" },
      h("h2", { id: "agent-meters-title", class: "card__title" }, "Счётчики"),
      metersTable(agent),
      may(ctx, ASSIGNERS) ? metersEditor(ctx, agent) : null,
    ),
    may(ctx, ADMINS) ? adminCard(ctx, agent, report) : null,
    hint,
  );
}

async function agentView(ctx) {
  const id = ctx.params.get("id");
  if (!id) throw new Error("Не указан агент.");
  const handed = takeHandOver(id);
  try {
    const agent = await ctx.api.get(`/staff/agents/${enc(id)}`);
    return { title: `Агент «${agent.name}»`, body: agentPage(ctx, agent, handed) };
  } catch (error) {
    // A secret just issued is shown even if the agent could not be read: it is not shown again.
    if (!handed.secret) throw error;
    return {
      title: "Агент УСПД",
      body: h("div", { class: "stack" }, h("div", { class: "notice notice--error", role: "alert" }, error.message), secretPanel(handed)),
    };
  }
}

export async function agentsSection(ctx, sub) {
  if (sub === "new") {
    if (!may(ctx, ADMINS)) throw new Error("Регистрировать агентов может администратор.");
    return { title: "Регистрация агента", body: createView(ctx) };
  }
  if (sub === "agent") return agentView(ctx);
  return { title: "Агенты УСПД", body: await listView(ctx) };
}
