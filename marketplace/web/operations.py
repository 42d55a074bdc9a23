"""Operations pages: products, markets and sessions (operator), the dashboard's auctions,
history of concluded requests, activations, qualification queues, settlement statements and
disputes, notifications.

Each page is a template ``web/<name>.html`` and a bundle ``src/pages/<name>.js``; the page's
script reads everything from the API (``/api/v1``) with the viewer's session, so the API's
own rules decide what a viewer sees (an FSP its own bids, results and statements, the DSO its
requests' matched bids, the operator everything). The server adds only the market's clock
(``ops.now``: the chain's time when the market follows a dev chain) so that forms propose
times the market accepts, and the vocabularies the forms offer.
"""

from __future__ import annotations

from flask import current_app

from marketplace.models.enums import Direction, Product
from marketplace.models.market import Horizon, ProductBlock, SessionMode
from marketplace.models.base import now_s
from marketplace.web import ALL_ROLES, DSO, FSP, OPERATOR, PAGES, TRADING_ROLES, PageSpec, bp, render_page

OPERATIONS_PAGES = (
    PageSpec("products", "Products", nav="Products"),
    PageSpec("markets", "Markets", nav="Markets"),
    PageSpec("sessions", "Auction sessions", nav="Sessions"),
    PageSpec("validation", "Request validation", nav="Request validation", roles=frozenset({OPERATOR})),
    PageSpec("qualifications", "Qualifications", nav="Qualifications", roles=frozenset({OPERATOR, DSO, FSP})),
    PageSpec("activations", "Activations", nav="Activations", roles=TRADING_ROLES),
    PageSpec("history", "History of concluded requests", nav="History", roles=TRADING_ROLES),
    PageSpec("results", "Results", nav="Results", roles=TRADING_ROLES),
    PageSpec("schedules", "Schedules", nav="Schedules", roles=TRADING_ROLES),
    PageSpec("statements", "Settlement statements", nav="Statements", roles=TRADING_ROLES),
    PageSpec("disputes", "Statement disputes", nav="Disputes", roles=TRADING_ROLES),
    PageSpec("notifications", "Notifications", nav="Notifications", roles=ALL_ROLES),
)
for _spec in OPERATIONS_PAGES:
    PAGES[_spec.name] = _spec

#: Vocabularies of the operations forms (values as the API spells them, labels for people).
OPS_CHOICES = {
    "categories": [(Product.ST_ENERGY.value, "Short-term energy"),
                   (Product.LT_AVAILABILITY.value, "Long-term availability"),
                   (Product.LT_ACTIVATION.value, "Long-term activation (firm)")],
    "directions": [(Direction.UP.value, "Up"), (Direction.DOWN.value, "Down")],
    "blocks": [(ProductBlock.QUARTER_HOUR.value, "15 minutes"), (ProductBlock.WEEK.value, "Base week"),
               (ProductBlock.MONTH.value, "Base month")],
    "horizons": [(Horizon.LONG_TERM.value, "Long term"), (Horizon.SHORT_TERM.value, "Short term")],
    "modes": [(SessionMode.AUCTION.value, "Auction (clearing engine)"),
              (SessionMode.MANUAL_PICK.value, "Manual pick by the DSO")],
    "pricing": [("pay_as_bid", "Pay as bid"), ("pay_as_clear", "Pay as clear")],
    "days": [("7", "7 days"), ("14", "14 days"), ("30", "30 days")],
    "dispute_statuses": [("open", "Open"), ("resolved", "Resolved"), ("withdrawn", "Withdrawn")],
}


def market_now() -> int:
    """The market's time (the chain's on a dev chain); the wall clock when it cannot be read."""
    services = current_app.extensions.get("flexmarket.market")
    try:
        return int(services.now()) if services is not None else now_s()
    except Exception as exc:  # the chain is unreachable: pages still render, forms use the wall clock
        current_app.logger.warning("market time unavailable (%s); pages use the wall clock", exc)
        return now_s()


@bp.context_processor
def _operations_context() -> dict:
    """For the operations templates (and the dashboard): the market's clock, called only by the
    templates that embed it, and the vocabularies of their forms."""
    return {"market_clock": market_now, "ops_choices": OPS_CHOICES}


def _page(name: str):
    return render_page(name)


@bp.get("/products")
def products():
    return _page("products")


@bp.get("/markets")
def markets():
    return _page("markets")


@bp.get("/sessions")
def sessions():
    return _page("sessions")


@bp.get("/operator/validation")
def validation():
    return _page("validation")


@bp.get("/qualifications")
def qualifications():
    return _page("qualifications")


@bp.get("/activations")
def activations():
    return _page("activations")


@bp.get("/history")
def history():
    return _page("history")


@bp.get("/results")
def results():
    return _page("results")


@bp.get("/schedules")
def schedules():
    return _page("schedules")


@bp.get("/statements")
def statements():
    return _page("statements")


@bp.get("/disputes")
def disputes():
    return _page("disputes")


@bp.get("/notifications")
def notifications():
    return _page("notifications")
