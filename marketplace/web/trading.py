"""Trading pages: the calendar of requests, the DSO's request form, a request's page (offers,
the DSO's pick, bid entry signed in the wallet, qualification), results with the order book
and the merit-order curve.

The pages are shells: their bundles (``src/pages/requests.js``, ``new_request.js``,
``request.js``) read and write everything through the market API (``/api/v1``) with the
viewer's session, and sign with the viewer's wallet. The API checks every call; the page
guards only spare people pages they cannot use.
"""

from __future__ import annotations

from flask import redirect, url_for

from marketplace.web import DSO, PAGES, PageSpec, bp, render_page



def _spec(name: str, title: str, **options) -> PageSpec:
    """A PageSpec; options the registry does not know (yet) are left out."""
    known = PageSpec.__dataclass_fields__
    return PageSpec(name, title, **{key: value for key, value in options.items() if key in known})


#: Published requests are public, so the calendar and a request's page are open to everyone
#: (a DSO also sees its own unpublished requests, the operator all); the form is the DSO's.
#: The page walk of the browser tests opens a request's page at /requests/1.
PAGES.update({p.name: p for p in (
    _spec("requests", "Flexibility requests", nav="Requests"),
    _spec("new_request", "New flexibility request", nav="New request", roles=frozenset({DSO})),
    _spec("request", "Flexibility request", test_path="/requests/1"),
)})


@bp.get("/requests")
def requests():
    return render_page("requests")


@bp.get("/requests/new")
def new_request():
    # ?element=<grid element id>&start=<Unix s>&end=<Unix s> (the forecast chart's selection)
    # prefills the form in the page's script.
    return render_page("new_request")


# ``render_page`` builds the page's own URL without arguments; this rule gives it one (and
# sends a bare /request to the calendar).
@bp.get("/request", endpoint="request", defaults={"request_id": None})
@bp.get("/requests/<int:request_id>", endpoint="request")
def request_page(request_id: int | None):
    if request_id is None:
        return redirect(url_for("web.requests"))
    return render_page("request", request_id=request_id)
