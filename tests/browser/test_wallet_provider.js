// The test wallet: an EIP-1193 provider injected before any page script runs (Playwright
// add_init_script). Every request goes to the Python side (expose_function
// "__flexTestWalletRequest"), which signs with eth-account and forwards reads and raw
// transactions to the anvil node; replies are {result} or {error: {code, message, data}}
// plus events to emit ([name, payload] pairs). Python can emit events at any time with
// window.__flexTestWallet.emit(name, payload).
(() => {
  const listeners = new Map();
  const emit = (event, payload) => {
    for (const listener of listeners.get(event) ?? []) listener(payload);
  };
  const provider = {
    isFlexTestWallet: true,
    async request(args) {
      if (!args || typeof args.method !== "string") throw Object.assign(new Error("invalid request"), { code: -32600 });
      const reply = await window.__flexTestWalletRequest(args.method, args.params ?? []);
      for (const [event, payload] of reply.events ?? []) setTimeout(() => emit(event, payload), 0);
      if (reply.error) {
        const error = new Error(reply.error.message);
        error.code = reply.error.code;
        if (reply.error.data !== undefined) error.data = reply.error.data;
        throw error;
      }
      return reply.result;
    },
    on(event, listener) {
      if (!listeners.has(event)) listeners.set(event, []);
      listeners.get(event).push(listener);
      return provider;
    },
    removeListener(event, listener) {
      listeners.set(event, (listeners.get(event) ?? []).filter((l) => l !== listener));
      return provider;
    },
  };
  Object.defineProperty(window, "ethereum", { value: provider, configurable: false, writable: false });
  window.__flexTestWallet = { emit };
})();
