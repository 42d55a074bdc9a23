// Sign-up: every field of seed table 1, the representative's wallet bound by a SIWE signature,
// then the documents uploaded with the session the sign-up opens.
import { startShell, chainLabel } from "../lib/shell.js";
import { api, setCsrfToken } from "../lib/api.js";
import { $, el, code } from "../lib/dom.js";
import { readForm, runForm, FormProblems, fieldLabel } from "../lib/forms.js";
import { DOCUMENT_LABELS, documentProblem, formatBytes, uploadDocument } from "../lib/documents.js";

const { config, wallet, notify } = await startShell();
const form = $("signup-form");

function renderWallet() {
  $("su-wallet-status").textContent = !wallet.available
    ? "No Ethereum wallet found in this browser: install MetaMask or another EIP-1193 wallet."
    : wallet.connected
      ? `The representative's wallet: ${wallet.account}.`
      : "Wallet not connected.";
  const wrong = wallet.connected && wallet.chainId !== null && !wallet.onExpectedChain;
  $("su-wallet-warning").hidden = !wrong;
  if (wrong) {
    $("su-wallet-warning").textContent = `Your wallet is on ${chainLabel(config, wallet.chainId)}; FlexMarket runs on ${config.chain.name} (id ${config.chain.id}). Switch network to register.`;
  }
}
wallet.addEventListener("change", renderWallet);
renderWallet();

const role = $("su-role");
const showKind = () => ($("su-fsp-kind-field").hidden = role.value !== "fsp");
role.addEventListener("change", showKind);
showKind();

/** The JSON body and the chosen documents, with the documents checked here first. */
function read(formNode) {
  const body = readForm(formNode);
  const documents = body.documents ?? {};
  delete body.documents;
  const problems = [];
  for (const [kind, file] of Object.entries(documents)) {
    const problem = documentProblem(config, file);
    if (problem) problems.push({ loc: `documents.${kind}`, label: fieldLabel($(`su-doc-${kind}`)), message: problem });
  }
  if (problems.length) throw new FormProblems(problems);
  return { body, documents };
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  runForm(form, async ({ body, documents }) => {
    if (!wallet.connected) await wallet.connect();
    if (!wallet.onExpectedChain) await wallet.switchChain();
    const proof = await wallet.siweProof({ statement: "Register with FlexMarket and bind this wallet to the representative." });
    const reply = await api.post("/participants", { json: { ...body, wallet: proof } });
    setCsrfToken(reply.csrf_token);
    const participant = reply.participant;
    const results = [];
    for (const [kind, file] of Object.entries(documents)) {
      try {
        const doc = await uploadDocument(participant.id, kind, file);
        results.push(el("li", { "data-kind": kind }, `${DOCUMENT_LABELS[kind]}: “${doc.filename}”, ${formatBytes(doc.size_bytes)}, SHA-256 `, code(doc.sha256)));
      } catch (error) {
        results.push(el("li", { "data-kind": kind, class: "problem" }, `${DOCUMENT_LABELS[kind]} not uploaded: ${error.message} Upload it again on your organisation page.`));
      }
    }
    const missing = Object.keys(DOCUMENT_LABELS).filter((kind) => !(kind in documents));
    for (const kind of missing) results.push(el("li", { "data-kind": kind }, `${DOCUMENT_LABELS[kind]}: not uploaded yet.`));
    $("su-done-text").textContent =
      `${participant.entity_name} is registered and waits for the market operator's approval (status: ${participant.status}). ` +
      `You are signed in as ${reply.user.first_name} ${reply.user.last_name}, its admin, with wallet ${reply.user.wallet_address}.`;
    $("su-done-documents").replaceChildren(...results);
    form.hidden = true;
    $("su-done").hidden = false;
    $("su-done").focus();
    notify(`${participant.entity_name} registered; pending approval.`, { kind: "success" });
  }, { title: "Not registered", read });
});

document.body.dataset.pageReady = "true";
