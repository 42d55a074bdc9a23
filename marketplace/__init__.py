"""FlexMarket: a blockchain-settled local flexibility market.

DSOs buy flexibility to relieve congestion at a grid element; flexibility service providers
sell it from prequalified assets; a meter oracle verifies delivery and releases escrowed
euro tokens. This package holds the market service, the clearing engine, the chain bridge
and the ``flexmarket`` command line.
"""

__version__ = "0.1.0"
