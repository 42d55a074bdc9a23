// Hardhat 2 configuration for FlexMarket, for developers who prefer Hardhat.
//
// Hardhat is not installed by default. Add it (without changing package.json) with:
//     npm install --no-save hardhat@2.29.1
// then `npx hardhat compile`, `npx hardhat node` (chain id 31337, the same dev accounts as
// anvil) and `flexmarket deploy --rpc http://127.0.0.1:8545`.
//
// The compiler is the npm `solc` FlexMarket pins (the WASM build in node_modules): Hardhat
// never downloads one. Sources, optimizer and EVM version are those of the Python build
// (marketplace/chain/compile.py); artifacts go to build/hardhat so they never mix with the
// package's committed artifacts.
"use strict";
const path = require("path");
const { subtask } = require("hardhat/config");
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } = require("hardhat/builtin-tasks/task-names");
const solc = require("solc");

const SOLC_VERSION = "0.8.37";
const DEV_MNEMONIC = "test test test test test test test test test test test junk"; // local dev chain only

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args, hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  return {
    compilerPath: path.join(__dirname, "node_modules", "solc", "soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: solc.version(),
  };
});

module.exports = {
  solidity: {
    version: SOLC_VERSION,
    settings: { optimizer: { enabled: true, runs: 200 }, viaIR: true, evmVersion: "cancun" },
  },
  paths: {
    sources: "./contracts",
    artifacts: "./build/hardhat/artifacts",
    cache: "./build/hardhat/cache",
  },
  networks: {
    hardhat: {
      chainId: 31337,
      hardfork: "cancun",
      accounts: { mnemonic: DEV_MNEMONIC, count: 20 },
    },
  },
};
