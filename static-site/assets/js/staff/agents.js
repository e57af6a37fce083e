// Staff console «Агенты УСПД»: each concentrator's last contact, overdue flag, upload backlog, clock
// skew and version; per meter the last read, the last error and the meter clock's drift.

import { formatDateTime, h } from "../ui.js";

function ago(iso) {
  if (!iso) return "никогда";
  const minutes = Math.round((Date.now() - new Date(iso).getTime()) / 60000);
  const when = formatDateTime(iso);
  if (minutes < 1) return `${when} (только что)`;
  if (minutes < 120) return `${when} (${minutes} мин назад)`;
  return `${when} (${Math.round(minutes / 60)} ч назад)`;
}

const seconds = (s) => (s === null || s === undefined ? "—" : `${s > 0 ? "+" : ""}${Math.round(s)} с`);

function agentCard(agent) {
  const state = !agent.enabled
    ? h("span", { class: "pill pill--muted" }, "Отключён")
    : agent.overdue
      ? h("span", { class: "pill pill--danger" }, "Нет связи")
      : h("span", { class: "pill pill--ok" }, "На связи");
  const meters = agent.meters.map((m) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, m.serial),
      h("td", { "data-label": "Договор" }, m.contract),
      h("td", { "data-label": "Точка учёта" }, m.point_code || "—"),
      h("td", { "data-label": "Последний опрос" }, m.last_read_at ? formatDateTime(m.last_read_at) : "—"),
      h(
        "td",
        { "data-label": "Часы счётчика" },
        m.drift_alarm ? h("span", { class: "pill pill--warn" }, seconds(m.clock_drift_s)) : seconds(m.clock_drift_s),
      ),
      h("td", { "data-label": "Ошибка" }, m.last_error ? h("span", { class: "pill pill--danger" }, m.last_error) : "—"),
    ),
  );
  return h(
    "section",
    { class: "card", "aria-label": `Агент ${agent.id}` },
    h("h2", { class: "card__title" }, `${agent.name} `, state),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Идентификатор"),
      h("dd", {}, agent.id),
      h("dt", {}, "Последняя связь"),
      h("dd", {}, ago(agent.last_contact_at)),
      h("dt", {}, "Не доставлено записей"),
      h("dd", {}, agent.backlog === null || agent.backlog === undefined ? "—" : String(agent.backlog)),
      h("dt", {}, "Часы УСПД"),
      h("dd", {}, agent.clock_skew_s === null || agent.clock_skew_s === undefined ? "—" : seconds(agent.clock_skew_s)),
      h("dt", {}, "Версия агента"),
      h("dd", {}, agent.version || "—"),
      h("dt", {}, "Ключ выдан"),
      h("dd", {}, formatDateTime(agent.key_rotated_at)),
    ),
    agent.unassigned_serials?.length
      ? h("div", { class: "notice notice--error" }, `Опрашивает незакреплённые счётчики (данные не принимаются): ${agent.unassigned_serials.join(", ")}`)
      : null,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "table table--compact table--stack" },
        h("thead", {}, h("tr", {}, ["Счётчик", "Договор", "Точка учёта", "Последний опрос", "Расхождение часов", "Ошибка"].map((t) => h("th", {}, t)))),
        h("tbody", {}, meters),
      ),
    ),
  );
}

export async function agentsSection(ctx) {
  const { agents } = await ctx.api.get("/staff/agents");
  const overdue = agents.filter((a) => a.enabled && a.overdue).length;
  return {
    title: "Агенты УСПД",
    body: h(
      "div",
      {},
      h("p", { class: "lead" }, `Агентов: ${agents.length}. Без связи: ${overdue}.`),
      agents.length ? agents.map(agentCard) : h("div", { class: "empty" }, "Агенты ещё не зарегистрированы."),
    ),
  };
}
