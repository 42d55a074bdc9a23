// Bids signed in the wallet (EIP-712) and submitted to the market API.
//
//   const bid = await signAndSubmitBid({ wallet, config, requestId, terms });
//
// The API answers the typed data to sign, one ``Bid`` per on-chain leg of the request
// (POST /requests/{id}/bids/typed-data). Before asking the wallet, each leg is rebuilt here
// from its message with this page's own domain (the market's chain and contract, see
// lib/typed-data.js) and its digest compared with the server's: the wallet signs exactly what
// the contract will recover, for the connected account, on the market's chain. The
// signatures then go to POST /requests/{id}/bids; a void bid comes back with its reason.
import { getAddress } from "viem";
import { api } from "./api.js";
import { WalletError } from "./errors.js";
import { bidTypedData, typedDataDigest } from "./typed-data.js";

/** The typed data of one leg as this page builds it, checked against the server's digest. */
export function checkedLeg(config, wallet, leg) {
  const message = leg.typed_data?.message ?? {};
  if (getAddress(message.fsp) !== getAddress(wallet.account)) {
    throw new WalletError(`The bid is prepared for ${message.fsp}, not for your connected wallet ${wallet.account}.`, { code: "wrong-account" });
  }
  const typed = bidTypedData(config, wallet.chainId, {
    requestId: BigInt(message.requestId),
    fsp: message.fsp,
    quantityWh: BigInt(message.quantityWh),
    minQuantityWh: BigInt(message.minQuantityWh),
    pricePerMWh: BigInt(message.pricePerMWh),
    guarantee: BigInt(message.guarantee),
    terms: message.terms,
  });
  const digest = typedDataDigest(typed);
  if (digest.toLowerCase() !== String(leg.digest).toLowerCase()) {
    throw new WalletError(
      `The ${leg.leg} bid prepared by the server does not match the market's contract on this network (digest ${leg.digest}, expected ${digest}); nothing was signed.`,
      { code: "typed-data-mismatch" },
    );
  }
  return typed;
}

/** Sign every leg of ``terms`` with the wallet and submit the bid; returns the stored bid. */
export async function signAndSubmitBid({ wallet, config, requestId, terms, onSigned = null }) {
  wallet.requireAccount();
  wallet.requireChain();
  const prepared = await api.post(`/requests/${requestId}/bids/typed-data`, { json: { terms, signer: wallet.account } });
  const signatures = {};
  for (const leg of prepared.legs) {
    const typed = checkedLeg(config, wallet, leg);
    signatures[leg.leg] = await wallet.signTypedData(typed);
    onSigned?.(leg, signatures[leg.leg]);
  }
  return api.post(`/requests/${requestId}/bids`, { json: { terms, signer: wallet.account, signatures } });
}

/** The next version number of a bidding unit's bid in a request, from the FSP's own bids. */
export function nextVersion(ownBids, unitId) {
  const versions = ownBids.filter((b) => b.bidding_unit_id === unitId).map((b) => b.version);
  return versions.length ? Math.max(...versions) + 1 : 1;
}
