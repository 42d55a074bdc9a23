// EIP-712 typed data of FlexMarket, as marketplace.chain.typed_data builds it in Python:
// domain {name "FlexMarket", version "1", chainId, verifyingContract = the market}.
// Amounts are BigInt: energy in Wh, prices in base units per MWh, guarantees in base units.
import { getAddress, hashTypedData } from "viem";

export const EIP712_DOMAIN = [
  { name: "name", type: "string" },
  { name: "version", type: "string" },
  { name: "chainId", type: "uint256" },
  { name: "verifyingContract", type: "address" },
];

export const BID_TYPE = [
  { name: "requestId", type: "uint256" },
  { name: "fsp", type: "address" },
  { name: "quantityWh", type: "uint128" },
  { name: "minQuantityWh", type: "uint128" },
  { name: "pricePerMWh", type: "uint128" },
  { name: "guarantee", type: "uint128" },
  { name: "terms", type: "bytes32" },
];

export function domain(config, chainId) {
  return {
    name: config.eip712.name,
    version: config.eip712.version,
    chainId: BigInt(chainId),
    verifyingContract: getAddress(config.contracts.FlexMarket.address),
  };
}

/** The eth_signTypedData_v4 document of a bid ({requestId, fsp, quantityWh, minQuantityWh,
 * pricePerMWh, guarantee, terms}; numbers as BigInt, terms a 0x-prefixed 32-byte hex). */
export function bidTypedData(config, chainId, bid) {
  if (!/^0x[0-9a-fA-F]{64}$/.test(bid.terms)) throw new RangeError("The terms hash must be 32 bytes of hex (0x and 64 digits).");
  return {
    types: { EIP712Domain: EIP712_DOMAIN, Bid: BID_TYPE },
    primaryType: "Bid",
    domain: domain(config, chainId),
    message: {
      requestId: BigInt(bid.requestId),
      fsp: getAddress(bid.fsp),
      quantityWh: BigInt(bid.quantityWh),
      minQuantityWh: BigInt(bid.minQuantityWh),
      pricePerMWh: BigInt(bid.pricePerMWh),
      guarantee: BigInt(bid.guarantee),
      terms: bid.terms.toLowerCase(),
    },
  };
}

/** The 32-byte EIP-712 digest the contract recovers from (0x hex). */
export function typedDataDigest(typed) {
  return hashTypedData(typed);
}
