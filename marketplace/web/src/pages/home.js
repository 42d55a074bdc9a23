// Dashboard: upcoming, active and finished auctions (sessions with their requests), the
// notifications summary and the next steps of the viewer's role, on top of the market facts.
import { startShell, guarded } from "../lib/shell.js";
import { api } from "../lib/api.js";
import { DataTable } from "../lib/table.js";
import { h, fmt, badge, viewer, marketNow, fill } from "../lib/ops.js";

await startShell();
const me = viewer();
const byId = (id) => document.getElementById(id);
const approved = me.signedIn && me.status === "approved";
let markets = new Map();
let requestsBySession = new Map();

function phase(s, now) {
  if (s.status === "awarded" || s.status === "cancelled") return "finished";
  if (s.status === "scheduled" && s.gate_open_at > now) return "upcoming";
  return "active";
}

function stage(s, now) {
  if (s.status === "cancelled") return "cancelled";
  if (s.status === "awarded") return "results published";
  if (s.status === "closed") return s.mode === "manual_pick" ? "gate closed: the DSO picks offers" : "gate closed: clearing and award";
  if (now >= s.gate_close_at) return "gate closing";
  if (now >= s.gate_open_at) return "gate open: bids accepted";
  return "scheduled";
}

const requestsText = (s) => {
  const list = requestsBySession.get(s.id) ?? [];
  return list.length ? list.map((r) => `${r.id}: ${r.product_code} ${r.direction} (${fmt.words(r.status)})`).join("; ") : "none yet";
};

function auctionTable(id, caption, extra = []) {
  return new DataTable(byId(id), {
    id: `${id}-table`, caption, rowKey: (s) => s.id, emptyText: "None.",
    columns: [
      { key: "code", label: "Session", filter: "text" },
      { key: "market", label: "Market", filter: "select", filterValue: (s) => markets.get(s.market_id)?.name ?? "", format: (_, s) => markets.get(s.market_id)?.name ?? `market ${s.market_id}` },
      { key: "horizon", label: "Horizon", filter: "select", format: fmt.words },
      { key: "mode", label: "Selection", format: fmt.words, hidden: true },
      { key: "stage", label: "Stage", render: (s) => h("span", {}, badge(s.status), ` ${stage(s, marketNow())}`) },
      { key: "gate_open_at", label: "Gate opens", format: fmt.time },
      { key: "gate_close_at", label: "Gate closes", format: fmt.time },
      { key: "delivery", label: "Delivery", format: (_, s) => fmt.period(s.delivery_start, s.delivery_end) },
      { key: "requests", label: "Requests", format: (_, s) => requestsText(s) },
      ...extra,
    ],
  });
}

const active = auctionTable("auctions-active", "Active auctions: gate open, or closed and being awarded");
const upcoming = auctionTable("auctions-upcoming", "Upcoming auctions: gate not open yet");
const finished = auctionTable("auctions-finished", "Finished auctions (latest first)", me.signedIn ? [{ key: "results", label: "Results", render: (s) => (s.status === "awarded" ? h("a", { href: `/results?session=${s.id}`, text: "Results", "aria-label": `Results of session ${s.code}` }) : "") }] : []);

async function auctions() {
  markets = new Map((await api.all("/markets")).map((m) => [m.id, m]));
  const sessions = await api.all("/sessions");
  const requests = await api.all("/requests");
  requestsBySession = new Map();
  for (const r of requests) {
    if (!requestsBySession.has(r.session_id)) requestsBySession.set(r.session_id, []);
    requestsBySession.get(r.session_id).push(r);
  }
  const now = marketNow();
  const groups = { upcoming: [], active: [], finished: [] };
  for (const s of sessions) groups[phase(s, now)].push(s);
  upcoming.setRows(groups.upcoming.sort((a, b) => a.gate_open_at - b.gate_open_at));
  active.setRows(groups.active.sort((a, b) => a.gate_close_at - b.gate_close_at));
  finished.setRows(groups.finished.sort((a, b) => b.gate_close_at - a.gate_close_at).slice(0, 20));
  fill("auctions-summary", `${groups.active.length} active, ${groups.upcoming.length} upcoming and ${groups.finished.length} finished auction${groups.finished.length === 1 ? "" : "s"} (market time ${fmt.time(now)}).`);
  return { sessions, requests };
}

async function notes() {
  const unread = await api.all("/notifications", { unread: true });
  fill("notes-summary", unread.length ? `${unread.length} unread notification${unread.length === 1 ? "" : "s"}.` : "No unread notification.");
  fill("notes-latest", unread.slice(-5).reverse().map((n) => h("li", {}, h("time", { datetime: new Date(n.created_at * 1000).toISOString(), text: fmt.time(n.created_at) }), ` ${n.title}`)));
  return unread;
}

const step = (text, href = null, linkText = null) => h("li", {}, text, href ? [" ", h("a", { href, text: linkText })] : "");
const requestLinks = (list) => list.map((r, k) => [k ? ", " : "", h("a", { href: `/requests/${r.id}`, text: `request ${r.id}` })]);
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

async function nextSteps({ sessions, requests }) {
  const now = marketNow();
  const steps = [];
  if (me.signedIn && !approved) {
    steps.push(step(`Your organisation's registration is ${me.status}: trading pages open once the market operator approves it.`, "/organisation", "Your organisation"));
  } else if (me.role === "market_operator") {
    const submitted = requests.filter((r) => r.status === "submitted");
    const qualifications = (await api.all("/qualifications", { status: "pending" })).filter((q) => !q.operator_decision);
    const disputes = await api.all("/disputes", { status: "open" });
    const due = sessions.filter((s) => (s.status === "open" || s.status === "scheduled") && now >= s.gate_close_at);
    if (submitted.length) steps.push(step(`${plural(submitted.length, "request")} wait for your validation.`, "/operator/validation", "Validate requests"));
    if (qualifications.length) steps.push(step(`${plural(qualifications.length, "qualification")} wait for guarantee validation.`, "/qualifications", "Review qualifications"));
    if (disputes.length) steps.push(step(`${plural(disputes.length, "statement dispute")} to resolve.`, "/disputes?status=open", "Resolve disputes"));
    if (due.length) steps.push(step(`${plural(due.length, "session")} past gate closure still open.`, "/sessions", "Close gates"));
    steps.push(step("Keep the product catalogue up to date.", "/products", "Products"));
  } else if (me.role === "dso") {
    const mine = requests.filter((r) => r.dso_id === me.participantId);
    const validated = mine.filter((r) => r.status === "validated");
    const submitted = mine.filter((r) => r.status === "submitted");
    const qualifications = (await api.all("/qualifications", { status: "pending" })).filter((q) => !q.dso_decision && mine.some((r) => r.id === q.request_id));
    const availability = (await api.all("/agreements", { kind: "availability", status: "active" })).filter((a) => a.delivery_end > now);
    const toPick = mine.filter((r) => r.status === "closed" && sessions.find((s) => s.id === r.session_id)?.mode === "manual_pick");
    const disputes = await api.all("/disputes", { status: "open" });
    if (!markets.size || ![...markets.values()].some((m) => m.dso_id === me.participantId)) steps.push(step("You have no market yet: initiate one at a grid element or zone.", "/markets", "Markets"));
    if (submitted.length) steps.push(step(`${plural(submitted.length, "request")} of yours wait for the operator's validation.`));
    if (validated.length) steps.push(h("li", {}, `${plural(validated.length, "validated request")} wait for your wallet's escrow before publication: `, requestLinks(validated), "."));
    if (toPick.length) steps.push(h("li", {}, `${plural(toPick.length, "request")} in manual-pick sessions wait for your pick: `, requestLinks(toPick), "."));
    if (qualifications.length) steps.push(step(`${plural(qualifications.length, "qualification")} wait for your technical validation.`, "/qualifications", "Review qualifications"));
    if (availability.length) steps.push(step(`${plural(availability.length, "availability agreement")} can be activated within their service windows.`, "/activations", "Activations"));
    if (disputes.length) steps.push(step(`${plural(disputes.length, "open statement dispute")} on your agreements.`, "/disputes?status=open", "Disputes"));
    steps.push(step("Open an auction session for one of your markets.", "/sessions", "Sessions"));
  } else if (me.role === "fsp") {
    const qualifying = requests.filter((r) => r.status === "published" && r.category === "lt_availability" && (sessions.find((s) => s.id === r.session_id)?.gate_open_at ?? 0) > now);
    const biddable = requests.filter((r) => r.status === "published" && (() => { const s = sessions.find((x) => x.id === r.session_id); return s && s.gate_open_at <= now && now < s.gate_close_at; })());
    const qualifications = await api.all("/qualifications", { status: "pending" });
    const disputes = await api.all("/disputes", { status: "open" });
    if (qualifying.length) steps.push(h("li", {}, `${plural(qualifying.length, "long-term request")} open for qualification until the auction opens: `, requestLinks(qualifying), "."));
    if (biddable.length) steps.push(h("li", {}, `${plural(biddable.length, "request")} accept bids now: `, requestLinks(biddable), "."));
    if (qualifications.length) steps.push(step(`${plural(qualifications.length, "qualification")} of yours wait for the DSO's and the operator's decision.`, "/qualifications", "Qualifications"));
    if (disputes.length) steps.push(step(`${plural(disputes.length, "open statement dispute")}.`, "/disputes?status=open", "Disputes"));
    steps.push(step("See how your bids did.", "/results", "Results"));
    steps.push(step("Check your payments.", "/statements", "Settlement statements"));
  } else if (me.role === "meter_oracle") {
    steps.push(step("Agreements and activations to attest are listed by the API (GET /api/v1/agreements, /api/v1/activations)."));
  }
  if (me.signedIn) fill("next-steps", steps.length ? steps : step("Nothing waits for you."));
}

await guarded(async () => {
  const data = await auctions();
  if (approved) await notes();
  await nextSteps(data);
}, { title: "Dashboard not loaded" });
document.body.dataset.pageReady = "true";
