// Notification feed: unread first-class, mark one or all as read, cursor paging.

import { formatDateTime, h, pluralRu, setBusy } from "../ui.js";

const PAGE_SIZE = 20;

// Links come from the server; only this site's pages and https addresses are followed.
function safeLink(link) {
  if (!link) return null;
  return /^(#\/|\/(?!\/)|https:\/\/)/.test(link) ? link : null;
}

export async function notificationsView(ctx) {
  let unread = 0;
  let cursor = null;
  const list = h("ul", { class: "feed", "aria-label": "Уведомления" });
  const feed = h("div", {}, list);
  const counter = h("p", { class: "toolbar__text", role: "status" });
  const error = h("div", { class: "notice notice--error", role: "alert", hidden: true });
  const more = h("button", { type: "button", class: "btn btn--ghost", hidden: true }, "Показать ещё");
  const readAll = h("button", { type: "button", class: "btn btn--ghost btn--small" }, "Отметить все как прочитанные");
  const toolbar = h("div", { class: "toolbar" }, counter, readAll);

  const showUnread = (count) => {
    unread = Math.max(0, count);
    counter.textContent = unread
      ? `${unread} ${pluralRu(unread, "непрочитанное", "непрочитанных", "непрочитанных")}`
      : "Все уведомления прочитаны";
    readAll.disabled = unread === 0;
    ctx.setUnread(unread);
  };

  const fail = (err) => {
    error.textContent = err.message;
    error.hidden = false;
  };

  const markRead = (li) => {
    li.classList.remove("feed__item--unread");
    li.querySelector(".feed__new")?.remove();
    li.querySelector(".feed__mark")?.remove();
  };

  const renderItem = (item) => {
    const li = h("li", { class: `feed__item${item.read ? "" : " feed__item--unread"}` });
    const link = safeLink(item.link);
    const button = item.read
      ? null
      : h(
          "button",
          {
            type: "button",
            class: "btn btn--link feed__mark",
            onclick: async () => {
              error.hidden = true;
              setBusy(button, true);
              try {
                await ctx.api.post(`/me/notifications/${encodeURIComponent(item.id)}/read`);
                markRead(li);
                showUnread(unread - 1);
              } catch (err) {
                setBusy(button, false);
                fail(err);
              }
            },
          },
          "Отметить прочитанным",
        );
    li.append(
      h(
        "div",
        { class: "feed__head" },
        h("h2", { class: "feed__title" }, item.read ? null : h("span", { class: "feed__new" }, "Новое"), item.title),
        h("time", { class: "feed__time", datetime: item.created_at }, formatDateTime(item.created_at)),
      ),
      h("p", { class: "feed__body" }, item.body),
      h(
        "div",
        { class: "feed__actions" },
        link ? h("a", { href: link }, "Подробнее") : null,
        button,
      ),
    );
    return li;
  };

  const load = async () => {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (cursor) query.set("cursor", cursor);
    const page = await ctx.api.get(`/me/notifications?${query}`);
    list.append(...page.items.map(renderItem));
    cursor = page.next_cursor;
    more.hidden = !cursor;
    showUnread(page.unread);
    if (!list.children.length) {
      toolbar.hidden = true;
      feed.replaceChildren(h("p", { class: "empty" }, "Уведомлений пока нет."));
    }
  };

  more.addEventListener("click", async () => {
    error.hidden = true;
    setBusy(more, true, "Загрузка…");
    try {
      await load();
    } catch (err) {
      fail(err);
    } finally {
      setBusy(more, false);
    }
  });

  readAll.addEventListener("click", async () => {
    error.hidden = true;
    setBusy(readAll, true);
    try {
      await ctx.api.post("/me/notifications/read-all");
      for (const li of list.querySelectorAll(".feed__item--unread")) markRead(li);
      setBusy(readAll, false);
      showUnread(0);
    } catch (err) {
      setBusy(readAll, false);
      fail(err);
    }
  });

  await load();

  return h(
    "section",
    { class: "page page--medium" },
    h("h1", { tabindex: "-1" }, "Уведомления"),
    toolbar,
    error,
    feed,
    h("div", { class: "feed__more" }, more),
  );
}
