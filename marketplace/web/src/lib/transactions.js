// Transactions the market API prepares for the viewer's own wallet (the DSO's escrow and
// award, the FSP's guarantee deposit), sent one after the other, each shown in a list with
// its state: checking → waiting for your wallet → pending → confirmed | failed.
//
//   const hashes = await sendInOrder(wallet, escrow.transactions, {
//     list: document.getElementById("escrow-steps"),      // an <ol>, filled here
//     afterEach: async (tx, hash, i) => { ... },           // e.g. report the hash to the API
//   });
//
// A failure (rejected in the wallet, reverted, wrong network) stops the sequence and throws
// the WalletError; the list keeps the failed step with its readable message.
import { shortAddress } from "./shell.js";

function sentence(prepared) {
  const text = prepared.purpose ?? "transaction";
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function stepText(tx) {
  const parts = [`${tx.label}: ${tx.statusText}`];
  if (tx.hash) parts.push(`(${shortAddress(tx.hash)})`);
  if (tx.status === "confirmed" && tx.receipt) parts.push(`in block ${BigInt(tx.receipt.blockNumber)}`);
  if (tx.status === "failed" && tx.error) parts.push(`— ${tx.error.message}`);
  return parts.join(" ");
}

/** Show the transactions to come (before anything is sent). */
export function listPlanned(list, prepared) {
  list.replaceChildren(
    ...prepared.map((p, i) => {
      const item = document.createElement("li");
      item.dataset.step = String(i);
      item.dataset.status = "planned";
      item.textContent = `${sentence(p)}: not sent yet`;
      return item;
    }),
  );
}

/** Send ``prepared`` ({purpose, chain_id, to, data, value}) in order from the wallet. */
export async function sendInOrder(wallet, prepared, { list = null, afterEach = null } = {}) {
  if (list) listPlanned(list, prepared);
  const hashes = [];
  for (const [i, p] of prepared.entries()) {
    const tx = wallet.sendPrepared({ ...p, label: sentence(p) });
    const item = list?.querySelector(`[data-step="${i}"]`);
    const render = () => {
      if (!item) return;
      item.dataset.status = tx.status;
      item.textContent = stepText(tx);
    };
    tx.addEventListener("change", render);
    render();
    await tx.wait(); // throws the WalletError of a failed step
    hashes.push(tx.hash);
    if (afterEach) await afterEach(p, tx.hash, i);
  }
  return hashes;
}
