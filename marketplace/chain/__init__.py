"""FlexMarket's chain bridge: compiled artifacts, node access, deployment and typed errors."""
