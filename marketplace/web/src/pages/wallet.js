// The Wallet page: every path of the wallet module against the deployed contracts.
import { startShell, guarded, chainLabel } from "../lib/shell.js";
import { formatEUR, parseEUR, parseWhole } from "../lib/money.js";
import { bidTypedData, typedDataDigest } from "../lib/typed-data.js";
import { typedDataJson, TX_STATES } from "../lib/wallet.js";
import { DataTable } from "../lib/table.js";

const $ = (id) => document.getElementById(id);

function showAmount(id, value) {
  const node = $(id);
  node.textContent = value === null ? "–" : formatEUR(value);
  node.dataset.baseUnits = value === null ? "" : value.toString();
}

function codeNode(text) {
  const code = document.createElement("code");
  code.textContent = text ?? "";
  return code;
}

const { config, wallet, notify } = await startShell();

function renderConnection() {
  $("w-provider").textContent = wallet.available ? "found (EIP-1193)" : "none found: install MetaMask or another Ethereum wallet";
  $("w-account").textContent = wallet.account ?? "not connected";
  $("w-chain").textContent = chainLabel(config, wallet.chainId);
  $("w-network-warning").hidden = !(wallet.connected && wallet.chainId !== null && !wallet.onExpectedChain);
  $("w-signin").textContent = wallet.session ? `yes, as ${wallet.session.account}` : "no";
}

let refreshing = 0;
async function refreshBalances() {
  if (!wallet.connected || !wallet.onExpectedChain || !config.contracts.FlexToken) {
    for (const id of ["w-balance", "w-credit", "w-allowance"]) showAmount(id, null);
    return;
  }
  const ticket = ++refreshing;
  const [balance, credit, allowance] = await Promise.all([wallet.tokenBalance(), wallet.marketCredit(), wallet.marketAllowance()]);
  if (ticket !== refreshing) return; // a newer refresh is under way
  showAmount("w-balance", balance);
  showAmount("w-credit", credit);
  showAmount("w-allowance", allowance);
  document.body.dataset.balancesFor = wallet.account;
}

wallet.addEventListener("change", () => {
  renderConnection();
  guarded(refreshBalances, { title: "Balances not read" });
});
renderConnection();
await guarded(refreshBalances, { title: "Balances not read" });

// Transactions table.
const table = new DataTable($("w-transactions"), {
  id: "wallet-transactions",
  caption: "Transactions sent from this page",
  emptyText: "No transaction sent yet.",
  rowKey: (tx) => tx.id,
  columns: [
    { key: "id", label: "No." },
    { key: "label", label: "Action", filter: "text" },
    { key: "status", label: "Status", filter: "select", filterValue: (tx) => tx.statusText, format: (_, tx) => tx.statusText },
    { key: "hash", label: "Transaction hash", render: (tx) => codeNode(tx.hash ?? "not sent") },
    { key: "block", label: "Block", format: (_, tx) => (tx.receipt ? BigInt(tx.receipt.blockNumber).toString() : "") },
    { key: "message", label: "Message", format: (_, tx) => tx.error?.message ?? "" },
    { key: "updated", label: "Updated", hidden: true, format: (_, tx) => tx.updatedAt.toLocaleTimeString("en-GB") },
  ],
});
wallet.addEventListener("transaction", ({ detail: tx }) => {
  table.setRows([...wallet.transactions].reverse());
  if (tx.status === "confirmed") guarded(refreshBalances, { title: "Balances not read" });
});

$("w-refresh").addEventListener("click", () => guarded(refreshBalances, { title: "Balances not read" }));

$("w-approve-form").addEventListener("submit", (event) => {
  event.preventDefault();
  guarded(async () => {
    const amount = parseEUR($("w-approve-amount").value);
    const market = wallet.contract("FlexMarket").address;
    await wallet.send({ contract: "FlexToken", functionName: "approve", args: [market, amount], label: `Approve ${formatEUR(amount)}` }).wait();
  }, { title: "Approval not made" });
});

$("w-withdraw").addEventListener("click", () =>
  guarded(async () => {
    await wallet.send({ contract: "FlexMarket", functionName: "withdraw", label: "Withdraw credit" }).wait();
  }, { title: "Withdrawal not made" }),
);

$("w-signin-button").addEventListener("click", () =>
  guarded(async () => {
    await wallet.signIn();
    notify(`Signed in as ${wallet.account}.`, { kind: "success" });
  }, { title: "Not signed in" }),
);

// The token's owner (the market operator) issues tokens from here.
let tokenOwner = null;
async function refreshIssuer() {
  const panel = $("w-issue");
  if (!wallet.connected || !wallet.onExpectedChain || !config.contracts.FlexToken) {
    panel.hidden = true;
    return;
  }
  tokenOwner ??= await wallet.read("FlexToken", "owner");
  panel.hidden = tokenOwner.toLowerCase() !== wallet.account.toLowerCase();
}
wallet.addEventListener("change", () => guarded(refreshIssuer, { title: "Token owner not read" }));
guarded(refreshIssuer, { title: "Token owner not read" });

$("w-issue-form").addEventListener("submit", (event) => {
  event.preventDefault();
  guarded(async () => {
    wallet.requireAccount();
    wallet.requireChain();
    const to = $("w-issue-to").value.trim();
    if (!/^0x[0-9a-fA-F]{40}$/.test(to)) throw new Error("The recipient is not a wallet address (0x and 40 hexadecimal digits).");
    const amount = parseEUR($("w-issue-amount").value);
    if (amount <= 0n) throw new Error("Issue a positive amount.");
    await wallet.send({ contract: "FlexToken", functionName: "mint", args: [to, amount],
                        label: `Issue ${formatEUR(amount)} to ${to.slice(0, 6)}…${to.slice(-4)}` }).wait();
    await refreshBalances();
  }, { title: "Tokens not issued" });
});

$("w-bid-form").addEventListener("submit", (event) => {
  event.preventDefault();
  guarded(async () => {
    wallet.requireAccount();
    wallet.requireChain();
    const form = event.target.elements;
    const bid = {
      requestId: parseWhole(form.requestId.value, "request id"),
      fsp: wallet.account,
      quantityWh: parseWhole(form.quantityWh.value, "quantity"),
      minQuantityWh: parseWhole(form.minQuantityWh.value, "minimum quantity"),
      // A price per MWh in EUR is an amount of money per MWh: base units per MWh.
      pricePerMWh: parseEUR(form.price.value),
      guarantee: parseEUR(form.guarantee.value),
      terms: form.terms.value.trim(),
    };
    const typed = bidTypedData(config, wallet.chainId, bid);
    const signature = await wallet.signTypedData(typed);
    $("w-bid-digest").textContent = typedDataDigest(typed);
    $("w-bid-signature").textContent = signature;
    $("w-bid-typed").textContent = JSON.stringify(JSON.parse(typedDataJson(typed)), null, 2);
    $("w-bid-result").hidden = false;
    notify("Sample bid signed.", { kind: "success" });
  }, { title: "Bid not signed" });
});

document.body.dataset.pageReady = "true";
export { TX_STATES };
