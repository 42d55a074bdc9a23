// Sign in: connect the wallet, switch to the market's network when needed, sign a SIWE
// message; the server opens a session (cookie + CSRF token) and the page goes on to `next`.
import { startShell, guarded, chainLabel } from "../lib/shell.js";
import { $ } from "../lib/dom.js";

const { config, wallet, notify } = await startShell();

function render() {
  $("si-account").textContent = !wallet.available
    ? "No Ethereum wallet found in this browser: install MetaMask or another EIP-1193 wallet."
    : wallet.connected
      ? `Connected: ${wallet.account}.`
      : "Wallet not connected.";
  const wrong = wallet.connected && wallet.chainId !== null && !wallet.onExpectedChain;
  $("si-network-warning").hidden = !wrong;
  if (wrong) {
    $("si-network-warning-text").textContent =
      `Your wallet is on ${chainLabel(config, wallet.chainId)}, but FlexMarket runs on ${config.chain.name} (id ${config.chain.id}). ` +
      "Switch network to sign in.";
  }
  $("si-network").textContent = wallet.onExpectedChain
    ? `Your wallet is on ${chainLabel(config, wallet.chainId)}: ready.`
    : `FlexMarket runs on ${config.chain.name} (id ${config.chain.id}).`;
}
wallet.addEventListener("change", render);
render();

$("si-sign").addEventListener("click", () =>
  guarded(async () => {
    if (!wallet.connected) await wallet.connect();
    if (!wallet.onExpectedChain) await wallet.switchChain(); // the wallet asks the person to switch
    const reply = await wallet.signIn();
    notify(`Signed in as ${reply.user.first_name} ${reply.user.last_name} of ${reply.participant.entity_name}.`, { kind: "success" });
    document.body.dataset.signedIn = "true";
    window.location.assign($("si-panel").dataset.next || "/");
  }, { title: "Not signed in" }),
);

document.body.dataset.pageReady = "true";
