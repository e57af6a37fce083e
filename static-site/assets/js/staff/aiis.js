// Staff console «АИИС КУЭ»: the АТС 80020 export of the metering points on АИИС КУЭ. One day downloads
// as its XML file (windows-1251), several days as a zip with a file per day (at most 31 days). A point
// whose meter keeps a 60-minute (or other not half-hourly) profile cannot be in 80020: the API refuses
// with the point named, shown under «Коды точек измерения»; having read it, staff may tick «Пропустить …»
// to download the other points.

import { checkbox, clearErrors, field, formAlert, formValues, h, setBusy, showErrors } from "../ui.js";

const enc = encodeURIComponent;
const isoDay = (date) => date.toLocaleDateString("sv-SE");

function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
}

function exportForm(ctx) {
  const yesterday = new Date();
  yesterday.setDate(yesterday.getDate() - 1);
  const button = h("button", { type: "submit", class: "btn btn--primary" }, "Скачать");
  const status = h("p", { class: "hint", role: "status" });
  const form = h(
    "form",
    { class: "form", novalidate: true, "aria-label": "Выгрузка 80020" },
    formAlert(),
    h(
      "div",
      { class: "grid" },
      field({ name: "from", label: "С", type: "date", required: true, value: isoDay(yesterday), size: "narrow" }),
      field({ name: "to", label: "По", type: "date", value: isoDay(yesterday), size: "narrow",
              hint: "Тот же день — файл XML; несколько суток (до 31) — архив zip" }),
      field({ name: "points", label: "Коды точек измерения", size: "wide",
              hint: "Через запятую; пусто — все точки АИИС КУЭ" }),
    ),
    checkbox({ name: "half_hours_only", label: "Пропустить точки, профиль которых не делится на получасы (60 минут и т. п.)" }),
    h("div", { class: "form__actions" }, button),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    status.textContent = "";
    const { from, to, points, half_hours_only: skip } = formValues(form);
    if (!from) return showErrors(form, "Укажите день.", [{ path: "from", message: "Укажите день" }]);
    const oneDay = !to || to === from;
    const filter = (points.trim() ? `&points=${enc(points.trim())}` : "") + (skip ? "&half_hours_only=true" : "");
    setBusy(button, true, "Готовим…");
    try {
      if (oneDay) {
        const blob = await ctx.api.get(`/staff/aiis/80020?date=${enc(from)}${filter}`, { raw: true, accept: "application/xml" });
        save(blob, `80020_${from.replaceAll("-", "")}.xml`);
        status.textContent = `Файл 80020 за ${from} скачан.`;
      } else {
        const blob = await ctx.api.get(`/staff/aiis/80020/range?from=${enc(from)}&to=${enc(to)}${filter}`, {
          raw: true,
          accept: "application/zip",
        });
        save(blob, `80020_${from.replaceAll("-", "")}-${to.replaceAll("-", "")}.zip`);
        status.textContent = `Архив 80020 за ${from} — ${to} скачан.`;
      }
    } catch (error) {
      // The one-day route names its day `date`; the form calls it «С».
      showErrors(form, error.message, (error.fields || []).map((f) => (f.path === "date" ? { ...f, path: "from" } : f)));
    } finally {
      setBusy(button, false);
    }
  });
  return form;
}

export async function aiisSection(ctx) {
  return {
    title: "АИИС КУЭ: выгрузка 80020",
    body: h(
      "div",
      { class: "stack" },
      h(
        "p",
        { class: "lead" },
        "Получасовые данные точек измерения АИИС КУЭ в макете 80020 для АТС. Точки — счётчики, закреплённые " +
          "за агентами УСПД, с кодом точки из биллинга. Профиль с интервалом 15, 10, 5 … минут суммируется в " +
          "получасы; по точке с 60-минутным профилем выгрузка 80020 невозможна.",
      ),
      exportForm(ctx),
    ),
  };
}
