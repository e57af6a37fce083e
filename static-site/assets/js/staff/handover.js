// «Передать коллеге» on a case card: the employees who work the case's queue (GET /staff/colleagues),
// except the current assignee; the API checks the colleague's role too.

import { selectField } from "../cases-common.js";
import { checkRequired, clearErrors, formAlert, formValues, h, setBusy, showErrors } from "../ui.js";

// queue: "appeals" | "service_requests" | "connection"; path: the case's staff route; assignee: the current
// assignee's id or login (cards name one or the other); done(message).
export async function handOverForm(ctx, { queue, path, assignee, done }) {
  const { colleagues } = await ctx.api.get(`/staff/colleagues?queue=${queue}`);
  const others = colleagues.filter((c) => !assignee || (c.id !== assignee && c.login !== assignee));
  if (!others.length) return null;
  const button = h("button", { type: "submit", class: "btn" }, "Передать коллеге");
  const form = h(
    "form",
    { class: "form", novalidate: true, "aria-label": "Передать коллеге" },
    formAlert(),
    selectField({
      name: "colleague_id",
      label: "Коллега",
      required: true,
      placeholder: "Выберите сотрудника",
      options: others.map((c) => [c.id, c.name ? `${c.name} (${c.login})` : c.login]),
    }),
    h("div", { class: "form__actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problems = checkRequired(form);
    if (problems.length) return showErrors(form, "Выберите коллегу.", problems);
    clearErrors(form);
    const { colleague_id: colleagueId } = formValues(form);
    setBusy(button, true, "Передаём…");
    try {
      await ctx.api.post(`${path}/hand-over`, { colleague_id: colleagueId });
      done(`Передано коллеге: ${others.find((c) => c.id === colleagueId).login}.`);
    } catch (error) {
      setBusy(button, false);
      showErrors(form, error.message, error.fields);
    }
  });
  return h(
    "section",
    { "aria-labelledby": "hand-over-title" },
    h("h3", { id: "hand-over-title", class: "subhead" }, "Передать коллеге"),
    form,
  );
}
