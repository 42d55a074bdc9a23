// What every page starts with: the embedded config, the wallet, the header's wallet widget,
// the error area and notifications.
//
//   import { startShell } from "../lib/shell.js";
//   const { config, wallet } = await startShell();
//
// Buttons marked data-wallet-connect / data-wallet-switch anywhere on the page connect the
// wallet and switch its network; data-wallet-switch buttons show only on a wrong network.
import "../css/app.css";
import { Wallet } from "./wallet.js";
import { initMessageAreas, notify, showError, clearError } from "./notify.js";
import { formatEUR } from "./money.js";
import { api, setCsrfToken } from "./api.js";

export function readConfig() {
  const node = document.getElementById("flex-config");
  if (!node) throw new Error("the page has no #flex-config");
  return JSON.parse(node.textContent);
}

export function shortAddress(address) {
  return address ? `${address.slice(0, 6)}…${address.slice(-4)}` : "";
}

export function chainLabel(config, chainId) {
  if (chainId === null || chainId === undefined) return "unknown";
  return chainId === config.chain.id ? `${config.chain.name} (id ${chainId})` : `network ${chainId}`;
}

/** Who is looking at the page, as the server rendered it (see marketplace/web/viewer.py):
 * {signedIn, userId, name, grant, participantId, participantName, role, status, impersonatorName}. */
export function readViewer() {
  const node = document.getElementById("flex-viewer");
  return node ? JSON.parse(node.textContent) : { signedIn: false };
}

/** Run `action` (async); a failure shows in the error area instead of being lost. */
export async function guarded(action, { title = "Refused" } = {}) {
  try {
    clearError();
    return await action();
  } catch (error) {
    showError(error, { title });
    return undefined;
  }
}

function renderWidget(wallet) {
  const summary = document.getElementById("wallet-summary");
  let text;
  if (!wallet.available) text = "No wallet found in this browser.";
  else if (!wallet.connected) text = "Wallet not connected.";
  else if (!wallet.onExpectedChain) text = `${shortAddress(wallet.account)} on ${chainLabel(wallet.config, wallet.chainId)}: wrong network.`;
  else text = `${shortAddress(wallet.account)} on ${chainLabel(wallet.config, wallet.chainId)}.`;
  if (summary) summary.textContent = text;
  for (const button of document.querySelectorAll("[data-wallet-connect]")) {
    button.textContent = wallet.connected ? "Reconnect wallet" : "Connect wallet";
  }
  const wrong = wallet.connected && wallet.chainId !== null && !wallet.onExpectedChain;
  for (const button of document.querySelectorAll("[data-wallet-switch]")) button.hidden = !wrong;
}

// Transactions are announced in the notifications; the page that sent one shows a failure in
// the error area (guarded + tx.wait()), so the message names the action the person took.
function announceTransactions(wallet) {
  wallet.addEventListener("transaction", ({ detail: tx }) => {
    if (tx.status === "pending") notify(`${tx.label}: pending (${shortAddress(tx.hash)}).`);
    else if (tx.status === "confirmed") notify(`${tx.label}: confirmed in block ${BigInt(tx.receipt.blockNumber)}.`, { kind: "success" });
    else if (tx.status === "failed") notify(`${tx.label}: failed. ${tx.error.message}`, { kind: "error" });
  });
}

// The header's session controls and the impersonation banner (rendered by the server).
function wireSession() {
  const signOut = document.getElementById("session-signout");
  signOut?.addEventListener("click", () =>
    guarded(async () => {
      await api.post("/auth/logout");
      setCsrfToken(null);
      window.location.assign(signOut.dataset.next || "/");
    }, { title: "Not signed out" }),
  );
  const endImpersonation = document.getElementById("impersonation-end");
  endImpersonation?.addEventListener("click", () =>
    guarded(async () => {
      const reply = await api.post("/auth/impersonate/end");
      setCsrfToken(reply.csrf_token);
      window.location.assign(endImpersonation.dataset.next || "/");
    }, { title: "Impersonation not ended" }),
  );
}

/** The signed-in participant's unread market notifications (newest first, at most five) in
 * the notifications area, each with a link to the notifications page. Quiet on failure: the
 * page's own work matters more than this summary. */
async function showMarketNotifications(config, viewer) {
  const sources = config.notifications?.sources ?? [];
  if (!viewer.signedIn || viewer.status !== "approved" || !sources.length) return;
  try {
    for (const source of sources) {
      const page = await api.get(source, { unread: "true", limit: "5" });
      for (const item of [...page.items].reverse()) {
        const entry = notify(item.title, { kind: "info" });
        if (!entry) continue;
        entry.classList.add("notification-market");
        const link = document.createElement("a");
        link.href = "/notifications";
        link.textContent = "Open notifications";
        link.setAttribute("aria-label", `Open notifications: ${item.title}`);
        entry.querySelector(".notification-text").after(" ", link);
      }
    }
  } catch {
    // the notifications page and the dashboard say it again
  }
}

export async function startShell() {
  const config = readConfig();
  const viewer = readViewer();
  initMessageAreas();
  wireSession();
  const wallet = new Wallet(config);
  wallet.addEventListener("change", () => renderWidget(wallet));
  announceTransactions(wallet);
  for (const button of document.querySelectorAll("[data-wallet-connect]")) {
    button.addEventListener("click", () =>
      guarded(async () => {
        await wallet.connect();
        notify(`Wallet connected: ${wallet.account}.`, { kind: "success" });
      }, { title: "Wallet not connected" }),
    );
  }
  for (const button of document.querySelectorAll("[data-wallet-switch]")) {
    button.addEventListener("click", () =>
      guarded(async () => {
        await wallet.switchChain();
        notify(`Wallet switched to ${chainLabel(config, wallet.chainId)}.`, { kind: "success" });
      }, { title: "Network not switched" }),
    );
  }
  renderWidget(wallet);
  showMarketNotifications(config, viewer);
  await guarded(() => wallet.init(), { title: "Wallet unavailable" });
  document.documentElement.dataset.shellReady = "true";
  return { config, wallet, viewer, notify, showError, formatEUR };
}
