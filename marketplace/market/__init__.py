"""The market's lifecycle beyond registration: catalogue, sessions, requests, qualification,
signed bids, gate closure and clearing, results, activations, notifications — and its mirror of
the chain (indexer handlers, reconcile), the scheduler and the demo.

Pure rules live in small modules (``canonical``, ``terms``, ``window``); modules that touch the
database take a SQLAlchemy session; modules that touch the chain take :class:`MarketServices`.
"""
