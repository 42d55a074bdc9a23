// The participant's notifications: list (unread filter), mark one read, mark all read; each
// links to the page of what it is about.
import { startShell, guarded } from "../lib/shell.js";
import { api } from "../lib/api.js";
import { notify } from "../lib/notify.js";
import { h, fmt, fill, actionButton, param, setParam } from "../lib/ops.js";

await startShell();
const byId = (id) => document.getElementById(id);

/** Where a notification's object is shown. */
function linkOf(n) {
  const id = n.object_id;
  switch (n.object_type) {
    case "activation": return { href: "/activations", text: `activation ${id}` };
    case "agreement": return { href: `/statements?agreement=${id}`, text: `statement of agreement ${id}` };
    case "flex_request": return { href: n.event === "results.published" ? `/results?session=${n.data?.session_id ?? ""}` : "/history", text: `request ${id}` };
    case "market_session": return { href: `/results?session=${id}`, text: `session ${id}` };
    case "qualification": return { href: "/qualifications", text: `qualification ${id}` };
    default: return null;
  }
}

function item(n) {
  const link = linkOf(n);
  return h("li", { class: `notification-item${n.read_at ? "" : " unread"}`, "data-notification": String(n.id) },
    h("p", { class: "notification-title" }, h("strong", { text: n.title }), n.read_at ? "" : h("span", { class: "badge badge-unread", text: "unread" })),
    h("p", { class: "muted" }, h("time", { datetime: new Date(n.created_at * 1000).toISOString(), text: fmt.time(n.created_at) }), ` · ${n.event}`,
      link ? [" · ", h("a", { href: link.href, text: `Open ${link.text}` })] : ""),
    n.read_at ? "" : actionButton("Mark read", async () => {
      await api.post(`/notifications/${n.id}/read`);
      await load();
    }, { title: "Notification not marked read", name: `Mark notification “${n.title}” read` }));
}

async function load() {
  const unread = byId("nf-unread").checked;
  setParam("unread", unread ? "true" : null);
  const [items, unreadItems] = await Promise.all([api.all("/notifications", unread ? { unread: true } : {}), api.all("/notifications", { unread: true })]);
  fill("unread-count", `${unreadItems.length} unread notification${unreadItems.length === 1 ? "" : "s"}${unread ? "" : ` of ${items.length}`}.`);
  fill("notification-list", items.length ? items.reverse().map(item) : h("li", { class: "muted", text: unread ? "No unread notification." : "No notification yet." }));
  byId("mark-all").disabled = unreadItems.length === 0;
}

byId("notification-filter").addEventListener("submit", (event) => {
  event.preventDefault();
  guarded(load, { title: "Notifications not shown" });
});
byId("mark-all").addEventListener("click", () => guarded(async () => {
  const done = await api.post("/notifications/read-all");
  notify(`${done.marked} notification${done.marked === 1 ? "" : "s"} marked read.`, { kind: "success" });
  await load();
}, { title: "Notifications not marked read" }));
byId("nf-unread").checked = param("unread") === "true";
await guarded(load, { title: "Notifications not loaded" });
document.body.dataset.pageReady = "true";
