// FlexMarket's wallet module: one EIP-1193 provider (MetaMask or compatible), used directly.
//
//   const wallet = new Wallet(config);          // config: the page's embedded flex-config
//   await wallet.init();                        // silent: eth_accounts, eth_chainId, events
//   await wallet.connect();                     // eth_requestAccounts
//   if (!wallet.onExpectedChain) await wallet.switchChain();
//   const balance = await wallet.tokenBalance(); // BigInt base units
//   const sig = await wallet.signTypedData(bidTypedData(config, wallet.chainId, bid));
//   await wallet.signIn();                      // Sign-In with Ethereum (EIP-4361)
//   const tx = wallet.send({ contract: "FlexToken", functionName: "approve", args: [market, amount] });
//   const receipt = await tx.wait();           // throws WalletError on failure
//
// Every failure is a WalletError with a readable `message` (see errors.js). Listen to
// "change" (account, chain, sign-in) and "transaction" (a transaction changed state).
import { decodeFunctionResult, encodeFunctionData, getAddress, stringToHex, toHex } from "viem";
import { createSiweMessage } from "viem/siwe";
import { WalletError, toWalletError, UNRECOGNIZED_CHAIN } from "./errors.js";
import { setCsrfToken } from "./api.js";

export const TX_STATES = {
  checking: "Checking",
  "awaiting-wallet": "Waiting for your wallet",
  pending: "Pending",
  confirmed: "Confirmed",
  failed: "Failed",
};

let nextTransactionId = 1;

/** One transaction's life: checking → awaiting-wallet → pending → confirmed | failed. */
export class Transaction extends EventTarget {
  constructor(label, call) {
    super();
    this.id = nextTransactionId++;
    this.label = label;
    this.call = call;
    this.status = "checking";
    this.hash = null;
    this.receipt = null;
    this.error = null;
    this.updatedAt = new Date();
    this.history = [{ status: this.status, at: this.updatedAt }];
    this._done = new Promise((resolve) => (this._resolve = resolve));
  }

  get statusText() {
    return TX_STATES[this.status];
  }

  get final() {
    return this.status === "confirmed" || this.status === "failed";
  }

  /** The receipt once confirmed; throws the WalletError when the transaction failed. */
  async wait() {
    await this._done;
    if (this.status === "failed") throw this.error;
    return this.receipt;
  }

  _update(status, fields = {}) {
    Object.assign(this, fields, { status, updatedAt: new Date() });
    this.history.push({ status, at: this.updatedAt });
    this.dispatchEvent(new Event("change"));
    if (this.final) this._resolve(this);
  }
}

/** JSON for eth_signTypedData_v4: BigInt values become decimal strings. */
export function typedDataJson(typed) {
  return JSON.stringify(typed, (_, value) => (typeof value === "bigint" ? value.toString() : value));
}

async function fetchJson(url, options = {}) {
  let reply;
  try {
    reply = await fetch(url, { headers: { "Content-Type": "application/json", Accept: "application/json" }, credentials: "same-origin", ...options });
  } catch (error) {
    throw new WalletError(`The server could not be reached (${url}).`, { code: "network", cause: error });
  }
  let body = null;
  try {
    body = await reply.json();
  } catch {
    body = null;
  }
  if (!reply.ok) {
    const message = body?.message
      ? `The server refused: ${body.message}`
      : reply.status === 404
        ? `The server does not offer ${url} yet (HTTP 404).`
        : `The server refused the request to ${url} (HTTP ${reply.status}).`;
    throw new WalletError(message, { code: body?.code ?? `http-${reply.status}` });
  }
  return body;
}

export class Wallet extends EventTarget {
  constructor(config, { provider = globalThis.ethereum, pollMs = 250, location = globalThis.location } = {}) {
    super();
    this.config = config;
    this.provider = provider ?? null;
    this.pollMs = pollMs;
    this.location = location;
    this.account = null;
    this.chainId = null;
    this.session = null;
    this.transactions = [];
  }

  // ------------------------------------------------------------------ state
  get available() {
    return this.provider !== null && typeof this.provider.request === "function";
  }

  get expectedChainId() {
    return this.config.chain.id;
  }

  get connected() {
    return this.account !== null;
  }

  get onExpectedChain() {
    return this.chainId !== null && this.chainId === this.expectedChainId;
  }

  _changed() {
    this.dispatchEvent(new Event("change"));
  }

  _setAccounts(accounts) {
    const next = accounts && accounts.length ? getAddress(accounts[0]) : null;
    if (next !== this.account) this.session = null; // a sign-in belongs to one account
    this.account = next;
  }

  /** Read the wallet's account and chain without prompting, and follow its events. */
  async init() {
    if (!this.available) {
      this._changed();
      return this;
    }
    if (typeof this.provider.on === "function") {
      this.provider.on("accountsChanged", (accounts) => {
        this._setAccounts(accounts);
        this._changed();
      });
      this.provider.on("chainChanged", (chainId) => {
        this.chainId = Number(BigInt(chainId));
        this._changed();
      });
      this.provider.on("disconnect", () => {
        this.account = null;
        this._changed();
      });
    }
    const [accounts, chainId] = await Promise.all([this.request("eth_accounts"), this.request("eth_chainId")]);
    this._setAccounts(accounts);
    this.chainId = Number(BigInt(chainId));
    this._changed();
    return this;
  }

  /** One EIP-1193 request; failures become WalletErrors with readable messages. */
  async request(method, params) {
    if (!this.available) {
      throw new WalletError("No Ethereum wallet found in this browser: install MetaMask or another EIP-1193 wallet, then reload.", { code: "no-wallet" });
    }
    try {
      return await this.provider.request(params === undefined ? { method } : { method, params });
    } catch (error) {
      throw toWalletError(error, this.config.errors);
    }
  }

  /** Ask the wallet for an account (eth_requestAccounts). */
  async connect() {
    const accounts = await this.request("eth_requestAccounts");
    this._setAccounts(accounts);
    this.chainId = Number(BigInt(await this.request("eth_chainId")));
    this._changed();
    return { account: this.account, chainId: this.chainId };
  }

  requireAccount() {
    if (!this.account) throw new WalletError("Connect your wallet first.", { code: "not-connected" });
  }

  requireChain() {
    if (this.expectedChainId === null) {
      throw new WalletError("The market's contracts are not deployed yet.", { code: "not-deployed" });
    }
    if (!this.onExpectedChain) {
      throw new WalletError(
        `Your wallet is on network ${this.chainId}, the market on ${this.config.chain.name} (${this.expectedChainId}): switch network first.`,
        { code: "wrong-chain" },
      );
    }
  }

  /** Ask the wallet to switch to the market's chain, adding it when the wallet lacks it (4902). */
  async switchChain() {
    const chainId = toHex(this.expectedChainId);
    try {
      await this.request("wallet_switchEthereumChain", [{ chainId }]);
    } catch (error) {
      const unknownChain = error.code === UNRECOGNIZED_CHAIN || error.cause?.data?.originalError?.code === UNRECOGNIZED_CHAIN;
      if (!unknownChain) throw error;
      const { name, rpcUrls, nativeCurrency } = this.config.chain;
      await this.request("wallet_addEthereumChain", [{ chainId, chainName: name, rpcUrls, nativeCurrency }]);
    }
    this.chainId = Number(BigInt(await this.request("eth_chainId")));
    this._changed();
    if (!this.onExpectedChain) throw new WalletError("The wallet did not switch to the market's network.", { code: "wrong-chain" });
  }

  // ------------------------------------------------------------------ reads
  contract(name) {
    const contract = this.config.contracts[name];
    if (!contract) throw new WalletError(`The market's contracts are not deployed yet (${name} unknown).`, { code: "not-deployed" });
    return contract;
  }

  /** eth_call a contract function through the wallet's provider; decoded result (BigInt for uints). */
  async read(contractName, functionName, args = [], blockTag = "latest") {
    this.requireChain();
    const { address, abi } = this.contract(contractName);
    const data = encodeFunctionData({ abi, functionName, args });
    const result = await this.request("eth_call", [{ to: address, data }, blockTag]);
    return decodeFunctionResult({ abi, functionName, data: result });
  }

  /** Token balance in base units (BigInt). */
  tokenBalance(account = this.account) {
    return this.read("FlexToken", "balanceOf", [account]);
  }

  /** Withdrawable credit in the market, base units (BigInt). */
  marketCredit(account = this.account) {
    return this.read("FlexMarket", "creditOf", [account]);
  }

  /** How much the market may take from ``owner``'s tokens, base units (BigInt). */
  marketAllowance(owner = this.account) {
    return this.read("FlexToken", "allowance", [owner, this.contract("FlexMarket").address]);
  }

  // ------------------------------------------------------------------ signatures
  /** personal_sign of a text message by the connected account. */
  async signMessage(message) {
    this.requireAccount();
    return this.request("personal_sign", [stringToHex(message), this.account]);
  }

  /** eth_signTypedData_v4 of an EIP-712 document (e.g. bidTypedData(...)); 65-byte hex signature. */
  async signTypedData(typed) {
    this.requireAccount();
    this.requireChain();
    return this.request("eth_signTypedData_v4", [this.account, typedDataJson(typed)]);
  }

  /** A Sign-In with Ethereum proof: a nonce from the server in an EIP-4361 message (domain =
   * page host, URI = page origin, the wallet's chain), signed with personal_sign. Returns
   * {message, signature}; sign-up sends it to bind the wallet, signIn() to open a session. */
  async siweProof({ statement = "Sign in to FlexMarket." } = {}) {
    this.requireAccount();
    this.requireChain();
    const { nonce } = await fetchJson(this.config.auth.nonce);
    const message = createSiweMessage({
      domain: this.location.host,
      address: this.account,
      statement,
      uri: this.location.origin,
      version: "1",
      chainId: this.chainId,
      nonce,
      issuedAt: new Date(),
    });
    const signature = await this.signMessage(message);
    return { message, signature };
  }

  /** Sign-In with Ethereum: a nonce from the server, an EIP-4361 message signed with
   * personal_sign, and {message, signature} posted back. Returns the server's reply (and
   * keeps its CSRF token for lib/api.js). */
  async signIn({ statement = "Sign in to FlexMarket." } = {}) {
    const proof = await this.siweProof({ statement });
    const reply = await fetchJson(this.config.auth.siwe, { method: "POST", body: JSON.stringify(proof) });
    if (reply?.csrf_token) setCsrfToken(reply.csrf_token);
    this.session = { account: this.account, reply };
    this._changed();
    return reply;
  }

  // ------------------------------------------------------------------ transactions
  /** Send a contract transaction from the connected account. Returns a Transaction at once;
   * it is checked with eth_call first (a revert fails it before the wallet is asked), then
   * sent with eth_sendTransaction and followed until its receipt. */
  send({ contract, functionName, args = [], value = 0n, label = null }) {
    const tx = new Transaction(label ?? `${contract}.${functionName}`, { contract, functionName, args });
    this.transactions.push(tx);
    tx.addEventListener("change", () => this.dispatchEvent(new CustomEvent("transaction", { detail: tx })));
    this.dispatchEvent(new CustomEvent("transaction", { detail: tx }));
    this._run(tx, { contract, functionName, args, value });
    return tx;
  }

  /** Send a transaction the server prepared for this wallet ({to, data, value, chain_id},
   * e.g. the escrow, award or guarantee transactions of the market API), followed like
   * send(): checked with eth_call first, then pending → confirmed | failed. */
  sendPrepared({ to, data, value = 0, chain_id: chainId = null, label = null }) {
    const tx = new Transaction(label ?? `Transaction to ${to}`, { to, data });
    this.transactions.push(tx);
    tx.addEventListener("change", () => this.dispatchEvent(new CustomEvent("transaction", { detail: tx })));
    this.dispatchEvent(new CustomEvent("transaction", { detail: tx }));
    this._run(tx, { prepared: { to: getAddress(to), data, value: BigInt(value ?? 0), chainId } });
    return tx;
  }

  async _run(tx, { contract, functionName, args, value, prepared = null }) {
    try {
      this.requireAccount();
      this.requireChain();
      let call;
      if (prepared) {
        if (prepared.chainId !== null && prepared.chainId !== this.chainId) {
          throw new WalletError(`This transaction is for network ${prepared.chainId}, your wallet is on ${this.chainId}.`, { code: "wrong-chain" });
        }
        call = { from: this.account, to: prepared.to, data: prepared.data, value: toHex(prepared.value) };
      } else {
        const { address, abi } = this.contract(contract);
        call = { from: this.account, to: address, data: encodeFunctionData({ abi, functionName, args }), value: toHex(value) };
      }
      await this.request("eth_call", [call, "latest"]);
      tx._update("awaiting-wallet");
      const hash = await this.request("eth_sendTransaction", [call]);
      tx._update("pending", { hash });
      const receipt = await this._waitForReceipt(hash);
      if (receipt.status === "0x1") {
        tx._update("confirmed", { receipt });
      } else {
        tx._update("failed", { receipt, error: await this._explainFailure(call, receipt) });
      }
    } catch (error) {
      tx._update("failed", { error: toWalletError(error, this.config.errors) });
    }
  }

  async _waitForReceipt(hash) {
    for (;;) {
      const receipt = await this.request("eth_getTransactionReceipt", [hash]);
      if (receipt) return receipt;
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
    }
  }

  async _explainFailure(call, receipt) {
    try {
      await this.request("eth_call", [call, receipt.blockNumber]);
    } catch (error) {
      return toWalletError(error, this.config.errors);
    }
    const sent = await this.request("eth_getTransactionByHash", [receipt.transactionHash]);
    const used = BigInt(receipt.gasUsed);
    const limit = sent ? BigInt(sent.gas) : null;
    const outOfGas = limit !== null && used >= limit;
    return new WalletError(
      outOfGas
        ? `The transaction failed on chain: it ran out of gas (used ${used} of ${limit}).`
        : "The transaction failed on chain without a reason.",
      { code: "reverted" },
    );
  }
}
