"""The root of every error FlexMarket's market service raises on purpose."""


class MarketplaceError(Exception):
    """Base of the market service's typed errors.

    ``code`` is a short machine-readable name; ``details`` carries the values involved.
    """

    code = "marketplace_error"

    def __init__(self, message: str, *, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}
