// Readable errors for everything a wallet or a contract can refuse.
//
// A WalletError carries a machine code (EIP-1193 / JSON-RPC code, or "revert"), a one-line
// readable message for people, and for contract reverts the decoded custom error
// {name, args}. Contract errors are decoded from the ABI the server sends (config.errors).
import { decodeErrorResult } from "viem";
import { formatEUR } from "./money.js";

export const USER_REJECTED = 4001;
export const UNAUTHORIZED = 4100;
export const UNSUPPORTED_METHOD = 4200;
export const DISCONNECTED = 4900;
export const CHAIN_DISCONNECTED = 4901;
export const UNRECOGNIZED_CHAIN = 4902;
export const REQUEST_PENDING = -32002;

export class WalletError extends Error {
  constructor(message, { code = null, revert = null, cause = null } = {}) {
    super(message, cause ? { cause } : undefined);
    this.name = "WalletError";
    this.code = code;
    this.revert = revert;
  }

  get rejected() {
    return this.code === USER_REJECTED;
  }
}

const PROVIDER_MESSAGES = {
  [USER_REJECTED]: "You rejected the request in your wallet.",
  [UNAUTHORIZED]: "Your wallet has not authorised this site for that account; connect it first.",
  [UNSUPPORTED_METHOD]: "Your wallet does not support this request.",
  [DISCONNECTED]: "Your wallet is disconnected from every network.",
  [CHAIN_DISCONNECTED]: "Your wallet is not connected to the requested network.",
  [UNRECOGNIZED_CHAIN]: "Your wallet does not know the market's network yet.",
  [REQUEST_PENDING]: "Your wallet already has a request waiting: open the wallet and answer it first.",
};

const short = (address) => (typeof address === "string" && address.length === 42 ? `${address.slice(0, 6)}…${address.slice(-4)}` : String(address));

// Readable sentences for the contract errors people meet; others are shown by name and values.
const REVERT_MESSAGES = {
  FlexMarketNothingToWithdraw: ({ account }) => `There is nothing to withdraw: the market holds no credit for ${short(account)}.`,
  ERC20InsufficientBalance: ({ balance, needed }) => `Your token balance is too low: ${formatEUR(balance)} held, ${formatEUR(needed)} needed.`,
  ERC20InsufficientAllowance: ({ allowance, needed }) =>
    `The market may spend only ${formatEUR(allowance)} of your tokens but needs ${formatEUR(needed)}: approve more first.`,
  ERC20InvalidSpender: ({ spender }) => `${short(spender)} cannot be approved as a spender.`,
  ParticipantRegistryUnauthorized: ({ account }) => `${short(account)} does not hold the market role this action needs.`,
  FlexMarketGuaranteeInsufficient: ({ needed, free }) => `The free guarantee (${formatEUR(free)}) is below the ${formatEUR(needed)} needed.`,
  FlexMarketGateClosed: ({ requestId }) => `Request ${requestId} is closed for bids (gate closure has passed).`,
  FlexMarketPriceAboveCap: ({ requestId, price, cap }) => `The price ${price} is above request ${requestId}'s cap of ${cap} (base units per MWh).`,
  FlexMarketNotRequestParty: ({ requestId, caller }) => `${short(caller)} is not a party to request ${requestId}.`,
  FlexMarketDsoNotCaller: ({ dso }) => `Only the requesting DSO ${short(dso)} may do this.`,
};

function plain(value) {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return `[${value.map(plain).join(", ")}]`;
  return String(value);
}

/** {name, args: {field: value}} of a revert payload, or null when it matches no known error. */
export function decodeRevert(data, errorsAbi) {
  if (typeof data !== "string" || !/^0x[0-9a-fA-F]{8}/.test(data)) return null;
  try {
    const { errorName, args, abiItem } = decodeErrorResult({ abi: errorsAbi, data });
    const named = {};
    (abiItem?.inputs ?? []).forEach((input, i) => {
      named[input.name || `arg${i}`] = args?.[i];
    });
    return { name: errorName, args: named };
  } catch {
    return { name: null, selector: data.slice(0, 10), args: {} };
  }
}

/** One readable line for a decoded revert (the error's name stays in brackets for support). */
export function describeRevert(revert) {
  if (!revert) return "The contract refused the transaction.";
  if (!revert.name) return `The contract refused with an unknown error (selector ${revert.selector}).`;
  if (revert.name === "Error") return `The contract refused: ${revert.args.message ?? plain(Object.values(revert.args)[0])}.`;
  const sentence = REVERT_MESSAGES[revert.name];
  if (sentence) return `${sentence(revert.args)} (${revert.name})`;
  const values = Object.entries(revert.args).map(([k, v]) => `${k} ${plain(v)}`).join(", ");
  return `The contract refused: ${revert.name}${values ? ` (${values})` : ""}.`;
}

// Wallets nest the revert payload differently (MetaMask: data.originalError.data; nodes: data).
function findRevertData(error, depth = 0) {
  if (!error || depth > 5) return null;
  if (typeof error === "string") return /^0x[0-9a-fA-F]{8,}$/.test(error) ? error : null;
  if (typeof error !== "object") return null;
  for (const key of ["data", "originalError", "error", "cause"]) {
    const found = findRevertData(error[key], depth + 1);
    if (found) return found;
  }
  return null;
}

/** Turn whatever a provider threw into a WalletError with a readable message. */
export function toWalletError(error, errorsAbi = []) {
  if (error instanceof WalletError) return error;
  const code = error?.code ?? null;
  if (code !== null && PROVIDER_MESSAGES[code]) return new WalletError(PROVIDER_MESSAGES[code], { code, cause: error });
  const data = findRevertData(error);
  if (data) {
    const revert = decodeRevert(data, errorsAbi);
    return new WalletError(describeRevert(revert), { code: "revert", revert, cause: error });
  }
  const text = String(error?.message ?? error ?? "unknown error");
  if (/revert/i.test(text)) return new WalletError(`The contract refused the transaction: ${text}`, { code: "revert", cause: error });
  return new WalletError(`The wallet reported an error: ${text}`, { code, cause: error });
}
