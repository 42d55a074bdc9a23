// The shell's two message areas: the error area (role="alert", for refused actions) and the
// notifications list (aria-live="polite", for things that happened).

const byId = (id) => document.getElementById(id);

/** Show a refused action in the error area and move focus there, so keyboard and screen
 * reader users land on it. `error` is a WalletError, an Error or a string. */
export function showError(error, { title = "Refused" } = {}) {
  const area = byId("error-area");
  if (!area) return;
  byId("error-area-title").textContent = title;
  byId("error-area-message").textContent = typeof error === "string" ? error : error?.message ?? String(error);
  // Refused fields (ApiError.problems, or a form's own checks): one line each.
  const list = byId("error-area-problems");
  if (list) {
    const problems = (typeof error === "object" && error?.problems) || [];
    list.replaceChildren(
      ...problems.map((p) => {
        const item = document.createElement("li");
        item.textContent = p.label ? `${p.label}: ${p.message}` : p.loc ? `${p.loc}: ${p.message}` : p.message;
        return item;
      }),
    );
    list.hidden = problems.length === 0;
  }
  area.hidden = false;
  area.setAttribute("tabindex", "-1");
  area.focus({ preventScroll: false });
}

export function clearError() {
  const area = byId("error-area");
  if (area) area.hidden = true;
}

let counter = 0;

/** Add a notification ({kind: "info" | "success" | "error"}); returns its element. */
export function notify(text, { kind = "info" } = {}) {
  const list = byId("notifications");
  if (!list) return null;
  const item = document.createElement("li");
  item.className = `notification notification-${kind}`;
  item.id = `notification-${++counter}`;
  const time = document.createElement("time");
  const now = new Date();
  time.dateTime = now.toISOString();
  time.textContent = now.toLocaleTimeString("en-GB");
  const message = document.createElement("span");
  message.className = "notification-text";
  message.textContent = text;
  const dismiss = document.createElement("button");
  dismiss.type = "button";
  dismiss.className = "notification-dismiss";
  dismiss.textContent = "Dismiss";
  dismiss.setAttribute("aria-label", `Dismiss notification: ${text}`);
  dismiss.addEventListener("click", () => {
    item.remove();
    updateEmpty();
  });
  item.append(time, " ", message, " ", dismiss);
  list.prepend(item);
  updateEmpty();
  return item;
}

function updateEmpty() {
  const empty = byId("notifications-empty");
  const list = byId("notifications");
  if (empty && list) empty.hidden = list.children.length > 0;
}

export function initMessageAreas() {
  byId("error-area-dismiss")?.addEventListener("click", () => {
    clearError();
    byId("main")?.focus();
  });
  updateEmpty();
}
